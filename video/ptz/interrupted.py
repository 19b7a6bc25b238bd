"""A PTZ session a dead worker left open: ended by the worker that takes its camera.

A worker that loses a camera on purpose ends its session itself (logged, holder told). One
killed (`kill -9`, power) cannot: its camera's last session start has no end in the access log
and its holder is never told. The worker that takes the camera from a dead one looks at the
camera's latest PTZ session entry before it serves any command on it; a start with no end after
it gets its end, reason "moved", as of now (the session really ended when the dead worker
stopped answering, within a lease's time before), and its holder is told on the bus.

Sessions on one camera follow each other (a take-over logs the old end before the new start),
so only the latest can be open. A worker cut off from NATS but not from PostgreSQL ends its
sessions too when it counts its leases lost; the two ends may then both be logged.

A preset tour's run is logged the same way (video.ptz.tour): a dead worker's run gets its end
here too, reason "moved" (its moves and interruptions known to the dead worker only), before the
taker resumes the tour, stored as running, as a new run.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from sqlmodel import col, select

from csu.db import Database
from privacy.access_log import AccessLog, AccessLogEntry, AccessRecord, Outcome
from privacy.policy import Action
from video.ptz.control import EndReason
from video.ptz.events import PtzControlEnded

log = logging.getLogger(__name__)

# The latest entries read back to find the last start or end (denials carry no phase).
_LOOK_BACK = 200


def end_left_session(
    db: Database, access_log: AccessLog, camera_id: str, *, dead: str, taker: str
) -> PtzControlEnded | None:
    """Log the end of the session the dead worker left open on the camera, if it left one;
    the event that tells its holder (to publish), or None. Blocking: run it off the loop."""
    start = _open_start(db, camera_id, Action.PTZ)
    if start is None:
        return None
    now = datetime.now(UTC)
    access_log.append(
        AccessRecord(
            action=Action.PTZ.value,
            user=start.user,
            role=start.role,
            camera_id=camera_id,
            client=start.client,
            details={
                "phase": "end",
                "started": start.at.isoformat(),
                "ended": now.isoformat(),
                "reason": EndReason.MOVED.value,
                "by": None,
                # Known to the dead worker only.
                "presets": None,
                "commands": None,
                "worker_lost": dead,
                "ended_by_worker": taker,
            },
        )
    )
    log.warning("ended %s's PTZ session on %s, left open by worker %s", start.user, camera_id, dead)
    return PtzControlEnded(
        camera_id=camera_id,
        username=start.user or "",
        reason=EndReason.MOVED.value,
        by=None,
        started=start.at,
        ended=now,
    )


def end_left_run(
    db: Database, access_log: AccessLog, camera_id: str, *, dead: str, taker: str
) -> bool:
    """Log the end of the tour run the dead worker left open on the camera, if it left one:
    whether it did. Blocking: run it off the loop."""
    start = _open_start(db, camera_id, Action.PTZ_TOUR)
    if start is None:
        return False
    access_log.append(
        AccessRecord(
            action=Action.PTZ_TOUR.value,
            user=start.user,
            role=start.role,
            camera_id=camera_id,
            client=start.client,
            details={
                "phase": "end",
                "started": start.at.isoformat(),
                "ended": datetime.now(UTC).isoformat(),
                "reason": EndReason.MOVED.value,
                "by": None,
                "moves": None,
                "interruptions": None,
                "worker_lost": dead,
                "ended_by_worker": taker,
            },
        )
    )
    log.warning("ended the PTZ tour run on %s, left open by worker %s", camera_id, dead)
    return True


def _open_start(db: Database, camera_id: str, action: Action) -> AccessLogEntry | None:
    """The camera's latest session (or tour run) start, if no end follows it."""
    query = (
        select(AccessLogEntry)
        .where(
            col(AccessLogEntry.action) == action.value,
            col(AccessLogEntry.camera_id) == camera_id,
            col(AccessLogEntry.outcome) == Outcome.GRANTED.value,
        )
        .order_by(col(AccessLogEntry.seq).desc())
        .limit(_LOOK_BACK)
    )
    with db.session() as session:
        entries = list(session.exec(query))
    latest = next((e for e in entries if _phase(e) in ("start", "end")), None)
    return latest if latest is not None and _phase(latest) == "start" else None


def _phase(entry: AccessLogEntry) -> str | None:
    try:
        details = json.loads(entry.details)
    except ValueError:
        return None
    phase = details.get("phase") if isinstance(details, dict) else None
    return phase if isinstance(phase, str) else None
