"""A camera's pan-tilt-zoom through its ONVIF PTZ service (onvif-zeep-async's public API).

One client per camera keeps its connection (device, media and PTZ services) and the media
profile it commands; a call that fails on the network drops the connection, and the next call
connects again. Positions and speeds are in ONVIF's generic spaces: pan and tilt in [-1, 1],
zoom in [0, 1]; speeds in [-1, 1].
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from onvif import ONVIFCamera
from onvif.exceptions import ONVIFError
from zeep.exceptions import Fault

from csu.config.onvif import OnvifConfig
from csu.errors import Conflict, Unavailable
from video.onvif.events import PULL_ERRORS, onvif_camera

T = TypeVar("T")
CALL_TIMEOUT_S = 10.0


class NoPtz(Conflict):
    """The camera has no PTZ service (or no ONVIF settings)."""


class PtzUnavailable(Unavailable):
    """The camera did not answer the PTZ command."""


class PtzRefused(Conflict):
    """The camera answered the PTZ command with a fault (a preset it lacks, a move it refuses)."""


@dataclass(frozen=True)
class PtzCapabilities:
    """Which moves the camera's PTZ node supports."""

    continuous: bool
    absolute: bool
    relative: bool
    home: bool
    max_presets: int


@dataclass(frozen=True)
class PtzPosition:
    """Where the camera points, and whether it moves, as its PTZ status said."""

    pan: float | None
    tilt: float | None
    zoom: float | None
    moving: bool
    at: dt.datetime


@dataclass(frozen=True)
class Preset:
    """A stored position, by its token and name."""

    token: str
    name: str


@dataclass
class _Connection:
    camera: ONVIFCamera
    ptz: Any  # onvif's ONVIFService: its operations are zeep's, untyped
    profile: str
    capabilities: PtzCapabilities


