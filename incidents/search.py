"""Finding incidents, open or closed: by time, place, type or service, camera, status and text
(their title, and what people wrote on their timeline: entries with an author)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Self

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlmodel import Session

from csu.bounds import RowId
from csu.text import StorableText
from csu.times import ApiTime
from incidents.alarms.catalogue import Domain
from incidents.events import IncidentSummary
from incidents.incident_rows import INCIDENTS, read_incidents
from incidents.models import OPEN_STATUSES, IncidentStatus, TimelineEntry
from incidents.visibility import shown_incident
from privacy.policy import CameraScope

TIMELINE = TimelineEntry.__table__  # type: ignore[attr-defined]
METRES_PER_DEGREE = 111_320.0


class IncidentQuery(BaseModel):
    """What to look for; every criterion given must hold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: Annotated[StorableText | None, Field(max_length=200)] = None
    type: Annotated[str | None, Field(max_length=64)] = None
    domain: Domain | None = None
    camera: Annotated[str | None, Field(max_length=64)] = None
    status: IncidentStatus | None = None
    closed: bool | None = Field(
        default=None,
        description="Only finished ones (resolved or closed: true) or open ones (false).",
    )
    since: ApiTime | None = Field(default=None, description="Opened at or after.")
    until: ApiTime | None = Field(default=None, description="Opened before.")
    lat: float | None = Field(default=None, ge=-90, le=90, description="Near this point...")
    lon: float | None = Field(default=None, ge=-180, le=180, description="...and this one...")
    radius_m: float | None = Field(default=None, gt=0, le=50_000, description="...within this.")
    limit: int = Field(default=50, ge=1, le=200)
    before_id: RowId | None = Field(default=None, description="Page on: ids below this one.")

    @model_validator(mode="after")
    def _whole_place(self) -> Self:
        given = [v is not None for v in (self.lat, self.lon, self.radius_m)]
        if any(given) and not all(given):
            raise ValueError("a place needs lat, lon and radius_m together")
        return self


class IncidentPage(BaseModel):
    """A page of incidents, newest first, and where the next page starts."""

    items: list[IncidentSummary]
    next_before_id: int | None = None


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_clause(text: str) -> sa.ColumnElement[bool]:
    pattern = _like(text)
    written = (
        sa.select(TIMELINE.c.id)
        .where(TIMELINE.c.incident_id == INCIDENTS.c.id, TIMELINE.c.author.is_not(None))
        .where(sa.func.lower(TIMELINE.c.text).like(pattern, escape="\\"))
    )
    return sa.or_(sa.func.lower(INCIDENTS.c.title).like(pattern, escape="\\"), sa.exists(written))


def _place_clause(lat: float, lon: float, radius_m: float) -> sa.ColumnElement[bool]:
    # A box around the circle: the database compares plain numbers, the circle is close enough.
    d_lat = radius_m / METRES_PER_DEGREE
    d_lon = d_lat / max(math.cos(math.radians(lat)), 0.01)
    return sa.and_(
        INCIDENTS.c.lat.between(lat - d_lat, lat + d_lat),
        INCIDENTS.c.lon.between(lon - d_lon, lon + d_lon),
    )


def _clauses(query: IncidentQuery) -> list[sa.ColumnElement[bool]]:
    c = INCIDENTS.c
    clauses: list[sa.ColumnElement[bool]] = []
    if query.text:
        clauses.append(_text_clause(query.text))
    if query.type:
        clauses.append(c.type == query.type)
    if query.domain:
        clauses.append(
            sa.or_(c.type == query.domain.value, c.type.startswith(f"{query.domain.value}."))
        )
    if query.camera:
        clauses.append(c.cameras.contains(json.dumps(query.camera), autoescape=True))
    if query.status:
        clauses.append(c.status == query.status)
    if query.closed is not None:
        is_open = c.status.in_(sorted(OPEN_STATUSES))
        clauses.append(sa.not_(is_open) if query.closed else is_open)
    if query.since:
        clauses.append(c.opened_at >= query.since)
    if query.until:
        clauses.append(c.opened_at < query.until)
    if query.lat is not None and query.lon is not None and query.radius_m is not None:
        clauses.append(_place_clause(query.lat, query.lon, query.radius_m))
    if query.before_id:
        clauses.append(c.id < query.before_id)
    return clauses


def _scope_clause(seen: CameraScope) -> sa.ColumnElement[bool] | None:
    if seen.cameras is None:
        return None
    cameras = INCIDENTS.c.cameras
    named = [cameras.contains(json.dumps(c), autoescape=True) for c in sorted(seen.cameras)]
    return sa.or_(cameras == "[]", *named)


def search_incidents(session: Session, query: IncidentQuery, *, seen: CameraScope) -> IncidentPage:
    """The incidents that match, newest first, as far as the reader's cameras `seen` allow."""
    statement = sa.select(INCIDENTS).where(*_clauses(query))
    scope = _scope_clause(seen)
    if scope is not None:
        statement = statement.where(scope)
    statement = statement.order_by(INCIDENTS.c.id.desc()).limit(query.limit)
    found = read_incidents(session.connection(), statement)
    shown = [s for s in (shown_incident(seen, i) for i in found) if s is not None]
    full = len(found) == query.limit and found
    return IncidentPage(items=shown, next_before_id=found[-1].id if full else None)
