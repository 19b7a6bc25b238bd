"""Pending privacy-zone changes in the database: one per camera, even when two edits race."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from csu.db import Database
from csu.identity.models import User
from csu.identity.roles import ALL_CAMERAS, Role
from privacy.access_log import AccessLog
from privacy.rights import Requester, Viewer
from privacy.zones.changes import ZoneChangeClosed, edit_zones
from privacy.zones.models import PrivacyZoneChange, ZoneChangeState

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
HOUSE = [[[0.1, 0.1], [0.5, 0.1], [0.5, 0.5], [0.1, 0.5]]]


def change(change_id: str, state: ZoneChangeState) -> PrivacyZoneChange:
    """A stored change of cam-1 removing every zone."""
    return PrivacyZoneChange(
        id=change_id,
        camera_id="cam-1",
        state=state.value,
        before=json.dumps(HOUSE),
        after="[]",
        reason="test",
        requested_by="admin",
        requested_at=NOW,
        expires_at=NOW + timedelta(days=7),
    )


def test_the_database_holds_one_pending_change_per_camera(db: Database) -> None:
    """Decided changes pile up freely; a second pending one for the camera is refused."""
    with db.session() as session:
        session.add(change("a", ZoneChangeState.REFUSED))
        session.add(change("b", ZoneChangeState.REPLACED))
        session.add(change("c", ZoneChangeState.PENDING))
    with pytest.raises(IntegrityError), db.session() as session:
        session.add(change("d", ZoneChangeState.PENDING))


def test_an_edit_that_loses_a_race_is_refused_and_logged_as_failed(db: Database) -> None:
    """Another pending change lands between the check and the commit: 409-worthy, logged."""
    log = AccessLog(db)
    admin = User(username="admin", role=Role.ADMIN.value, password_hash="x")

    def rival(_session: Session) -> None:
        with db.session() as other:
            other.add(change("rival", ZoneChangeState.PENDING))

    with Session(db.engine, expire_on_commit=False) as session:
        event.listen(session, "before_commit", rival, once=True)
        with pytest.raises(ZoneChangeClosed) as refused:
            edit_zones(
                session,
                log,
                editor=Requester(Viewer(admin, frozenset({ALL_CAMERAS})), "127.0.0.1"),
                camera_id="cam-1",
                before=HOUSE,
                after=[],
                reason="remove",
                now=NOW,
            )
    assert str(refused.value) == (
        "another edit of the camera was made at the same time: reload and try again"
    )
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, state FROM privacy_zone_changes")).all()
    assert [tuple(r) for r in rows] == [("rival", "pending")]
    asked, failed = list(log.entries())
    assert (asked.action, asked.outcome, failed.action, failed.outcome) == (
        "privacy.zone_edit",
        "granted",
        "privacy.zone_edit",
        "failed",
    )
    assert json.loads(failed.details)["why"] == (
        "another edit of the camera was made at the same time"
    )
