"""Reading and writing the stored tours (blocking: callers run these off the event loop)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import col, select

from csu.db import Database
from video.ptz.tour.models import PtzTour
from video.ptz.tour.plan import TourPlan, TourStop


def plan_of(row: PtzTour) -> TourPlan:
    """The stored stops as a plan."""
    return TourPlan(stops=[TourStop.model_validate(s) for s in json.loads(row.stops)])


def read(db: Database, camera_id: str) -> PtzTour | None:
    """The camera's tour, if one was defined."""
    with db.session() as session:
        return session.get(PtzTour, camera_id)


def running(db: Database) -> list[PtzTour]:
    """Every tour stored as running, by camera."""
    with db.session() as session:
        query = select(PtzTour).where(col(PtzTour.started_by).is_not(None))
        return list(session.exec(query.order_by(col(PtzTour.camera_id))))


def define(db: Database, camera_id: str, plan: TourPlan, *, by: str, at: datetime) -> PtzTour:
    """Store the camera's stops (a running tour keeps running)."""
    stops = json.dumps([s.model_dump() for s in plan.stops])
    with db.session() as session:
        row = session.get(PtzTour, camera_id)
        if row is None:
            row = PtzTour(camera_id=camera_id, stops=stops, updated_by=by, updated_at=at)
        else:
            row.stops, row.updated_by, row.updated_at = stops, by, at
        session.add(row)
        return row


def started(db: Database, camera_id: str, *, by: str, role: str, at: datetime) -> None:
    """Store the tour as running: by whom, since when."""
    _mark(db, camera_id, by, role, at)


def stopped(db: Database, camera_id: str) -> None:
    """Store the tour as stopped."""
    _mark(db, camera_id, None, None, None)


def _mark(
    db: Database, camera_id: str, by: str | None, role: str | None, at: datetime | None
) -> None:
    with db.session() as session:
        row = session.get(PtzTour, camera_id)
        if row is not None:
            row.started_by, row.started_role, row.started_at = by, role, at
            session.add(row)


def remove(db: Database, camera_id: str) -> None:
    """Forget the camera's tour."""
    with db.session() as session:
        row = session.get(PtzTour, camera_id)
        if row is not None:
            session.delete(row)