class OnvifPtz:
    """One camera's PTZ commands; connects on first use."""

    def __init__(self, camera_id: str, config: OnvifConfig) -> None:
        self.camera_id = camera_id
        self._config = config
        self._connection: _Connection | None = None
        self._connecting = asyncio.Lock()

    async def capabilities(self) -> PtzCapabilities:
        """What the camera's PTZ node supports; NoPtz for a camera without one."""
        return (await self._connected()).capabilities

    async def status(self) -> PtzPosition:
        """The position now."""
        answer = await self._call(lambda c: c.ptz.GetStatus({"ProfileToken": c.profile}))
        return _position(answer)

    async def presets(self) -> list[Preset]:
        """The camera's presets, in its order."""
        answer = await self._call(lambda c: c.ptz.GetPresets({"ProfileToken": c.profile}))
        return [Preset(p.token, p.Name or p.token) for p in answer or []]

    async def continuous(self, pan: float, tilt: float, zoom: float, timeout_s: float) -> None:
        """Move at these speeds until stopped, or for timeout_s (the camera stops itself)."""
        velocity = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        timeout = dt.timedelta(seconds=timeout_s)
        await self._call(
            lambda c: c.ptz.ContinuousMove(
                {"ProfileToken": c.profile, "Velocity": velocity, "Timeout": timeout}
            )
        )

    async def stop(self) -> None:
        """Stop pan, tilt and zoom."""
        await self._call(
            lambda c: c.ptz.Stop({"ProfileToken": c.profile, "PanTilt": True, "Zoom": True})
        )

    async def absolute(self, pan: float, tilt: float, zoom: float) -> None:
        """Move to this position."""
        position = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        await self._call(
            lambda c: c.ptz.AbsoluteMove({"ProfileToken": c.profile, "Position": position})
        )

    async def relative(self, pan: float, tilt: float, zoom: float) -> None:
        """Move by this much from where the camera points."""
        step = {"PanTilt": {"x": pan, "y": tilt}, "Zoom": {"x": zoom}}
        await self._call(
            lambda c: c.ptz.RelativeMove({"ProfileToken": c.profile, "Translation": step})
        )

    async def goto_preset(self, token: str) -> None:
        """Move to a stored preset."""
        await self._call(
            lambda c: c.ptz.GotoPreset({"ProfileToken": c.profile, "PresetToken": token})
        )

    async def home(self) -> None:
        """Move to the home position."""
        await self._call(lambda c: c.ptz.GotoHomePosition({"ProfileToken": c.profile}))

    async def set_preset(self, name: str, token: str | None = None) -> str:
        """Store the position now as a preset (replacing `token`'s); its token."""
        request: dict[str, object] = {"ProfileToken": "", "PresetName": name}
        if token is not None:
            request["PresetToken"] = token
        answer = await self._call(lambda c: c.ptz.SetPreset({**request, "ProfileToken": c.profile}))
        return str(answer)

    async def close(self) -> None:
        """Close the connection (the next call connects again)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*PULL_ERRORS):
                await connection.camera.close()

    async def _call(self, operation: Callable[[_Connection], Awaitable[T]]) -> T:
        connection = await self._connected()
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for may swallow a cancel that comes
            # as the call completes, and a cancelled tour would then never end.
            async with asyncio.timeout(CALL_TIMEOUT_S):
                return await operation(connection)
        except PULL_ERRORS as exc:
            fault = exc if isinstance(exc, Fault) else exc.__cause__
            if isinstance(fault, Fault):  # it answered: the connection is fine
                raise PtzRefused(f"camera '{self.camera_id}' refused: {fault.message}") from exc
            await self.close()
            raise PtzUnavailable(f"camera '{self.camera_id}' PTZ: {exc}") from exc

    async def _connected(self) -> _Connection:
        async with self._connecting:
            if self._connection is None:
                self._connection = await self._connect()
            return self._connection

    async def _connect(self) -> _Connection:
        camera = onvif_camera(self._config)
        try:
            await asyncio.wait_for(camera.update_xaddrs(), CALL_TIMEOUT_S)
            if not _has_ptz(camera):
                raise NoPtz(f"camera '{self.camera_id}' has no PTZ")
            ptz = await camera.create_ptz_service()
            media = await camera.create_media_service()
            profiles = await asyncio.wait_for(media.GetProfiles(), CALL_TIMEOUT_S)
            nodes = await asyncio.wait_for(ptz.GetNodes(), CALL_TIMEOUT_S)
        except NoPtz:
            await _close(camera)
            raise
        except PULL_ERRORS as exc:
            await _close(camera)
            raise PtzUnavailable(f"camera '{self.camera_id}' PTZ: {exc}") from exc
        if not profiles or not nodes:
            await _close(camera)
            raise NoPtz(f"camera '{self.camera_id}' has no PTZ profile")
        # The profile that carries a PTZ configuration is the one to command; else the first.
        profile = next((p for p in profiles if getattr(p, "PTZConfiguration", None)), profiles[0])
        return _Connection(camera, ptz, profile.token, _capabilities(nodes[0]))


def _has_ptz(camera: ONVIFCamera) -> bool:
    try:
        camera.get_definition("ptz")
    except ONVIFError:
        return False
    return True


def _capabilities(node: Any) -> PtzCapabilities:
    spaces = node.SupportedPTZSpaces
    return PtzCapabilities(
        continuous=bool(
            spaces.ContinuousPanTiltVelocitySpace or spaces.ContinuousZoomVelocitySpace
        ),
        absolute=bool(spaces.AbsolutePanTiltPositionSpace or spaces.AbsoluteZoomPositionSpace),
        relative=bool(
            spaces.RelativePanTiltTranslationSpace or spaces.RelativeZoomTranslationSpace
        ),
        home=bool(node.HomeSupported),
        max_presets=int(node.MaximumNumberOfPresets or 0),
    )


def _position(status: Any) -> PtzPosition:
    position = status.Position
    pan_tilt = position.PanTilt if position is not None else None
    zoom = position.Zoom if position is not None else None
    move = status.MoveStatus
    states = (move.PanTilt, move.Zoom) if move is not None else ()
    return PtzPosition(
        pan=float(pan_tilt.x) if pan_tilt is not None else None,
        tilt=float(pan_tilt.y) if pan_tilt is not None else None,
        zoom=float(zoom.x) if zoom is not None else None,
        moving=any(state == "MOVING" for state in states),
        at=_utc(status.UtcTime),
    )


def _utc(value: dt.datetime | None) -> dt.datetime:
    """The status time, in UTC: ONVIF's UtcTime is UTC even where a camera leaves out the Z."""
    if value is None:
        return dt.datetime.now(dt.UTC)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


async def _close(camera: ONVIFCamera) -> None:
    with contextlib.suppress(*PULL_ERRORS):
        await camera.close()
