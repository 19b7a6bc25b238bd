"""What may be asked of a PTZ camera, bounds checked before anything reaches it.

Positions and speeds are in ONVIF's generic spaces: speeds in [-1, 1], pan and tilt positions
in [-1, 1], zoom positions in [0, 1]; a relative move goes at most across the whole range.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from csu.text import StorableText

Speed = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]
Axis = Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)]
Zoom = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Step = Annotated[float, Field(ge=-2.0, le=2.0, allow_inf_nan=False)]
Token = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[\w.:-]+$")]


class _Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Move(_Command):
    """Move at these speeds until stopped, or for timeout_s (the camera stops itself)."""

    action: Literal["move"]
    pan: Speed = 0.0
    tilt: Speed = 0.0
    zoom: Speed = 0.0
    timeout_s: float = Field(default=10.0, gt=0, le=60, allow_inf_nan=False)


class Stop(_Command):
    """Stop pan, tilt and zoom."""

    action: Literal["stop"]


class Absolute(_Command):
    """Move to this position."""

    action: Literal["absolute"]
    pan: Axis
    tilt: Axis
    zoom: Zoom


class Relative(_Command):
    """Move by this much."""

    action: Literal["relative"]
    pan: Step = 0.0
    tilt: Step = 0.0
    zoom: Annotated[float, Field(ge=-1.0, le=1.0, allow_inf_nan=False)] = 0.0


class GotoPreset(_Command):
    """Move to a stored preset."""

    action: Literal["preset"]
    preset: Token


class Home(_Command):
    """Move to the home position."""

    action: Literal["home"]


class SavePreset(_Command):
    """Store where the camera points as a preset (a supervisor's); replaces `preset` if given."""

    action: Literal["save_preset"]
    name: StorableText = Field(min_length=1, max_length=64)
    preset: Token | None = None


class Release(_Command):
    """Let go of the camera before the lock lapses."""

    action: Literal["release"]


PtzCommand = Annotated[
    Move | Stop | Absolute | Relative | GotoPreset | Home | SavePreset | Release,
    Field(discriminator="action"),
]
