"""Preset tours' face: a supervisor defines each PTZ camera's tour, starts and stops it; a
running tour moves the camera only while nobody holds it (the rules: video.ptz.tour.plan).

Reading a tour needs `video.ptz` on the camera (operators see that one runs); defining,
deleting, starting and stopping one need `video.ptz_tour` (supervisors). A definition is logged
with before and after. A run of a tour is logged like a PTZ session: its start before its first
move, its end (stopped by whom, deleted, csu stopped) with its moves and how often someone took
the camera from it. A tour stored as running is taken up again when csu starts, and in a
cluster by the worker that takes its camera (the worker that gave it up ends its run as moved).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from csu.config import CameraConfig
from csu.db import Database
from csu.errors import Conflict, DomainError, Invalid
from privacy.access_log import AccessLog, AccessRecord
from privacy.guard import authorise_camera_action, refuse_unless_allowed
from privacy.policy import Action
from privacy.rights import Viewer
from video.ptz.commands import Release
from video.ptz.service import PtzService
from video.ptz.tour import store
from video.ptz.tour.models import PtzTour
from video.ptz.tour.plan import TourPlan, TourState, TourStop, step

__all__ = ["PtzTours", "TourAction", "TourPlan", "TourStop", "TourView"]

log = logging.getLogger(__name__)
TICK_S = 0.5


class TourAction(BaseModel):
    """Start or stop the camera's tour."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    action: Literal["start", "stop"]


class TourView(BaseModel):
    """A camera's tour as a console shows it: its stops, and where it stands if it runs."""

    camera_id: str
    stops: list[TourStop] = Field(description="In order; empty when none is defined.")
    updated_by: str | None = None
    updated_at: datetime | None = None
    running: bool
    started_by: str | None = None
    started_at: datetime | None = None
    stop: int | None = Field(default=None, description="The stop shown (from 0) while it runs.")
    held_by: str | None = Field(default=None, description="Who holds the camera; the tour waits.")
    next_at: datetime | None = Field(default=None, description="When the tour moves on.")


@dataclass
class _Run:
    """One run of a tour, from its start to its end."""

    plan: TourPlan
    by: str
    role: str
    since: datetime
    state: TourState = field(default_factory=TourState)
    moves: int = 0
    interruptions: int = 0
    task: asyncio.Task[None] | None = None
    # Set before the task is cancelled: on Python 3.11 a wait_for whose call completes as the
    # cancel arrives swallows it, and the run would go on forever; the loop checks this too.
    ended: bool = False


