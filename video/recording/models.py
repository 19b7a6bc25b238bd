"""Tables for recorded segments and the legal holds that keep footage past retention."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class RecordingSegment(SQLModel, table=True):
    """One closed segment file of one camera's rendition."""

    __tablename__ = "recording_segments"
    __table_args__ = (sa.Index("ix_recording_segments_camera_start", "camera_id", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    camera_id: str = Field(max_length=64)
    rendition: str = Field(max_length=16)
    path: str = Field(max_length=512, description="Relative to the recordings folder.")
    start: datetime = Field(sa_type=UtcDateTime, index=True)
    end: datetime = Field(sa_type=UtcDateTime)
    size_bytes: int = Field(sa_type=sa.BigInteger)
    node: str | None = Field(
        default=None, max_length=64, description="The cluster worker whose disk holds the file."
    )


class LegalHold(SQLModel, table=True):
    """A judicial requisition that keeps one camera's span of footage until released."""

    __tablename__ = "legal_holds"

    id: int | None = Field(default=None, primary_key=True)
    camera_id: str = Field(max_length=64, index=True)
    start: datetime = Field(sa_type=UtcDateTime)
    end: datetime = Field(sa_type=UtcDateTime)
    requisition: str = Field(max_length=128)
    officer: str = Field(max_length=128)
    reason: str = Field(sa_type=sa.Text)
    placed_by: str = Field(max_length=64)
    placed_at: datetime = Field(sa_type=UtcDateTime)
    released_at: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    released_by: str | None = Field(default=None, max_length=64)
    release_reason: str | None = Field(default=None, sa_type=sa.Text)
    # The register's requisition this hold was placed for, when it was recorded there.
    requisition_id: int | None = Field(default=None, index=True)
