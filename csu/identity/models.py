"""Tables for accounts, camera authorisations and login tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from csu.db import UtcDateTime


def utcnow() -> datetime:
    """Timezone-aware now in UTC (every stored time is UTC)."""
    return datetime.now(UTC)


class User(SQLModel, table=True):
    """A named account: shared logins are forbidden by law, so one person, one row."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, sa_column_kwargs={"unique": True}, index=False)
    role: str = Field(max_length=32)
    password_hash: str = Field(max_length=256)
    active: bool = Field(default=True)
    # Set for accounts that may only ever see the anonymised rendition (public displays, say).
    anonymised_view: bool = Field(default=False)
    # Set when an administrator resets the password: no session opens until the user sets one.
    must_change_password: bool = Field(default=False)
    # The day the agent last followed data-protection training, entered by an administrator; an
    # authorisation held without one is flagged to the ethics committee.
    training_date: date | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class CameraGrant(SQLModel, table=True):
    """A user's authorisation for one camera (or '*' for all) until an optional expiry."""

    __tablename__ = "camera_grants"
    __table_args__ = (sa.UniqueConstraint("user_id", "camera_id", name="uq_grant_user_camera"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    camera_id: str = Field(max_length=64)
    expires_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # When and by whom it was granted (or last changed): the administrator's username, set by the
    # server from the session; None for a grant from the site file, the command line or the demo.
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    granted_by: str | None = Field(default=None, max_length=64)


class AuthToken(SQLModel, table=True):
    """A login session; only the SHA-256 of the bearer token is stored."""

    __tablename__ = "auth_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # Why it was ended early (logged out, password reset, role changed), for whatever it ends.
    revoked_reason: str | None = Field(default=None, max_length=64)
