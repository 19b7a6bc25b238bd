"""The `map` section: how consoles draw the site's map without any outside service."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Latitude = Annotated[float, Field(strict=True, ge=-90, le=90, description="Latitude (degrees).")]
Longitude = Annotated[
    float, Field(strict=True, ge=-180, le=180, description="Longitude (degrees).")
]


class StreetConfig(BaseModel):
    """One street drawn as a line when the site has no tile server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(default=None, max_length=120, description="Street name.")
    points: tuple[tuple[Latitude, Longitude], ...] = Field(
        min_length=2, max_length=500, description="[lat, lon] points along the street."
    )


class MapConfig(BaseModel):
    """The background of the map: the site's own tile server, else its streets, else a grid."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tile_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^(https?://[^\s]+|/[^\s]*)$",
        description="The site's slippy-map tiles, with {z}, {x} and {y} (none: no tiles).",
    )
    attribution: str | None = Field(
        default=None, max_length=200, description="Credit line the tile provider requires."
    )
    streets: tuple[StreetConfig, ...] = Field(
        default=(), max_length=2000, description="Streets drawn when there are no tiles."
    )
