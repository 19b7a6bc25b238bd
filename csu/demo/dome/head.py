"""The simulated dome's pan-tilt-zoom head: a simulated position that moves with the commands.

Positions are in ONVIF's generic spaces (pan and tilt in [-1, 1], zoom in [0, 1]). At speed 1 the
head pans and tilts FULL_SPEED units a second and zooms half that; absolute, relative, preset and
home moves go at full speed on each axis. Time is read at each call (the head integrates what
it was told since the last one), so the position seen by GetStatus moves as commanded.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

FULL_SPEED = 1.0  # generic pan/tilt units per second at speed 1
ZOOM_SPEED = 0.5
PAN_TILT_SPACE = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
ZOOM_SPACE = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"
_LIMITS = ((-1.0, 1.0), (-1.0, 1.0), (0.0, 1.0))
_RATES = (FULL_SPEED, FULL_SPEED, ZOOM_SPEED)

Vector = tuple[float, float, float]


class UnknownPreset(LookupError):
    """GotoPreset named a token the head does not have."""


@dataclass
class PtzHead:
    """Where the head points, what it was told to do, and its presets."""

    position: Vector = (0.0, 0.0, 0.0)
    home: Vector = (0.0, 0.0, 0.0)
    velocity: Vector = (0.0, 0.0, 0.0)  # in speeds [-1, 1] per axis
    target: Vector | None = None
    until: float | None = None  # a continuous move's timeout (monotonic)
    presets: dict[str, tuple[str, Vector]] = field(default_factory=dict)  # token -> name, position
    moves: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, command) received
    _at: float = field(default_factory=time.monotonic)

    def advance(self) -> Vector:
        """Integrate the motion up to now; the position now."""
        now = time.monotonic()
        end = now if self.until is None else min(now, max(self.until, self._at))
        elapsed = max(0.0, end - self._at)
        if self.target is not None:
            self.position = tuple(  # type: ignore[assignment]
                _towards(p, t, rate * elapsed)
                for p, t, rate in zip(self.position, self.target, _RATES, strict=True)
            )
            if self.position == self.target:
                self.target = None
        else:
            self.position = tuple(  # type: ignore[assignment]
                _clamp(p + v * rate * elapsed, limits)
                for p, v, rate, limits in zip(
                    self.position, self.velocity, _RATES, _LIMITS, strict=True
                )
            )
        if self.until is not None and now >= self.until:
            self.velocity, self.until = (0.0, 0.0, 0.0), None
        self._at = now
        return self.position

    @property
    def moving(self) -> bool:
        """Whether the head moves now (after advance)."""
        return self.target is not None or any(self.velocity)

    def continuous(self, velocity: Vector, timeout_s: float | None) -> None:
        """Move at these speeds until stopped (or for timeout_s)."""
        self.advance()
        self.moves.append((time.monotonic(), "continuous"))
        self.velocity, self.target = velocity, None
        self.until = None if timeout_s is None else time.monotonic() + timeout_s

    def stop(self) -> None:
        """Stop every axis where it is."""
        self.advance()
        self.velocity, self.target, self.until = (0.0, 0.0, 0.0), None, None

    def goto(self, position: Vector) -> None:
        """Move to this position at full speed."""
        self.advance()
        self.moves.append((time.monotonic(), "goto"))
        self.velocity, self.until = (0.0, 0.0, 0.0), None
        pan, tilt, zoom = (_clamp(p, lim) for p, lim in zip(position, _LIMITS, strict=True))
        self.target = (pan, tilt, zoom)

    def goto_preset(self, token: str) -> None:
        """Move to a preset's position; UnknownPreset when there is no such token."""
        if token not in self.presets:
            raise UnknownPreset(token)
        self.goto(self.presets[token][1])

    def set_preset(self, name: str, token: str | None) -> str:
        """Store the position now under a name (a new token unless one is given)."""
        token = token or f"preset-{len(self.presets) + 1}"
        self.presets[token] = (name, self.advance())
        return token


OPERATIONS = frozenset(
    {
        "GetNodes",
        "GetStatus",
        "ContinuousMove",
        "Stop",
        "AbsoluteMove",
        "RelativeMove",
        "GetPresets",
        "SetPreset",
        "GotoPreset",
        "GotoHomePosition",
    }
)


