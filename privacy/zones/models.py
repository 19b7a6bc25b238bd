"""The stored privacy zones of a camera and the changes waiting for confirmation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class PrivacyZoneSet(SQLModel, table=True):
    """A camera's zones as last saved by an administrator; overrides the site file."""

    __tablename__ = "privacy_zones"

    camera_id: str = Field(primary_key=True, max_length=64)
    zones: str = Field(sa_type=sa.Text, description="JSON list of polygons, normalised coords.")
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: str = Field(max_length=64)


class ZoneChangeState(StrEnum):
    """Where a requested change of zones stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REFUSED = "refused"
    EXPIRED = "expired"
    REPLACED = "replaced"


PENDING_ONLY = sa.text("state = 'pending'")


class PrivacyZoneChange(SQLModel, table=True):
    """A change that would unmask part of a camera's picture, waiting for a second person."""

    __tablename__ = "privacy_zone_changes"
    # One pending change per camera, even when two requests race.
    __table_args__ = (
        sa.Index(
            "ux_privacy_zone_changes_pending",
            "camera_id",
            unique=True,
            sqlite_where=PENDING_ONLY,
            postgresql_where=PENDING_ONLY,
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    camera_id: str = Field(max_length=64, index=True)
    state: str = Field(max_length=16, index=True)
    before: str = Field(sa_type=sa.Text, description="JSON zones in force when requested.")
    after: str = Field(sa_type=sa.Text, description="JSON zones asked for.")
    reason: str = Field(max_length=1000)
    requested_by: str = Field(max_length=64)
    requested_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    decided_by: str | None = Field(default=None, max_length=64)
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    decision_reason: str | None = Field(default=None, max_length=1000)
