"""The zones in force, as stored: read at start, saved when an edit or a decision applies them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, select

from csu.identity.models import User
from privacy.zones.models import PrivacyZoneSet

Zones = list[list[list[float]]]


def as_plain(zones: Sequence[Sequence[Sequence[float]]]) -> Zones:
    """Zones as JSON-ready lists."""
    return [[[float(x), float(y)] for x, y in polygon] for polygon in zones]


def stored_zones(session: Session) -> dict[str, Zones]:
    """Every camera's saved zones (cameras never edited are absent)."""
    rows = session.exec(select(PrivacyZoneSet))
    return {row.camera_id: json.loads(row.zones) for row in rows}


def save_zones(session: Session, *, user: User, camera_id: str, zones: Zones) -> None:
    """Store a camera's zones; the caller has already logged the change with before and after."""
    row = session.get(PrivacyZoneSet, camera_id) or PrivacyZoneSet(
        camera_id=camera_id, zones="[]", updated_at=datetime.now(UTC), updated_by=user.username
    )
    row.zones = json.dumps(zones)
    row.updated_at = datetime.now(UTC)
    row.updated_by = user.username
    session.add(row)
