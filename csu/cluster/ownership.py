"""A worker's camera leases, kept every round: renew, notice takeovers, claim or give up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from nats.errors import Error as NatsError

from csu.cluster import kv as buckets
from csu.cluster.assignment import plan
from csu.cluster.leases import LeaseBook, holders, released
from csu.cluster.runtime import CAMERA_PREFIX, ClusterNode, camera_key

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Gained:
    """A camera this worker now owns; `taken_from` names a worker whose lease ran out."""

    camera_id: str
    taken_from: str | None


OnGain = Callable[[Gained], Awaitable[None]]
OnLose = Callable[[str], Awaitable[None]]


class CameraOwnership:
    """Holds this worker's share of the cameras and tells the video side what changed."""

    def __init__(
        self,
        node: ClusterNode,
        cameras: Sequence[str],
        *,
        capacity: int,
        on_gain: OnGain,
        on_lose: OnLose,
        round_s: float = 1.0,
    ) -> None:
        self._node = node
        self._cameras = list(cameras)
        self._capacity = capacity
        self._on_gain = on_gain
        self._on_lose = on_lose
        self._round_s = round_s
        self._book: LeaseBook | None = None
        # The last holder seen of each camera, kept while it is free: a dead worker's camera may
        # stay unclaimed a round or two (its heartbeat outlives its leases), and whoever takes
        # it must still know it was taken from the dead, not handed over.
        self._last_holder: dict[str, str | None] = {}
        self._task: asyncio.Task[None] | None = None

    def owned(self) -> set[str]:
        """The cameras this worker holds now."""
        if self._book is None:
            return set()
        return {k.removeprefix(CAMERA_PREFIX) for k in self._book.held()}

    async def start(self) -> None:
        """Start the rounds (the first runs at once)."""
        self._book = LeaseBook(
            self._node.leases, self._node.settings.name, self._node.settings.lease_ttl_s
        )
        self._task = asyncio.create_task(self._run(), name="camera-ownership")

    async def stop(self) -> None:
        """Stop the rounds, stop every camera and give their leases back at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._book is None:
            return
        for camera_id in sorted(self.owned()):
            await self._on_lose(camera_id)
        await self._book.release_all()

    async def round(self) -> None:
        """One round: renew, then move towards this worker's share."""
        assert self._book is not None
        for key in await self._book.renew():
            log.warning("lost the lease of %s", key)
            await self._on_lose(key.removeprefix(CAMERA_PREFIX))
        raw = await buckets.entries(self._node.client.jetstream(), buckets.LEASES)
        owners = _cameras_of(holders(raw))
        handed_over = {k.removeprefix(CAMERA_PREFIX) for k in released(raw)}
        workers = max(1, len(self._node.live_workers()))
        moves = plan(self._cameras, owners, self._book.holder, workers, self._capacity)
        for camera_id in moves.release:
            log.info("giving %s up: above this worker's share", camera_id)
            await self._on_lose(camera_id)
            await self._book.release(camera_key(camera_id))
        for camera_id in moves.claim:
            if await self._book.claim(camera_key(camera_id)):
                before = self._last_holder.get(camera_id)
                died = before not in (None, self._book.holder) and camera_id not in handed_over
                taken = before if died else None
                await self._on_gain(Gained(camera_id, taken))
        self._last_holder.update(owners)
        self._last_holder.update(dict.fromkeys(handed_over))

    async def _run(self) -> None:
        while True:
            try:
                await self.round()
            except (NatsError, TimeoutError, OSError) as exc:
                log.warning("camera leases: %s", exc)
            except Exception:
                log.exception("camera ownership round failed")
            await asyncio.sleep(self._round_s)


def _cameras_of(lease_holders: dict[str, str]) -> dict[str, str]:
    return {
        k.removeprefix(CAMERA_PREFIX): v
        for k, v in lease_holders.items()
        if k.startswith(CAMERA_PREFIX)
    }
