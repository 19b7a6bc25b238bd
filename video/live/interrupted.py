"""Live views a killed process left open: each gets its `video.live_end` at the next start.

A clean stop ends every live session and logs it; after a kill -9 the `video.live` entry has no
end. At start, before the process logs anything else, every session started since the last
checkpoint signed at a start or a shutdown and never ended (matched by the session id in the
details) gets one `video.live_end`, reason "server stopped", ended at the last sign of life of
the stopped process: its last access-log entry or checkpoint. The session really ended between
that time and this start, which the entry's own time records.

Entries before that checkpoint were settled by the start it marks (or were ended by the shutdown
it marks); without such a checkpoint the whole log is searched.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csu.db import Database
from privacy.access_log import AccessLog, AccessLogEntry, AccessRecord, Outcome
from privacy.access_log.checkpoints import CheckpointKind
from privacy.access_log.models import ChainCheckpoint
from privacy.policy import Action
from video.live.sessions import LIVE_END, live_end_record

log = logging.getLogger(__name__)

LIVE_START = Action.LIVE_VIEW.value
SERVER_STOPPED = "server stopped"
_SETTLED_AT = (CheckpointKind.START.value, CheckpointKind.SHUTDOWN.value)


def close_interrupted_views(db: Database, access_log: AccessLog, node: str | None = None) -> int:
    """Log the end of every live view a stopped process left open; how many (call at start).

    A cluster's worker passes its name and closes only the views it logged itself.
    """
    with db.session() as session:
        open_views = [e for e in unended(_live_entries(session)) if _details(e).get("node") == node]
        last_seen = _last_sign_of_life(session) if open_views else None
    for entry in open_views:
        assert last_seen is not None
        access_log.append(end_record(entry, last_seen))
    if open_views:
        log.warning("logged the end of %d live views a stopped process left open", len(open_views))
    return len(open_views)


def unended(entries: Iterable[AccessLogEntry]) -> list[AccessLogEntry]:
    """The granted live-view starts, in order, whose session has no end among the entries."""
    starts: dict[str, AccessLogEntry] = {}
    ended: set[str] = set()
    for entry in entries:
        session = _details(entry).get("session")
        if not isinstance(session, str):
            continue
        if entry.action == LIVE_END:
            ended.add(session)
        elif entry.action == LIVE_START and entry.outcome == Outcome.GRANTED.value:
            starts.setdefault(session, entry)
    return [entry for session, entry in starts.items() if session not in ended]


def end_record(start: AccessLogEntry, ended_at: datetime) -> AccessRecord:
    """The `video.live_end` of a session whose process stopped; last seen running at `ended_at`."""
    started = start.at
    ended = max(ended_at, started)
    return live_end_record(
        user=start.user,
        role=start.role,
        camera_id=start.camera_id,
        client=start.client,
        session=_details(start)["session"],
        reason=SERVER_STOPPED,
        duration_s=(ended - started).total_seconds(),
        ended_at=ended,
    )


def _live_entries(session: Session) -> list[AccessLogEntry]:
    """Live-view starts and ends since the last checkpoint signed at a start or a shutdown."""
    settled = select(sa.func.max(ChainCheckpoint.seq)).where(
        col(ChainCheckpoint.kind).in_(_SETTLED_AT)
    )
    since = session.exec(settled).one() or 0
    query = (
        select(AccessLogEntry)
        .where(
            col(AccessLogEntry.seq) > since,
            col(AccessLogEntry.action).in_((LIVE_START, LIVE_END)),
        )
        .order_by(col(AccessLogEntry.seq))
    )
    return list(session.exec(query))


def _last_sign_of_life(session: Session) -> datetime:
    entry = session.exec(select(sa.func.max(AccessLogEntry.at))).one()
    checkpoint = session.exec(select(sa.func.max(ChainCheckpoint.signed_at))).one()
    return max(moment for moment in (entry, checkpoint) if moment is not None)


def _details(entry: AccessLogEntry) -> dict[str, Any]:
    try:
        details = json.loads(entry.details)
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}