class PtzTours:
    """The preset tours of the cameras a PtzService moves."""

    def __init__(self, ptz: PtzService, db: Database, access_log: AccessLog) -> None:
        self._ptz = ptz
        self._db = db
        self._access_log = access_log
        self._runs: dict[str, _Run] = {}
        self._changing = asyncio.Lock()  # definitions, starts and stops: one at a time

    async def start(self) -> None:
        """Take up every tour stored as running on a camera this process moves."""
        for row in await asyncio.to_thread(store.running, self._db):
            if self._ptz.moves(row.camera_id):
                await self.resume(row.camera_id)

    async def stop(self) -> None:
        """End every run (logged as stopped: csu stopped); each stays stored as running."""
        for camera_id in list(self._runs):
            await self.suspend(camera_id, "stopped")

    async def resume(self, camera_id: str) -> None:
        """Run the camera's tour if it is stored as running (csu started, or in a cluster this
        worker took the camera): logged as a start, by who started it."""
        if not self._ptz.moves(camera_id):  # not a dome, or not served here
            return
        async with self._changing:
            row = await asyncio.to_thread(store.read, self._db, camera_id)
            if camera_id in self._runs or row is None or row.started_by is None:
                return
            run = _Run(store.plan_of(row), row.started_by, row.started_role or "", _now())
            record = _record(run, camera_id, {"phase": "start", "resumed": True})
            await asyncio.to_thread(self._access_log.append, record)
            self._launch(camera_id, run)

    async def suspend(self, camera_id: str, reason: str) -> None:
        """End the camera's run (csu stops, or the camera moves to another worker), logged;
        the tour stays stored as running and resumes where the camera runs next."""
        async with self._changing:
            await self._end(camera_id, reason, by=None)

    async def follow_camera(
        self, camera_id: str, config: CameraConfig | None, *, start: bool
    ) -> None:
        """An administrator's change (video.registry.changes), told once PTZ took it: the run
        on the old settings ends, logged as changed or retired, and when `start` a tour stored
        as running resumes on the new ones (a retired camera's is never run again)."""
        await self.suspend(camera_id, "retired" if config is None else "changed")
        if start:
            await self.resume(camera_id)

    async def view(self, viewer: Viewer, camera_id: str, *, client: str | None) -> TourView:
        """The camera's tour and where it stands (for one with `video.ptz` on the camera)."""
        await self._ptz.allowed(viewer, camera_id, client=client)
        return await self._view(camera_id)

    async def define(
        self, viewer: Viewer, camera_id: str, plan: TourPlan, *, client: str | None
    ) -> TourView:
        """Set the camera's stops (each a preset it has); a running tour follows them from its
        next move. Logged with before and after."""
        await self._may_change(viewer, camera_id, client)
        state = await self._ptz.state(viewer, camera_id, client=client)
        tokens = {p.token for p in state.presets}
        for index, stop in enumerate(plan.stops):
            if stop.preset not in tokens:
                raise Invalid(
                    f"stops.{index}.preset: camera '{camera_id}' has no preset '{stop.preset}'",
                    key="errors.ptz.tour_preset",
                    stop=index + 1,
                    camera=camera_id,
                    preset=stop.preset,
                )
        async with self._changing:
            before = await asyncio.to_thread(store.read, self._db, camera_id)
            details = {"phase": "define", "before": _stops(before), "after": _plain(plan)}
            await self._authorise(viewer, camera_id, client, details)
            await asyncio.to_thread(
                store.define, self._db, camera_id, plan, by=viewer.username, at=_now()
            )
            if (run := self._runs.get(camera_id)) is not None:
                run.plan = plan
        return await self._view(camera_id)

    async def remove(self, viewer: Viewer, camera_id: str, *, client: str | None) -> TourView:
        """Forget the camera's tour, ending its run if it runs. Logged with what it was."""
        await self._may_change(viewer, camera_id, client)
        async with self._changing:
            before = await asyncio.to_thread(store.read, self._db, camera_id)
            if before is not None:
                details = {"phase": "delete", "before": _stops(before)}
                await self._authorise(viewer, camera_id, client, details)
                await self._end(camera_id, "deleted", by=viewer.username)
                await asyncio.to_thread(store.remove, self._db, camera_id)
        return await self._view(camera_id)

    async def act(
        self, viewer: Viewer, camera_id: str, action: TourAction, *, client: str | None
    ) -> TourView:
        """Start the tour (it waits while someone holds the camera; the one starting it lets
        go of it) or stop it; starting a running tour or stopping a stopped one does nothing."""
        await self._may_change(viewer, camera_id, client)
        if action.action == "stop":
            async with self._changing:
                await self._end(camera_id, "stopped", by=viewer.username)
                await asyncio.to_thread(store.stopped, self._db, camera_id)
            return await self._view(camera_id)
        async with self._changing:
            row = await asyncio.to_thread(store.read, self._db, camera_id)
            if row is None:
                raise Conflict(
                    f"camera '{camera_id}' has no tour: define its stops first",
                    key="errors.ptz.no_tour",
                    camera=camera_id,
                )
            if camera_id not in self._runs:
                run = _Run(store.plan_of(row), viewer.username, viewer.role, _now())
                details = {"phase": "start", "stops": _plain(run.plan)}
                await self._authorise(viewer, camera_id, client, details)
                await asyncio.to_thread(
                    store.started, self._db, camera_id, by=run.by, role=run.role, at=run.since
                )
                await self._let_go(viewer, camera_id, client)
                self._launch(camera_id, run)
        return await self._view(camera_id)

    async def _let_go(self, viewer: Viewer, camera_id: str, client: str | None) -> None:
        """The one starting a tour means it to run now: their own hold ends (logged)."""
        holder = self._ptz.holder(camera_id)
        if holder is not None and holder.username == viewer.username:
            await self._ptz.command(viewer, camera_id, Release(action="release"), client=client)

    async def _may_change(self, viewer: Viewer, camera_id: str, client: str | None) -> None:
        await self._ptz.allowed(viewer, camera_id, client=client)
        await asyncio.to_thread(
            refuse_unless_allowed,
            self._access_log,
            viewer=viewer,
            action=Action.PTZ_TOUR,
            camera_id=camera_id,
            client=client,
        )

    async def _authorise(
        self, viewer: Viewer, camera_id: str, client: str | None, details: dict[str, Any]
    ) -> None:
        await asyncio.to_thread(
            authorise_camera_action,
            self._access_log,
            viewer=viewer,
            action=Action.PTZ_TOUR,
            camera_id=camera_id,
            client=client,
            details=details,
        )

    def _launch(self, camera_id: str, run: _Run) -> None:
        self._runs[camera_id] = run
        run.task = asyncio.create_task(self._drive(camera_id, run), name=f"ptz-tour-{camera_id}")

    async def _end(self, camera_id: str, reason: str, *, by: str | None) -> None:
        """End the camera's run if it runs: its task first, then its end in the access log."""
        run = self._runs.pop(camera_id, None)
        if run is None:
            return
        run.ended = True
        if run.task is not None:
            run.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run.task
        details = {
            "phase": "end",
            "started": run.since.isoformat(),
            "ended": _now().isoformat(),
            "reason": reason,
            "by": by,
            "moves": run.moves,
            "interruptions": run.interruptions,
        }
        await asyncio.to_thread(self._access_log.append, _record(run, camera_id, details))

    async def _drive(self, camera_id: str, run: _Run) -> None:
        """Step the tour every tick until its run ends."""
        while not run.ended:
            try:
                await self._step(camera_id, run)
            except Exception:  # the tour goes on; a camera away is tried again at its next stop
                log.exception("PTZ tour of %s", camera_id)
            await asyncio.sleep(TICK_S)

    async def _step(self, camera_id: str, run: _Run) -> None:
        now = _now()
        held = self._ptz.holder(camera_id) is not None
        result = step(run.plan, run.state, now, held=held)
        if result.preset is not None:
            try:
                went = await self._ptz.goto_unheld(camera_id, result.preset)
                run.moves += went
            except DomainError as exc:  # away or refusing: the next stop comes after the dwell
                log.warning("PTZ tour of %s: preset %s: %s", camera_id, result.preset, exc)
                went = True
            if not went:  # someone took the camera between the look and the move
                result = step(run.plan, run.state, now, held=True)
        if result.state.paused and not run.state.paused:
            run.interruptions += 1
        run.state = result.state

    async def _view(self, camera_id: str) -> TourView:
        row = await asyncio.to_thread(store.read, self._db, camera_id)
        if row is None:
            return TourView.model_validate({"camera_id": camera_id, "stops": [], "running": False})
        run = self._runs.get(camera_id)
        holder = self._ptz.holder(camera_id) if run is not None else None
        return TourView(
            camera_id=camera_id,
            stops=store.plan_of(row).stops,
            updated_by=row.updated_by,
            updated_at=row.updated_at,
            running=row.started_by is not None,  # stored: the same on every node
            started_by=row.started_by,
            started_at=row.started_at,
            stop=run.state.index if run is not None else None,
            held_by=holder.username if holder is not None else None,
            next_at=None if run is None or run.state.paused or holder else run.state.due,
        )


def _record(run: _Run, camera_id: str, details: dict[str, Any]) -> AccessRecord:
    """An entry of the run, in the name of who started it (as a session's, its holder's)."""
    return AccessRecord(
        action=Action.PTZ_TOUR.value,
        user=run.by,
        role=run.role or None,
        camera_id=camera_id,
        details=details,
    )


def _plain(plan: TourPlan) -> list[dict[str, Any]]:
    return [s.model_dump() for s in plan.stops]


def _stops(row: PtzTour | None) -> list[dict[str, Any]]:
    return [] if row is None else _plain(store.plan_of(row))


def _now() -> datetime:
    return datetime.now(UTC)
