"""PTZ's face: the site's ONVIF cameras moved by one holder at a time, every session logged.

Runs where the cameras run: the single process, or in a cluster the worker that owns the camera
(it starts and stops each camera's PTZ with its lease; video.ptz.remote brings an API node's
requests there). A command is checked against the policy
(privacy.guard: `video.ptz` on the camera, `video.ptz_preset_save` to save a preset), then
against the arbiter; a session's start is in the access log before its first command reaches the
camera, and its end (released, lapsed or taken over, with the presets used) once it ends. The
one who loses a camera is told on the bus (PtzControlEnded). Commands to one camera go one at a
time, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from csu.config import CameraConfig
from csu.errors import Conflict, Invalid, NotFound, Unavailable, term
from csu.events import Event
from csu.identity.roles import Role
from privacy.access_log import AccessLog, AccessRecord
from privacy.guard import authorise_camera_action, refuse_unless_allowed
from privacy.policy import Action
from privacy.rights import Viewer
from video.onvif.ptz import NoPtz, OnvifPtz, Preset, PtzCapabilities, PtzPosition
from video.ptz.commands import (
    Absolute,
    GotoPreset,
    Home,
    Move,
    PtzCommand,
    Relative,
    Release,
    SavePreset,
    Stop,
)
from video.ptz.control import Arbiter, Ended, EndReason, Granted, Operator, Session
from video.ptz.events import PtzControlEnded
from video.ptz.remote import Forwarded, PtzRemote

__all__ = [
    "Done",
    "Forwarded",
    "Holder",
    "NoPtz",
    "PtzBusy",
    "PtzCommand",
    "PtzControlEnded",
    "PtzRemote",
    "PtzService",
    "PtzState",
]

log = logging.getLogger(__name__)
SWEEP_S = 1.0
# Whether an open incident on the camera is assigned to the user (blocking: a database read).
AssigneeCheck = Callable[[str, str], bool]


class PtzBusy(Conflict):
    """Someone with an equal or higher priority holds the camera."""


class PtzNotServed(Unavailable):
    """A cluster's camera that this worker does not own (any more)."""

    retry_after_s = 2


@dataclass(frozen=True)
class Holder:
    """Who controls the camera now, since when and until when unless they command again."""

    username: str
    role: str
    since: datetime
    until: datetime


@dataclass(frozen=True)
class Done:
    """What a command left: the holder (none once released) and a saved preset's token."""

    holder: Holder | None
    saved_preset: str | None


@dataclass(frozen=True)
class PtzState:
    """A PTZ camera as a console shows it."""

    camera_id: str
    capabilities: PtzCapabilities
    presets: list[Preset]
    position: PtzPosition
    holder: Holder | None
    lock_s: float


