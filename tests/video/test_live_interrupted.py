"""Live views left open by a killed process are ended in the access log at the next start."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from csu.db import Database
from privacy.access_log import AccessLog, AccessLogEntry, AccessRecord, Outcome
from video.live.interrupted import SERVER_STOPPED, close_interrupted_views

T0 = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)


def live(session: str | None, *, outcome: Outcome = Outcome.GRANTED) -> AccessRecord:
    """A live-view start as LiveService logs it."""
    details = {"rendition": "zones"} | ({"session": session} if session else {})
    return AccessRecord(
        action="video.live",
        user="operator",
        role="operator",
        camera_id="cam-street",
        client="192.0.2.7",
        outcome=outcome,
        details=details,
    )


def live_end(session: str) -> AccessRecord:
    """A live-view end as LiveService logs it."""
    return AccessRecord(
        action="video.live_end",
        user="operator",
        role="operator",
        camera_id="cam-street",
        details={"session": session, "reason": "closed by client", "duration_s": 60.0},
    )


def ends(log: AccessLog) -> list[AccessLogEntry]:
    """Every video.live_end entry, in order."""
    return [e for e in log.entries() if e.action == "video.live_end"]


def test_each_view_left_open_gets_one_end_at_the_last_sign_of_life(db: Database) -> None:
    log = AccessLog(db)
    log.append(live("ended"), at=T0)
    log.append(live("left-open"), at=T0 + timedelta(seconds=10))
    log.append(live(None, outcome=Outcome.DENIED), at=T0 + timedelta(seconds=20))
    log.append(live_end("ended"), at=T0 + timedelta(seconds=60))
    log.append(AccessRecord(action="video.snapshot", user="operator"), at=T0 + timedelta(minutes=5))

    assert close_interrupted_views(db, log) == 1
    assert close_interrupted_views(db, log) == 0, "a second start logs nothing more"

    closed = ends(log)[-1]
    assert (closed.user, closed.role, closed.camera_id, closed.client) == (
        "operator",
        "operator",
        "cam-street",
        "192.0.2.7",
    )
    details = json.loads(closed.details)
    assert details == {
        "session": "left-open",
        "reason": SERVER_STOPPED,
        "ended_at": (T0 + timedelta(minutes=5)).isoformat(),
        "duration_s": 290.0,
    }
    assert len(ends(log)) == 2


def test_nothing_to_close_after_a_clean_stop(db: Database) -> None:
    log = AccessLog(db)
    log.append(live("a"), at=T0)
    log.append(live_end("a"), at=T0 + timedelta(seconds=5))
    assert close_interrupted_views(db, log) == 0
    assert close_interrupted_views(db, AccessLog(db)) == 0
    assert len(ends(log)) == 1
