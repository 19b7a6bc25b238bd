"""A worker's camera leases, kept every heartbeat: renew, notice takeovers, claim or give up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from nats.errors import Error as NatsError

from csu.cluster.assignment import plan
from csu.cluster.leases import LeaseBook
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
    ) -> None:
        self._node = node
        self._cameras = list(cameras)
        self._capacity = capacity
        self._on_gain = on_gain
        self._on_lose = on_lose
        self._book: LeaseBook | None = None
        # The last holder seen of each camera, kept while it is free: a dead worker's camera may
        # stay unclaimed a round or two (its heartbeat outlives its leases), and whoever takes
        # it must still know it was taken from the dead, not handed over.
        self._last_holder: dict[str, str | None] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        # A round at start and the rounds after heartbeats must not interleave.
        self._one_at_a_time = asyncio.Lock()

    def owned(self) -> set[str]:
        """The cameras this worker holds now."""
        if self._book is None:
            return set()
        return {k.removeprefix(CAMERA_PREFIX) for k in self._book.held()}

    async def start(self) -> None:
        """Start the rounds: the first at once, then one after each heartbeat."""
        self._book = LeaseBook(
            self._node.leases, self._node.settings.name, self._node.settings.lease_ttl_s
        )
        self._node.after_each_beat(self._after_beat)
        self._task = asyncio.create_task(self._after_beat(), name="camera-ownership")

    async def stop(self) -> None:
        """Stop the rounds, stop every camera and give their leases back at once."""
        self._stopped = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._book is None:
            return
        async with self._one_at_a_time:  # a round after a heartbeat may be under way
            for camera_id in sorted(self.owned()):
                await self._on_lose(camera_id)
            await self._book.release_all()

    async def reconsider(
        self, camera_id: str, apply: Callable[[], Awaitable[Sequence[str]]]
    ) -> None:
        """An administrator changed a camera: give it up if held here (its pipeline stops with
        its old settings), let `apply` take the change and say the cameras to share now; the
        next round, here or on another worker, starts it with its new settings."""
        async with self._one_at_a_time:  # no round claims it between the two
            if self._book is not None and camera_key(camera_id) in self._book.held():
                await self._on_lose(camera_id)
                await self._book.release(camera_key(camera_id))
            self._cameras = list(await apply())

    async def round(self) -> None:
        """One round: renew, then move towards this worker's share, as the last heartbeat's
        view of the cluster shows it (a claim is a compare-and-set: a stale view costs a
        round, never a camera held twice)."""
        assert self._book is not None
        for key in await self._book.renew():
            log.warning("lost the lease of %s", key)
            await self._on_lose(key.removeprefix(CAMERA_PREFIX))
        view = self._node.latest
        owners, handed_over = view.owners, view.handed_over
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

    async def _after_beat(self) -> None:
        async with self._one_at_a_time:
            if self._stopped:
                return
            try:
                await self.round()
            except (NatsError, TimeoutError, OSError) as exc:
                log.warning("camera leases: %s", exc)
