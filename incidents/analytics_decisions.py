"""Operators' decisions on video analytics alarms, and the counts of them per rule.

The law wants a person to decide on every analytics alert (domain.md rule 6): confirming or
dismissing is an incident action written on the timeline (its only writer), and the per-rule
counts of confirmed and dismissed alerts are read back from there.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel, Field, ValidationError
from sqlmodel import Session, col, select

from csu.errors import Conflict, Forbidden
from csu.i18n import Language
from incidents import timeline
from incidents.events import IncidentSummary
from incidents.models import Incident, StoredAlarm, TimelineEntry, TimelineKind
from incidents.records import ALARMS, AlarmRow, read_alarms

ANALYTICS_TYPES = "video.analytics.%"
# How csu's own analytics alarms are named (incidents.analytics_alarms writes them).
ANALYTICS_SOURCE = "csu.analytics"
EXTERNAL_PREFIX = "analytics:"

log = logging.getLogger(__name__)


class NoAlarmToDecide(Conflict, LookupError):
    """The incident has no video analytics alarm to decide (or not the one named)."""


class PictureNotAllowed(Forbidden, PermissionError):
    """The person deciding may not see an alert's picture."""


class AnalyticsAlarmView(BaseModel):
    """What a console shows of one analytics alarm beside the operator's decision."""

    alarm_id: int
    event_id: str = Field(description="Names the event's snapshot (/api/analytics/events/...).")
    camera_id: str
    kind: str
    rule: str
    occurred_at: datetime
    box: tuple[float, float, float, float] = Field(
        description="The track's box, normalised [x1, y1, x2, y2] of the frame."
    )
    track: str | None
    snapshot: bool = Field(description="Whether a masked snapshot was taken (it may be purged).")


def analytics_views(alarms: Iterable[AlarmRow]) -> list[AnalyticsAlarmView]:
    """The analytics alarms among `alarms` (raised by csu itself), read back from their data."""
    views = []
    for row in alarms:
        if row.source != ANALYTICS_SOURCE or not row.external_id.startswith(EXTERNAL_PREFIX):
            continue
        data = json.loads(row.data)
        try:
            views.append(
                AnalyticsAlarmView(
                    alarm_id=row.id,
                    event_id=row.external_id.rsplit(":", 1)[1],
                    camera_id=row.camera_id,
                    kind=row.type.removeprefix("video.analytics."),
                    rule=data.get("rule"),
                    occurred_at=row.occurred_at,
                    box=data.get("box"),
                    track=data.get("track"),
                    snapshot=data.get("snapshot") is not None,
                )
            )
        except ValidationError as exc:  # a row csu did not write this way: shown without picture
            log.warning("analytics alarm %s unreadable: %s", row.id, exc)
    return views


def analytics_alarms(session: Session, incident_id: int) -> list[AlarmRow]:
    """The video analytics alarms on an incident, oldest first."""
    query = (
        sa.select(ALARMS)
        .where(ALARMS.c.incident_id == incident_id, ALARMS.c.type.like(ANALYTICS_TYPES))
        .order_by(ALARMS.c.id)
    )
    return read_alarms(session.connection(), query)


def decide(
    session: Session,
    incident: IncidentSummary,
    *,
    confirmed: bool,
    user: str,
    alarm_id: int | None,
    text: str | None,
    now: datetime,
    may_see: Callable[[str], bool] = lambda _camera_id: True,
    language: Language = "fr",
) -> list[AlarmRow]:
    """Record an operator's decision on one analytics alarm, or on all of the incident's.

    The person deciding must be allowed to see each alert's picture (`may_see` a camera):
    PermissionError names the first camera they may not see.
    """
    alarms = analytics_alarms(session, incident.id)
    if alarm_id is not None:
        alarms = [a for a in alarms if a.id == alarm_id]
        if not alarms:
            raise NoAlarmToDecide(
                f"alarm {alarm_id} is not a video analytics alarm of this incident",
                key="errors.decision.not_analytics",
                alarm=alarm_id,
            )
    if not alarms:
        raise NoAlarmToDecide(
            f"incident {incident.id} has no video analytics alarm to decide",
            key="errors.decision.none",
            incident=incident.id,
        )
    for alarm in alarms:
        if alarm.camera_id is not None and not may_see(alarm.camera_id):
            raise PictureNotAllowed(
                f"no snapshot right on camera '{alarm.camera_id}': a decision on alarm"
                f" {alarm.id} needs its picture",
                key="errors.decision.picture",
                camera=alarm.camera_id,
                alarm=alarm.id,
            )
    timeline.log_analytics_decision(
        session,
        incident_id=incident.id,
        at=now,
        user=user,
        confirmed=confirmed,
        alarms=[(a.id or 0, a.type) for a in alarms],
        text=text,
        language=language,
    )
    return alarms


def decision_counts(session: Session) -> dict[str, dict[str, int]]:
    """Per alarm type: analytics alarms raised, confirmed and dismissed (last decision counts)."""
    raised = session.exec(
        select(StoredAlarm.type, sa.func.count())
        .where(col(StoredAlarm.type).like(ANALYTICS_TYPES))
        .where(col(StoredAlarm.exercise_id).is_(None))  # the real watch's statistics only
        .group_by(StoredAlarm.type)
    )
    counts: dict[str, dict[str, int]] = defaultdict(
        lambda: {"raised": 0, "confirmed": 0, "dismissed": 0}
    )
    for alarm_type, count in raised:
        counts[alarm_type]["raised"] = int(count)
    entries = session.exec(
        select(TimelineEntry)
        .join(Incident, col(Incident.id) == col(TimelineEntry.incident_id))
        .where(TimelineEntry.kind == TimelineKind.ANALYTICS_DECISION.value)
        .where(col(Incident.exercise_id).is_(None))
        .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
    )
    last: dict[int, tuple[str, str]] = {}
    for entry in entries:
        data = json.loads(entry.data)
        for alarm in data.get("alarms", []):
            last[int(alarm["id"])] = (str(alarm["type"]), str(data["decision"]))
    for alarm_type, decision in last.values():
        counts[alarm_type][decision] += 1
    return dict(sorted(counts.items()))
