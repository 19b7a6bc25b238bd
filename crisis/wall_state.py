"""A wall's current state as displays receive it, and the mailbox each display reads it from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from crisis.layouts import Layout
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

    def seen_by(self, may_see: Callable[[str], bool]) -> WallState:
        """The state as a reader sees it: tiles of cameras hidden from them are restricted."""
        layout = self.layout.seen_by(may_see)
        return self if layout is self.layout else self.model_copy(update={"layout": layout})


# The latest state for one display (keyed by wall): a slow display skips versions, never falls
# behind.
WallFeed = Mailbox[str, WallState]
