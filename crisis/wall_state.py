"""A wall's current state as displays receive it, and the mailbox each display reads it from."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from crisis.layouts import Layout

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


class WallFeed:
    """The latest state for one display: a slow display skips versions, never falls behind."""

    def __init__(self, state: WallState) -> None:
        self._latest = state
        self._fresh = asyncio.Event()
        self._fresh.set()  # a new display gets the current state at once

    def offer(self, state: WallState) -> None:
        """Replace what waits to be sent."""
        self._latest = state
        self._fresh.set()

    async def next(self) -> WallState:
        """The next state to send, waiting for one if the last was sent."""
        await self._fresh.wait()
        self._fresh.clear()
        return self._latest
