"""The remarks table: what a visitor left, and what moderation made of it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class Remark(SQLModel, table=True):
    """A visitor's remark on a place; nothing of who left it but a contact they consented to."""

    __tablename__ = "remarks"
    __table_args__ = (sa.Index("ix_remarks_status_received", "status", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(sa_type=UtcDateTime, index=True)
    lat: float
    lon: float
    text: str = Field(max_length=1000)
    contact: str | None = Field(default=None, max_length=200)
    status: str = Field(default="pending", max_length=16)
    moderated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    moderated_by: str | None = Field(default=None, max_length=64)
    refusal_reason: str | None = Field(default=None, max_length=500)
