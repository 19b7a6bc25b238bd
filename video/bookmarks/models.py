"""The bookmarks table."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class Bookmark(SQLModel, table=True):
    """A moment of one camera's footage that someone marked, with a note."""

    __tablename__ = "bookmarks"
    __table_args__ = (sa.Index("ix_bookmarks_camera_at", "camera_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    camera_id: str = Field(max_length=64)
    at: datetime = Field(sa_type=UtcDateTime, description="The picture's time.")
    note: str = Field(max_length=2000)
    incident_id: int | None = Field(default=None, index=True)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UtcDateTime)
