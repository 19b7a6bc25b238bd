"""The `walls` section: the video walls csu drives and how their camera tiles are rendered."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from csu.config.cameras import SLUG_PATTERN

GridSide = Annotated[int, Field(strict=True, ge=1, le=8, description="Tiles along one side.")]


class WallConfig(BaseModel):
    """One video wall: a grid of tiles and the rendition its camera tiles show."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=SLUG_PATTERN, description="Stable identifier, a lowercase slug.")
    name: str = Field(min_length=1, max_length=120, description="Name shown to operators.")
    grid: tuple[GridSide, GridSide] = Field(description="Tile layout as [cols, rows], 1..8 each.")
    # Crisis-room and public walls may be seen by people without video rights: anonymised there.
    rendition: Literal["zones", "anonymised"] = Field(
        default="zones",
        description="zones: privacy zones masked; anonymised: people and plates blurred too.",
    )

    @property
    def cols(self) -> int:
        """Number of tile columns."""
        return self.grid[0]

    @property
    def rows(self) -> int:
        """Number of tile rows."""
        return self.grid[1]

    @property
    def tiles(self) -> int:
        """Number of tiles on the wall."""
        return self.grid[0] * self.grid[1]
