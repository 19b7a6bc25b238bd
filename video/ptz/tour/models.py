"""The stored preset tour of each PTZ camera, and whether it runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class PtzTour(SQLModel, table=True):
    """A camera's tour as a supervisor last defined it; it runs while `started_by` is set, and
    a csu that stops with it running takes it up again when it starts."""

    __tablename__ = "ptz_tours"

    camera_id: str = Field(primary_key=True, max_length=64)
    stops: str = Field(sa_type=sa.Text, description="JSON list of {preset, dwell_s}, in order.")
    updated_by: str = Field(max_length=64)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    started_by: str | None = Field(default=None, max_length=64)
    started_role: str | None = Field(default=None, max_length=32)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
