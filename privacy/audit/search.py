"""Searching the access log: filters, newest first, a page and the total."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select

from csu.bounds import Position
from csu.errors import Invalid
from privacy.access_log import AccessLogEntry, Outcome

MAX_PAGE = 1000


class InvalidPeriod(Invalid):
    """A period that is none: a time without zone, a start not before its end, or too long."""


def check_period(since: datetime | None, until: datetime | None) -> None:
    """InvalidPeriod naming the problem, unless [since, until) is a period (either end open)."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidPeriod(
                f"{name} needs a timezone (e.g. 2026-11-25T08:00:00Z)",
                key="errors.footage.time_zone",
                field=name,
            )
    if since is not None and until is not None and since >= until:
        raise InvalidPeriod("since must be before until", key="errors.footage.order")


class AccessQuery(BaseModel):
    """What the privacy officer asks for; every filter is optional."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user: str | None = Field(default=None, max_length=64)
    camera_id: str | None = Field(default=None, max_length=64)
    action: str | None = Field(
        default=None, max_length=64, description="Exact action, or a prefix ending in '*'."
    )
    outcome: Outcome | None = None
    since: datetime | None = Field(default=None, description="From this time (inclusive).")
    until: datetime | None = Field(default=None, description="Up to this time (exclusive).")
    limit: int = Field(default=100, ge=1, le=MAX_PAGE)
    offset: Position = 0

    @model_validator(mode="after")
    def _period(self) -> AccessQuery:
        # InvalidPeriod is no ValueError: it leaves the model as itself, not as a ValidationError.
        check_period(self.since, self.until)
        return self

    def filters(self) -> dict[str, Any]:
        """The filters set, as the search's own log entry records them."""
        return json.loads(self.model_dump_json(exclude_none=True))  # type: ignore[no-any-return]


class AuditEntry(BaseModel):
    """One access-log entry as the audit shows it, with its unusual-access flags."""

    seq: int
    at: datetime
    action: str
    user: str | None
    role: str | None
    camera_id: str | None
    span_start: datetime | None
    span_end: datetime | None
    reason: str | None
    requisition: str | None
    client: str | None
    outcome: str
    details: dict[str, Any]
    hash: str
    unusual: list[str] = Field(default_factory=list)


def _conditions(query: AccessQuery) -> list[ColumnElement[bool]]:
    entry = AccessLogEntry
    found: list[ColumnElement[bool]] = []
    if query.user is not None:
        found.append(col(entry.user) == query.user)
    if query.camera_id is not None:
        found.append(col(entry.camera_id) == query.camera_id)
    if query.action is not None and query.action.endswith("*"):
        found.append(col(entry.action).startswith(query.action[:-1], autoescape=True))
    elif query.action is not None:
        found.append(col(entry.action) == query.action)
    if query.outcome is not None:
        found.append(col(entry.outcome) == query.outcome.value)
    if query.since is not None:
        found.append(col(entry.at) >= query.since)
    if query.until is not None:
        found.append(col(entry.at) < query.until)
    return found


def search_entries(session: Session, query: AccessQuery) -> tuple[list[AuditEntry], int]:
    """A page of matching entries, newest first, and how many match in all."""
    conditions = _conditions(query)
    total = session.exec(
        select(func.count()).select_from(AccessLogEntry).where(sa.and_(sa.true(), *conditions))
    ).one()
    rows = session.exec(
        select(AccessLogEntry)
        .where(sa.and_(sa.true(), *conditions))
        .order_by(col(AccessLogEntry.seq).desc())
        .offset(query.offset)
        .limit(query.limit)
    ).all()
    return [_entry(r) for r in rows], int(total)


def _entry(row: AccessLogEntry) -> AuditEntry:
    assert row.seq is not None
    return AuditEntry(
        seq=row.seq,
        at=row.at,
        action=row.action,
        user=row.user,
        role=row.role,
        camera_id=row.camera_id,
        span_start=row.span_start,
        span_end=row.span_end,
        reason=row.reason,
        requisition=row.requisition,
        client=row.client,
        outcome=row.outcome,
        details=json.loads(row.details),
        hash=row.hash,
    )