class PtzService:
    """PTZ control of the site's enabled ONVIF cameras."""

    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        access_log: AccessLog,
        publish: Callable[[Event], None],
        *,
        assignee: AssigneeCheck,
        lock_s: float = 30.0,
        owned: bool = True,
        moving: Callable[[str], None] = lambda camera_id: None,
    ) -> None:
        """`owned=False` (a cluster's worker): no camera is served until start_camera;
        `moving(camera)` is told just before a move is sent (its zones grow before it turns)."""
        self._known = {c.id for c in cameras}
        self._clients = {
            c.id: OnvifPtz(c.id, c.onvif) for c in cameras if c.enabled and c.onvif is not None
        }
        self._access_log = access_log
        self._publish = publish
        self._assignee = assignee
        self._arbiter = Arbiter(timedelta(seconds=lock_s))
        self._locks = {camera_id: asyncio.Lock() for camera_id in self._clients}
        self._served = set(self._clients) if owned else set[str]()
        self._moving = moving
        self._retired: set[str] = set()
        self._sweeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        """End lapsed sessions every second, on a task of the running loop."""
        self._sweeper = asyncio.create_task(self._sweep(), name="ptz-sweep")

    async def stop(self) -> None:
        """End every session (logged as stopped, or lapsed) and close the connections."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for ended in self._arbiter.end_all(datetime.now(UTC)):
            await self._ended(ended)
        await asyncio.gather(*(client.close() for client in self._clients.values()))

    def start_camera(self, camera_id: str) -> None:
        """Serve the camera's PTZ (this worker took its lease)."""
        if camera_id in self._clients:
            self._served.add(camera_id)

    async def follow_camera(
        self, camera_id: str, config: CameraConfig | None, *, start: bool
    ) -> None:
        """An administrator's change (video.registry.changes): the session on the camera's old
        settings ends, its connection closes, and the camera is served on its new ONVIF address
        when `start` (None: retired, and refused from now on)."""
        await self.stop_camera(camera_id, EndReason.CHANGED if config else EndReason.RETIRED)
        old = self._clients.pop(camera_id, None)
        if old is not None:
            await old.close()  # closed already if it was served; not if it waited for a lease
        if config is None:
            self._known.discard(camera_id)
            self._retired.add(camera_id)
            return
        self._known.add(camera_id)
        self._retired.discard(camera_id)
        if config.enabled and config.onvif is not None:
            self._clients[camera_id] = OnvifPtz(camera_id, config.onvif)
            self._locks.setdefault(camera_id, asyncio.Lock())
            if start:
                self.start_camera(camera_id)

    async def stop_camera(self, camera_id: str, reason: EndReason = EndReason.MOVED) -> None:
        """Stop serving the camera (it moves to another worker): its session ends, logged and
        its holder told, the camera is stopped if someone held it, and its connection closed."""
        if camera_id not in self._served:
            return
        self._served.discard(camera_id)  # commands waiting for the lock are refused from now
        async with self._locks[camera_id]:
            ended = self._arbiter.end(camera_id, datetime.now(UTC), reason)
            if ended is not None:
                try:
                    await self._ended(ended)
                except Exception:  # the camera goes all the same; the log says what failed
                    log.exception("PTZ session end on %s", camera_id)
                # Its holder may have left it moving; a camera that does not answer stops alone.
                with contextlib.suppress(Conflict, Unavailable):
                    await self._clients[camera_id].stop()
            await self._clients[camera_id].close()

    async def state(self, viewer: Viewer, camera_id: str, *, client: str | None) -> PtzState:
        """Capabilities, presets, position and holder (for one with `video.ptz` on it)."""
        ptz = await self._allowed(viewer, camera_id, client)
        capabilities = await ptz.capabilities()
        presets, position = await asyncio.gather(ptz.presets(), ptz.status())
        holder = self._arbiter.holder(camera_id, datetime.now(UTC))
        return PtzState(
            camera_id,
            capabilities,
            presets,
            position,
            None if holder is None else self._holder(holder),
            self._arbiter.lock.total_seconds(),
        )

    async def command(
        self, viewer: Viewer, camera_id: str, command: PtzCommand, *, client: str | None
    ) -> Done:
        """Carry out one command for the viewer: the holder after it (none once released)."""
        ptz = await self._allowed(viewer, camera_id, client)
        if isinstance(command, SavePreset):
            await asyncio.to_thread(
                refuse_unless_allowed,
                self._access_log,
                viewer=viewer,
                action=Action.PTZ_PRESET_SAVE,
                camera_id=camera_id,
                client=client,
            )
        async with self._locks[camera_id]:
            self._serving(camera_id)  # it may have moved while this command waited
            if isinstance(command, Release):
                ended = self._arbiter.release(camera_id, viewer.username, datetime.now(UTC))
                if ended is not None:
                    await self._ended(ended)
                return Done(None, None)
            await _check(ptz, command)
            session = await self._claim(viewer, camera_id, command, client)
            saved = None
            if isinstance(command, SavePreset):
                saved = await self._save(viewer, ptz, command, client)
            else:
                self._moving(camera_id)
                await _send(ptz, command)
            holder = self._arbiter.holder(camera_id, datetime.now(UTC)) or session
            return Done(self._holder(holder), saved)

    async def _allowed(self, viewer: Viewer, camera_id: str, client: str | None) -> OnvifPtz:
        if camera_id in self._retired:
            raise NotFound(
                f"camera '{camera_id}' was retired: it can no longer be moved",
                key="errors.ptz.retired",
                camera=camera_id,
            )
        if camera_id not in self._known:
            raise NotFound(
                f"no camera '{camera_id}'", key="errors.unknown_camera", camera=camera_id
            )
        await asyncio.to_thread(
            refuse_unless_allowed,
            self._access_log,
            viewer=viewer,
            action=Action.PTZ,
            camera_id=camera_id,
            client=client,
        )
        ptz = self._clients.get(camera_id)
        if ptz is None:
            raise NoPtz(
                f"camera '{camera_id}' has no PTZ (no ONVIF settings)",
                key="errors.ptz.none",
                camera=camera_id,
            )
        self._serving(camera_id)
        return ptz

    def _serving(self, camera_id: str) -> None:
        if camera_id not in self._served:
            raise PtzNotServed(
                f"camera '{camera_id}' is not served here now (it moved to another worker);"
                " retry in a few seconds",
                key="errors.ptz.moved",
                camera=camera_id,
            )

    async def _claim(
        self, viewer: Viewer, camera_id: str, command: PtzCommand, client: str | None
    ) -> Session:
        assignee = await asyncio.to_thread(self._assignee, viewer.username, camera_id)
        who = Operator(viewer.username, Role(viewer.role), assignee)
        preset = command.preset if isinstance(command, GotoPreset) else None
        outcome = self._arbiter.claim(camera_id, who, datetime.now(UTC), preset=preset)
        if not isinstance(outcome, Granted):
            holder = outcome.holder.holder
            raise PtzBusy(
                f"camera '{camera_id}' is controlled by {holder.username} ({holder.role}) until"
                f" {outcome.until.isoformat(timespec='seconds')} unless they let it go",
                key="errors.ptz.busy",
                camera=camera_id,
                user=holder.username,
                role=term(f"accounts.role.{holder.role}"),
                until=outcome.until,
            )
        if outcome.ended is not None:
            await self._ended(outcome.ended)
        if outcome.started:
            try:
                await asyncio.to_thread(
                    authorise_camera_action,
                    self._access_log,
                    viewer=viewer,
                    action=Action.PTZ,
                    camera_id=camera_id,
                    client=client,
                    details={"phase": "start", "assignee": assignee},
                )
            except Exception:  # not logged: the session must not exist
                self._arbiter.release(camera_id, viewer.username, datetime.now(UTC))
                raise
        return outcome.session

    async def _save(
        self, viewer: Viewer, ptz: OnvifPtz, command: SavePreset, client: str | None
    ) -> str:
        """Store the position as a preset, logged first (a change every operator will use)."""
        await asyncio.to_thread(
            authorise_camera_action,
            self._access_log,
            viewer=viewer,
            action=Action.PTZ_PRESET_SAVE,
            camera_id=ptz.camera_id,
            client=client,
            details={"name": command.name, "preset": command.preset},
        )
        token = await ptz.set_preset(command.name, command.preset)
        self._arbiter.used(ptz.camera_id, token)
        return token

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_S)
            for ended in self._arbiter.expire(datetime.now(UTC)):
                try:
                    await self._ended(ended)
                    await self._stop_unheld(ended.session.camera_id)
                except Exception:  # the next sweep goes on; the camera stops at its timeout
                    log.exception("PTZ session end on %s", ended.session.camera_id)

    async def _stop_unheld(self, camera_id: str) -> None:
        """Stop a camera whose holder's lock lapsed (they may have left it moving), unless
        someone took it meanwhile: their command must not be cut short."""
        async with self._locks[camera_id]:
            if self._arbiter.holder(camera_id, datetime.now(UTC)) is None:
                await self._clients[camera_id].stop()

    async def _ended(self, ended: Ended) -> None:
        """Log the session's end with what it did, then tell its holder."""
        session, end = ended.session, ended.at
        record = AccessRecord(
            action=Action.PTZ.value,
            user=session.holder.username,
            role=session.holder.role.value,
            camera_id=session.camera_id,
            details={
                "phase": "end",
                "started": session.started.isoformat(),
                "ended": end.isoformat(),
                "reason": ended.reason.value,
                "by": ended.by,
                "presets": list(session.presets),
                "commands": session.commands,
            },
        )
        await asyncio.to_thread(self._access_log.append, record)
        self._publish(
            PtzControlEnded(
                camera_id=session.camera_id,
                username=session.holder.username,
                reason=ended.reason.value,
                by=ended.by,
                started=session.started,
                ended=end,
            )
        )

    def _holder(self, session: Session) -> Holder:
        return Holder(
            session.holder.username,
            session.holder.role.value,
            session.started,
            session.until(self._arbiter.lock),
        )

    # What a preset tour (video.ptz.tour) asks of the camera, as its lowest-priority user.

    def moves(self, camera_id: str) -> bool:
        """Whether this service moves the camera now (a PTZ camera it serves)."""
        return camera_id in self._served

    async def allowed(self, viewer: Viewer, camera_id: str, *, client: str | None) -> None:
        """Refuse (the refusal logged) unless the viewer has `video.ptz` on this PTZ camera."""
        await self._allowed(viewer, camera_id, client)

    def holder(self, camera_id: str) -> Holder | None:
        """Who holds the camera now, if anyone."""
        session = self._arbiter.holder(camera_id, datetime.now(UTC))
        return None if session is None else self._holder(session)

    async def goto_unheld(self, camera_id: str, preset: str) -> bool:
        """Send the camera to a preset only while nobody holds it, under its command lock so
        that no one's command is cut short: whether it was sent."""
        async with self._locks[camera_id]:
            held = self._arbiter.holder(camera_id, datetime.now(UTC)) is not None
            if held or camera_id not in self._served:
                return False
            self._moving(camera_id)
            await self._clients[camera_id].goto_preset(preset)
            return True


