"""One leader among the API nodes, by a lease: it runs what must run once (the incident engine's
intake, scheduled jobs); a standby takes the lease when the leader stops renewing it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.errors import Error as NatsError

from csu.cluster.leases import LeaseBook
from csu.cluster.runtime import LEADER_KEY, ClusterNode

log = logging.getLogger(__name__)

Duty = Callable[[], Awaitable[None]]


class Leadership:
    """Claims or renews the leader lease every round; tells the node when it leads or stops."""

    def __init__(
        self, node: ClusterNode, *, lead: Duty, follow: Duty, round_s: float = 1.0
    ) -> None:
        self._node = node
        self._lead = lead
        self._follow = follow
        self._round_s = round_s
        self._book: LeaseBook | None = None
        self._task: asyncio.Task[None] | None = None
        self.leading = False

    async def start(self) -> None:
        """Start the rounds (the first runs at once)."""
        s = self._node.settings
        self._book = LeaseBook(self._node.leases, s.name, s.lease_ttl_s)
        self._task = asyncio.create_task(self._run(), name="leadership")

    async def stop(self) -> None:
        """Stop leading (duties first) and hand the lease over at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.leading:
            await self._step_down()
        if self._book is not None:
            await self._book.release_all()

    async def round(self) -> None:
        """Renew if leading (stepping down if the lease is lost), else try to take it."""
        assert self._book is not None
        if self.leading:
            if LEADER_KEY in await self._book.renew():
                log.warning("lost the leader lease; this node follows now")
                await self._step_down()
            return
        if await self._book.claim(LEADER_KEY):
            log.info("this node leads the cluster's engine and jobs now")
            self.leading = True
            try:
                await self._lead()
            except Exception:
                log.exception("taking up the leader's duties failed; handing the lease over")
                await self._step_down()
                await self._book.release(LEADER_KEY)

    async def _step_down(self) -> None:
        self.leading = False
        try:
            await self._follow()
        except Exception:
            log.exception("laying down the leader's duties failed")

    async def _run(self) -> None:
        while True:
            try:
                await self.round()
            except (NatsError, TimeoutError, OSError) as exc:
                log.warning("leader lease: %s", exc)
            except Exception:
                log.exception("leadership round failed")
            await asyncio.sleep(self._round_s)