def answer(head: PtzHead, name: str, values: Any) -> dict[str, object]:
    """The PTZ service's answers: the head moves as told, and says where it is."""
    if name == "GetNodes":
        return {"PTZNode": [node()]}
    if name == "GetStatus":
        return {"PTZStatus": status(head)}
    if name == "ContinuousMove":
        timeout = values.Timeout.total_seconds() if values.Timeout is not None else None
        head.continuous(read_vector(values.Velocity, (0.0, 0.0, 0.0)), timeout)
    elif name == "Stop":
        head.stop()
    elif name == "AbsoluteMove":
        head.goto(read_vector(values.Position, head.advance()))
    elif name == "RelativeMove":
        now = head.advance()
        step = read_vector(values.Translation, (0.0, 0.0, 0.0))
        head.goto((now[0] + step[0], now[1] + step[1], now[2] + step[2]))
    elif name == "GetPresets":
        presets = head.presets.items()
        return {
            "Preset": [{"token": t, "Name": n, "PTZPosition": vector(p)} for t, (n, p) in presets]
        }
    elif name == "SetPreset":
        return {"PresetToken": head.set_preset(values.PresetName or "", values.PresetToken)}
    elif name == "GotoPreset":
        head.goto_preset(values.PresetToken)  # UnknownPreset: the device answers a fault
    elif name == "GotoHomePosition":
        head.goto(head.home)
    return {}


def vector(position: Vector) -> dict[str, object]:
    """A tt:PTZVector."""
    pan, tilt, zoom = position
    return {
        "PanTilt": {"x": pan, "y": tilt, "space": PAN_TILT_SPACE},
        "Zoom": {"x": zoom, "space": ZOOM_SPACE},
    }


def read_vector(value: object, default: Vector) -> Vector:
    """A tt:PTZVector or tt:PTZSpeed as zeep reads it; an axis left out keeps its default."""
    pan_tilt = getattr(value, "PanTilt", None)
    zoom = getattr(value, "Zoom", None)
    pan, tilt = (pan_tilt.x, pan_tilt.y) if pan_tilt is not None else default[:2]
    return (float(pan), float(tilt), float(zoom.x) if zoom is not None else default[2])


def status(head: PtzHead) -> dict[str, object]:
    """A tt:PTZStatus of the head now."""
    position = head.advance()
    moving = "MOVING" if head.moving else "IDLE"
    return {
        "Position": vector(position),
        "MoveStatus": {"PanTilt": moving, "Zoom": moving},
        "UtcTime": dt.datetime.now(dt.UTC),
    }


def node() -> dict[str, object]:
    """A tt:PTZNode supporting absolute, relative and continuous moves, presets and home."""
    pan_tilt = {"XRange": {"Min": -1.0, "Max": 1.0}, "YRange": {"Min": -1.0, "Max": 1.0}}
    unit = {"XRange": {"Min": 0.0, "Max": 1.0}}
    base = "http://www.onvif.org/ver10/tptz"
    return {
        "token": "ptz-node-1",
        "Name": "Dome",
        "SupportedPTZSpaces": {
            "AbsolutePanTiltPositionSpace": [{"URI": PAN_TILT_SPACE, **pan_tilt}],
            "AbsoluteZoomPositionSpace": [{"URI": ZOOM_SPACE, **unit}],
            "RelativePanTiltTranslationSpace": [
                {"URI": f"{base}/PanTiltSpaces/TranslationGenericSpace", **pan_tilt}
            ],
            "RelativeZoomTranslationSpace": [
                {"URI": f"{base}/ZoomSpaces/TranslationGenericSpace", "XRange": pan_tilt["XRange"]}
            ],
            "ContinuousPanTiltVelocitySpace": [
                {"URI": f"{base}/PanTiltSpaces/VelocityGenericSpace", **pan_tilt}
            ],
            "ContinuousZoomVelocitySpace": [
                {"URI": f"{base}/ZoomSpaces/VelocityGenericSpace", "XRange": pan_tilt["XRange"]}
            ],
        },
        "MaximumNumberOfPresets": 100,
        "HomeSupported": True,
    }


def _clamp(value: float, limits: tuple[float, float]) -> float:
    return min(max(value, limits[0]), limits[1])


def _towards(value: float, target: float, step: float) -> float:
    if abs(target - value) <= step:
        return target
    return value + step if target > value else value - step