async def _check(ptz: OnvifPtz, command: PtzCommand) -> None:
    """Refuse what the camera cannot do, before the command takes the camera."""
    capabilities = await ptz.capabilities()
    supported = {
        Move: capabilities.continuous,
        Absolute: capabilities.absolute,
        Relative: capabilities.relative,
        Home: capabilities.home,
        SavePreset: capabilities.max_presets > 0,
        GotoPreset: capabilities.max_presets > 0,
    }.get(type(command), True)
    if not supported:
        raise Conflict(
            f"camera '{ptz.camera_id}' does not support {command.action}",
            key="errors.ptz.unsupported",
            camera=ptz.camera_id,
            action=command.action,
        )
    named = command.preset if isinstance(command, GotoPreset | SavePreset) else None
    if named is not None and named not in {p.token for p in await ptz.presets()}:
        raise Invalid(
            f"preset: camera '{ptz.camera_id}' has no preset '{named}'",
            key="errors.ptz.no_preset",
            camera=ptz.camera_id,
            preset=named,
        )


async def _send(ptz: OnvifPtz, command: PtzCommand) -> None:
    if isinstance(command, Move):
        await ptz.continuous(command.pan, command.tilt, command.zoom, command.timeout_s)
    elif isinstance(command, Stop):
        await ptz.stop()
    elif isinstance(command, Absolute):
        await ptz.absolute(command.pan, command.tilt, command.zoom)
    elif isinstance(command, Relative):
        await ptz.relative(command.pan, command.tilt, command.zoom)
    elif isinstance(command, GotoPreset):
        await ptz.goto_preset(command.preset)
    elif isinstance(command, Home):
        await ptz.home()
