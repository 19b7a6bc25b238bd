"""A PTZ camera's `ptz_view` key: how its ONVIF position maps onto angles, and its optics.

With it, the camera's privacy zones are drawn on its pan/tilt map instead of its picture: x runs
from the pan at ONVIF -1 to the pan at +1, y from the highest tilt (top) to the lowest, each in
0..1. The zones are projected onto every frame from the camera's reported position and field of
view, so they stay on the façade they were drawn over whatever the camera looks at.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Degrees = Annotated[float, Field(strict=False, ge=-360, le=360)]
FovPoint = tuple[
    Annotated[float, Field(ge=0, le=1, description="ONVIF zoom, 0..1.")],
    Annotated[float, Field(gt=0, lt=180, description="Horizontal field of view, degrees.")],
]


class PtzViewConfig(BaseModel):
    """The angles behind a dome's ONVIF generic position, and how fast it can move."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pan_degrees: tuple[Degrees, Degrees] = Field(
        default=(-180.0, 180.0), description="Pan at ONVIF pan -1 and at +1, degrees."
    )
    tilt_degrees: tuple[Degrees, Degrees] = Field(
        default=(-90.0, 0.0),
        description="Elevation at ONVIF tilt -1 and at +1, degrees (0 level, -90 straight down).",
    )
    fov: tuple[FovPoint, ...] = Field(
        default=((0.0, 60.0), (1.0, 3.0)),
        min_length=1,
        max_length=64,
        description="Zoom-to-field-of-view table of the model: [zoom, horizontal degrees] pairs.",
    )
    max_pan_tilt_speed: float = Field(
        default=120.0, gt=0, le=1000, description="Fastest pan or tilt, degrees per second."
    )
    max_zoom_speed: float = Field(
        default=1.0, gt=0, le=100, description="Fastest zoom, ONVIF zoom units per second."
    )
    status_interval_s: float = Field(
        default=0.2, ge=0.05, le=5, description="How often the position is read, seconds."
    )
    video_delay_s: float = Field(
        default=0.5,
        ge=0,
        le=10,
        description="How far the picture lags the position the camera reports, at most, seconds.",
    )
    margin_degrees: float = Field(
        default=0.5, ge=0, le=45, description="How much every zone is grown at rest, degrees."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.pan_degrees[0] >= self.pan_degrees[1]:
            raise ValueError("pan_degrees: the pan at -1 must be less than the pan at +1")
        if self.tilt_degrees[0] >= self.tilt_degrees[1]:
            raise ValueError("tilt_degrees: the tilt at -1 must be less than the tilt at +1")
        if self.pan_degrees[1] - self.pan_degrees[0] > 360:
            raise ValueError("pan_degrees: at most one turn (360 degrees)")
        zooms = [zoom for zoom, _ in self.fov]
        if zooms != sorted(set(zooms)):
            raise ValueError("fov: zooms must increase, each once")
        return self

    def field_of_view(self, zoom: float) -> float:
        """The horizontal field of view at an ONVIF zoom, interpolated in the table."""
        points = self.fov
        if zoom <= points[0][0]:
            return points[0][1]
        for (z0, f0), (z1, f1) in itertools.pairwise(points):
            if zoom <= z1:
                return f0 + (f1 - f0) * (zoom - z0) / (z1 - z0)
        return points[-1][1]

    def pan(self, generic: float) -> float:
        """Degrees at an ONVIF generic pan in [-1, 1]."""
        low, high = self.pan_degrees
        return low + (high - low) * (generic + 1) / 2

    def tilt(self, generic: float) -> float:
        """Degrees of elevation at an ONVIF generic tilt in [-1, 1]."""
        low, high = self.tilt_degrees
        return low + (high - low) * (generic + 1) / 2
