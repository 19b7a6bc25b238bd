"""A wall's current state as displays receive it, and the mailbox each display reads it from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from crisis.layouts import Layout
from crisis.tours import WallTour
from csu.mailbox import Mailbox

Mode = Literal["auto", "crisis"]


class WallState(BaseModel):
    """A wall's layout at one version: what every display of the wall must show."""

    model_config = ConfigDict(frozen=True)

    wall_id: str
    name: str
    rendition: str
    version: int
    mode: Mode
    crisis_id: int | None
    layout: Layout
    updated_at: datetime
    updated_by: str | None
    tours: dict[str, WallTour] = Field(
        default_factory=dict, description="The tours of the layout's tour tiles, by id."
    )

    def seen_by(self, may_see: Callable[[str], bool]) -> WallState:
        """The state as a reader sees it: tiles of cameras hidden from them are restricted; a
        tour lists only the cameras they may see, and a tour with none is restricted too."""
        tours = {i: tour.seen_by(may_see) for i, tour in self.tours.items()}
        blind = {i for i, tour in tours.items() if not tour.cameras}
        layout = self.layout.seen_by(may_see, blind)
        if layout is self.layout and tours == self.tours:
            return self
        shown = {i: tour for i, tour in tours.items() if i not in blind}
        return self.model_copy(update={"layout": layout, "tours": shown})

    def tour_cameras(self) -> set[str]:
        """Every camera the wall's tour tiles may show in turn."""
        return {camera for tour in self.tours.values() for camera in tour.cameras}


# The latest state for one display (keyed by wall): a slow display skips versions, never falls
# behind.
WallFeed = Mailbox[str, WallState]
