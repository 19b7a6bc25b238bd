"""Crisis rows and the crisis log: the only writer of both."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, col, select

from crisis.events import CrisisSummary
from crisis.models import Crisis, CrisisLogEntry, CrisisLogKind, CrisisStatus


def summary(crisis: Crisis) -> CrisisSummary:
    """The crisis as its event and the API carry it."""
    assert crisis.id is not None
    return CrisisSummary(
        id=crisis.id,
        title=crisis.title,
        status=crisis.status,
        opened_at=crisis.opened_at,
        opened_by=crisis.opened_by,
        closed_at=crisis.closed_at,
        closed_by=crisis.closed_by,
        participants=json.loads(crisis.participants),
        incidents=json.loads(crisis.incidents),
        exercise_id=crisis.exercise_id,
    )


def current_crisis(session: Session, exercise_id: int | None = None) -> Crisis | None:
    """The open crisis, if there is one (csu runs one crisis cell at a time); with
    `exercise_id`, that exercise's own (an exercise's crisis is never the real one)."""
    query = select(Crisis).where(col(Crisis.status) == CrisisStatus.OPEN.value)
    query = query.where(
        col(Crisis.exercise_id).is_(None)
        if exercise_id is None
        else col(Crisis.exercise_id) == exercise_id
    )
    return session.exec(query.order_by(col(Crisis.id).desc())).first()


def list_crises(session: Session, *, limit: int = 100) -> list[Crisis]:
    """Crises, newest first."""
    return list(session.exec(select(Crisis).order_by(col(Crisis.id).desc()).limit(limit)))


def log_entries(session: Session, crisis_id: int) -> list[CrisisLogEntry]:
    """A crisis's log, oldest first."""
    query = select(CrisisLogEntry).where(CrisisLogEntry.crisis_id == crisis_id)
    return list(session.exec(query.order_by(col(CrisisLogEntry.at), col(CrisisLogEntry.id))))


def create(
    session: Session,
    *,
    title: str,
    by: str,
    at: datetime,
    incidents: list[int],
    people: list[str],
    text: str,
    exercise_id: int | None = None,
) -> Crisis:
    """A new open crisis, its opener among the participants; its first log line says so (`text`,
    worded by the caller in the site's language)."""
    crisis = Crisis(
        title=title,
        opened_at=at,
        opened_by=by,
        participants=json.dumps(list(dict.fromkeys([by, *people]))),
        incidents=json.dumps(list(dict.fromkeys(incidents))),
        exercise_id=exercise_id,
    )
    session.add(crisis)
    session.flush()
    write(
        session,
        crisis,
        at=at,
        author=by,
        kind=CrisisLogKind.EVENT,
        text=text,
    )
    return crisis


def write(
    session: Session,
    crisis: Crisis,
    *,
    at: datetime,
    author: str | None,
    kind: CrisisLogKind,
    text: str,
    incident_id: int | None = None,
) -> CrisisLogEntry:
    """Append one log line (about an incident, if named); a person who writes joins the
    participants."""
    assert crisis.id is not None
    entry = CrisisLogEntry(
        crisis_id=crisis.id,
        at=at,
        author=author,
        kind=kind.value,
        text=text,
        incident_id=incident_id,
        exercise_id=crisis.exercise_id,  # an exercise's log stays the exercise's
    )
    session.add(entry)
    if author is not None:
        add_participant(session, crisis, author)
    return entry


def add_participant(session: Session, crisis: Crisis, username: str) -> bool:
    """Add someone to the crisis; False when already in."""
    people: list[str] = json.loads(crisis.participants)
    if username in people:
        return False
    crisis.participants = json.dumps([*people, username])
    session.add(crisis)
    return True


def link_incident(session: Session, crisis: Crisis, incident_id: int) -> bool:
    """Attach an incident to the crisis; False when already attached."""
    linked: list[int] = json.loads(crisis.incidents)
    if incident_id in linked:
        return False
    crisis.incidents = json.dumps([*linked, incident_id])
    session.add(crisis)
    return True


def close(session: Session, crisis: Crisis, *, by: str, at: datetime) -> None:
    """Mark the crisis closed (the report is frozen by the caller once the log is complete)."""
    crisis.status = CrisisStatus.CLOSED.value
    crisis.closed_at = at
    crisis.closed_by = by
    session.add(crisis)
