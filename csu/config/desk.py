"""The `groups` and `tours` sections: cameras by district or commune, and camera tours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from csu.config.cameras import SLUG_PATTERN


class CameraGroupConfig(BaseModel):
    """A named set of cameras (a district, a commune, a station) an operator shows at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG_PATTERN, description="Stable identifier, a lowercase slug.")
    name: str = Field(min_length=1, max_length=120, description="Name shown to operators.")
    # A camera may sit in several groups: a station forecourt is both 'Gare' and its district.
    cameras: tuple[str, ...] = Field(
        min_length=1, max_length=256, description="Camera ids, in the order the desk shows them."
    )


class TourStepConfig(BaseModel):
    """One step of a tour: a camera, or a group whose cameras follow one another."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    camera: str | None = Field(default=None, description="A camera id.")
    group: str | None = Field(default=None, description="A camera group id.")

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.camera is None) == (self.group is None):
            raise PydanticCustomError("tour_step", "name either a camera or a group")
        return self


class TourConfig(BaseModel):
    """A camera tour ('séquence'): cameras shown in turn on one tile, each for dwell_s seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG_PATTERN, description="Stable identifier, a lowercase slug.")
    name: str = Field(min_length=1, max_length=120, description="Name shown to operators.")
    dwell_s: int = Field(
        default=10, strict=True, ge=2, le=3600, description="Seconds each camera stays on."
    )
    steps: tuple[TourStepConfig, ...] = Field(
        min_length=1, max_length=256, description="Cameras and groups, in the order shown."
    )

    def cameras(self, groups: Mapping[str, tuple[str, ...]]) -> list[str]:
        """Its cameras in order, each group's cameras in its place."""
        return [
            camera
            for step in self.steps
            for camera in ((step.camera,) if step.camera else groups.get(step.group or "", ()))
        ]
