"""An administrator's word on one camera, as stored: its settings, or its retirement."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class CameraRecord(SQLModel, table=True):
    """A camera added, edited or retired in the browser; the site file's entries are the seed."""

    __tablename__ = "camera_records"

    camera_id: str = Field(primary_key=True, max_length=64)
    config: str = Field(sa_type=sa.Text, description="The camera's settings (CameraConfig JSON).")
    retired: bool = Field(default=False, description="Retired: no longer run, footage kept.")
    seed_hash: str | None = Field(
        default=None,
        max_length=64,
        description="Fingerprint of the site-file entry when the administrator saved (None: none).",
    )
    updated_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: str = Field(max_length=64)
    reason: str = Field(max_length=1000)
