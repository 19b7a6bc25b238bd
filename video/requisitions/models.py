"""The requisitions table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


class Requisition(SQLModel, table=True):
    """A judicial requisition or a right-of-access request for footage, its status and how the
    footage was handed over."""

    __tablename__ = "requisitions"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=128, index=True)
    # judicial (an authority asks) or access (a person asks for footage of themselves).
    kind: str = Field(default="judicial", max_length=16, index=True)
    authority: str | None = Field(
        default=None, max_length=200, description="Requesting authority (judicial only)."
    )
    officer: str | None = Field(
        default=None, max_length=128, description="Requesting officer (judicial only)."
    )
    requester: str | None = Field(
        default=None, max_length=200, description="The person asking (access requests only)."
    )
    received_at: datetime = Field(sa_type=UtcDateTime)
    legal_basis: str = Field(max_length=2000)
    # The cameras and spans asked for: [{"camera_id", "start", "end"}], times in ISO UTC.
    requested: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    deadline: datetime | None = Field(default=None, sa_type=UtcDateTime)
    status: str = Field(max_length=16, index=True)
    refusal_reason: str | None = Field(default=None, max_length=2000)
    recipient: str | None = Field(default=None, max_length=128)
    handed_over_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    medium: str | None = Field(default=None, max_length=128)
    receipt: str | None = Field(default=None, max_length=128)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
