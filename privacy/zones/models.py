"""The stored privacy zones of a camera."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class PrivacyZoneSet(SQLModel, table=True):
    """A camera's zones as last saved by an administrator; overrides the site file."""

    __tablename__ = "privacy_zones"

    camera_id: str = Field(primary_key=True, max_length=64)
    zones: str = Field(sa_type=sa.Text, description="JSON list of polygons, normalised coords.")
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True))
    updated_by: str = Field(max_length=64)
