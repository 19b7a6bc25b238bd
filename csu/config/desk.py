"""The `groups` section: cameras gathered by district or commune for the operators' desks."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
