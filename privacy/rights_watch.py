"""A right that ends ends everything that depended on it: live streams, event streams, walls.

Whatever outlives the request that opened it registers a hold on its login session. Every few
seconds, and at once when rights end early (logout, deactivation, a change of authorisations),
the watch reads each session's rights again and ends the holds that lost what they needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from csu.bus import EventBus
from csu.identity.events import RightsEnded
from privacy.rights import CameraRights, Viewer

log = logging.getLogger(__name__)

# Called with the holder's rights at each check; returns why the hold must end, or None.
Follow = Callable[[Viewer], str | None]
# Ends what was held, given the reason (logged by whoever owns the stream).
End = Callable[[str], Awaitable[None]]

DEFAULT_INTERVAL_S = 2.0


@dataclass(eq=False)
class _Hold:
    token_hash: str
    follow: Follow
    end: End
    ended: bool = False


class RightsWatch:
    """Checks the rights behind every long-lived stream, and ends those whose right ended."""

    def __init__(
        self, rights: CameraRights, bus: EventBus, *, interval_s: float = DEFAULT_INTERVAL_S
    ) -> None:
        self._rights = rights
        self._interval_s = interval_s
        self._holds: set[_Hold] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe = bus.subscribe(RightsEnded, self._on_ended, name="rights.watch")

    @property
    def held(self) -> int:
        """Streams under watch now."""
        return len(self._holds)

    def hold(self, token_hash: str, follow: Follow, end: End) -> Callable[[], None]:
        """Watch a stream opened under this login session; returns its release, for its end."""
        held = _Hold(token_hash, follow, end)
        self._holds.add(held)
        return lambda: self._holds.discard(held)

    async def start(self) -> None:
        """Start the periodic check."""
        self._task = asyncio.create_task(self._run(), name="rights-watch")

    async def stop(self) -> None:
        """Stop checking (the streams themselves are ended by their owners at shutdown)."""
        self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def check(self) -> int:
        """Read every held session's rights now and end what lost its right; returns how many."""
        holds = [h for h in self._holds if not h.ended]
        if not holds:
            return 0
        current = await asyncio.to_thread(self._rights.current, [h.token_hash for h in holds])
        ending: list[tuple[_Hold, str]] = []
        for held in holds:
            rights = current.get(held.token_hash, "unknown session")
            why = rights if isinstance(rights, str) else held.follow(rights)
            if why is not None and not held.ended:
                held.ended = True
                self._holds.discard(held)
                ending.append((held, why))
        for held, why in ending:
            try:
                await held.end(why)
            except Exception:  # one stream's trouble must not keep the others open
                log.exception("ending a stream whose right ended (%s) failed", why)
        return len(ending)

    def _on_ended(self, _event: RightsEnded) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for may swallow a stop's cancel that
            # comes as a right ends, and the watch would outlive its service.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval_s):
                    await self._wake.wait()
            self._wake.clear()
            try:
                await self.check()
            except Exception:  # a database hiccup: keep the streams, try again next round
                log.exception("rights check failed; trying again in %.0f s", self._interval_s)
