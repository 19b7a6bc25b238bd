"""Privacy zones' face: the zones in force, edits (added coverage at once, removed coverage once a
second person confirms it), the decisions on pending changes, how a change is shown, and a dome's
zones drawn on its picture and kept on its pan/tilt map."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from privacy.zones.changes import Decision, ZoneEdit, changes, decide, edit_zones
from privacy.zones.coverage import coverage_change, describe
from privacy.zones.models import PrivacyZoneChange, ZoneChangeState
from privacy.zones.picture import DomeZones, DrawingRefused, PicturePose, outlines, with_drawn
from privacy.zones.store import Zones, as_plain, stored_zones

__all__ = [
    "Decision",
    "DomeZones",
    "DrawingRefused",
    "PicturePose",
    "ZoneChangeState",
    "ZoneChangeView",
    "ZoneEdit",
    "Zones",
    "as_plain",
    "change_view",
    "changes",
    "decide",
    "edit_zones",
    "outlines",
    "stored_zones",
    "with_drawn",
]


class ZoneChangeView(BaseModel):
    """A requested change of a camera's zones, with what it would unmask."""

    id: str
    camera_id: str
    state: ZoneChangeState
    space: Literal["picture", "map"] = Field(
        default="picture",
        description="What the zones are drawn on: the picture, or a dome's pan/tilt map.",
    )
    before: list[list[list[float]]] = Field(description="The zones in force when asked for.")
    after: list[list[list[float]]] = Field(description="The zones asked for.")
    unmasked_share: float = Field(description="Share of the picture (map) no longer masked.")
    masked_share: float = Field(description="Share of the picture (map) newly masked (0..1).")
    description: str
    reason: str
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


def change_view(
    change: PrivacyZoneChange, space: Literal["picture", "map"] = "picture"
) -> ZoneChangeView:
    """A stored change as it is shown: its zones, and the share of the picture (or of a dome's
    map, `space`) it (un)masks."""
    before, after = json.loads(change.before), json.loads(change.after)
    coverage = coverage_change(before, after)
    whole = "the dome's pan/tilt map" if space == "map" else "the picture"
    return ZoneChangeView(
        id=change.id,
        camera_id=change.camera_id,
        state=ZoneChangeState(change.state),
        space=space,
        before=before,
        after=after,
        unmasked_share=round(coverage.unmasked, 6),
        masked_share=round(coverage.masked, 6),
        description=describe(before, after, coverage, whole),
        reason=change.reason,
        requested_by=change.requested_by,
        requested_at=change.requested_at,
        expires_at=change.expires_at,
        decided_by=change.decided_by,
        decided_at=change.decided_at,
        decision_reason=change.decision_reason,
    )
