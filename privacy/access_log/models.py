"""The access-log table and the record a caller hands in."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlmodel import Field as SQLField
from sqlmodel import SQLModel

from csu.db import UtcDateTime
from csu.text import storable, storable_document
from csu.times import LoggedTime


class Outcome(StrEnum):
    """Whether the logged action was carried out."""

    GRANTED = "granted"
    DENIED = "denied"
    FAILED = "failed"


class AccessRecord(BaseModel):
    """What happened, by whom, on what, and why: the caller's half of an entry."""

    model_config = ConfigDict(frozen=True)

    action: str = Field(description="What was done, e.g. video.live or auth.login.")
    user: str | None = Field(default=None, description="Username, or what was typed at login.")
    role: str | None = None
    camera_id: str | None = None
    # Bounded like every API time: a time the log could not hash the same once read back
    # (or convert to UTC at all) is refused before anything is written.
    span_start: LoggedTime | None = Field(default=None, description="Start of footage viewed.")
    span_end: LoggedTime | None = Field(default=None, description="End of footage viewed.")
    reason: str | None = Field(default=None, description="Why, in the user's words.")
    requisition: str | None = Field(default=None, description="Judicial requisition reference.")
    client: str | None = Field(default=None, description="Client network address.")
    outcome: Outcome = Outcome.GRANTED
    details: dict[str, Any] = Field(default_factory=dict, description="Before/after, duration...")

    @field_validator("action", "user", "role", "camera_id", "reason", "requisition", "client")
    @classmethod
    def _storable(cls, value: str | None, info: ValidationInfo) -> str | None:
        # What was asked is logged whatever it holds: text no database stores (a NUL, a lone
        # surrogate) is repaired and cut to its column, never a reason for the write to fail.
        if value is None:
            return None
        return storable(value, _LIMITS[info.field_name or ""])

    @field_validator("details")
    @classmethod
    def _storable_details(cls, value: dict[str, Any]) -> dict[str, Any]:
        repaired: dict[str, Any] = storable_document(value)
        return repaired


class AccessLogEntry(SQLModel, table=True):
    """One stored entry; `hash` covers every other column and the previous entry's hash."""

    __tablename__ = "access_log"

    seq: int | None = SQLField(default=None, primary_key=True)
    at: datetime = SQLField(sa_type=UtcDateTime, index=True)
    action: str = SQLField(max_length=64, index=True)
    user: str | None = SQLField(default=None, max_length=64, index=True)
    role: str | None = SQLField(default=None, max_length=32)
    camera_id: str | None = SQLField(default=None, max_length=64, index=True)
    span_start: datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    span_end: datetime | None = SQLField(default=None, sa_type=UtcDateTime)
    reason: str | None = SQLField(default=None, max_length=1000)
    requisition: str | None = SQLField(default=None, max_length=128)
    client: str | None = SQLField(default=None, max_length=64)
    outcome: str = SQLField(max_length=16)
    details: str = SQLField(default="{}", sa_type=sa.Text)
    prev_hash: str = SQLField(max_length=64)
    hash: str = SQLField(max_length=64, sa_column_kwargs={"unique": True})


_LIMITS = {
    name: int(column.type.length)
    for name, column in AccessLogEntry.__table__.columns.items()  # type: ignore[attr-defined]
    if getattr(column.type, "length", None)
}


class ChainCheckpoint(SQLModel, table=True):
    """A signed statement that the chain once ended at (seq, hash): truncation and rewrites show."""

    __tablename__ = "chain_checkpoints"

    id: int | None = SQLField(default=None, primary_key=True)
    seq: int = SQLField(index=True)
    hash: str = SQLField(max_length=64)
    signed_at: datetime = SQLField(sa_type=UtcDateTime)
    # Why it was written: interval, start, shutdown, or prune (anchors the chain after pruning).
    kind: str = SQLField(max_length=16)
    key_id: str = SQLField(max_length=32)
    signature: str = SQLField(max_length=128, description="Ed25519 signature, hex.")
