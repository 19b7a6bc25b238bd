"""What a crisis report says: the crisis, its incidents, the walls' cameras, the access log."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from crisis.crises import log_entries, summary
from crisis.events import CrisisSummary
from crisis.models import Crisis, CrisisLogKind, WallRevision
from csu.i18n import Language, Translator
from incidents.events import IncidentSummary
from incidents.models import TimelineEntry
from incidents.service import AlarmFacts, AlarmRef, alarm_refs, incident_detail, timeline_facts
from privacy.access_log import AccessLogEntry, Outcome
from privacy.policy import Action


@dataclass(frozen=True)
class Line:
    """One dated line of the report's timeline."""

    at: datetime
    source: str  # "crise", "crise, incident 12" or "incident 12", in the report's language
    kind: str
    author: str | None
    text: str
    alarms: AlarmFacts | None = None  # what an alarm line says, for grouping repeated ones


@dataclass(frozen=True)
class Viewer:
    """Someone who watched a camera live during the crisis."""

    user: str
    role: str | None
    first: datetime
    views: int


@dataclass(frozen=True)
class CameraShown:
    """A camera that a wall showed during the crisis, and who watched it live meanwhile."""

    camera_id: str
    walls: tuple[str, ...]
    first_shown: datetime
    viewers: tuple[Viewer, ...]


@dataclass(frozen=True)
class ReportData:
    """Everything the report prints."""

    crisis: CrisisSummary
    generated_at: datetime
    timeline: tuple[Line, ...]
    incidents: tuple[IncidentSummary, ...]
    cameras: tuple[CameraShown, ...]

    @property
    def decisions(self) -> list[Line]:
        """The decisions, oldest first."""
        return [line for line in self.timeline if line.kind == CrisisLogKind.DECISION.value]


def gather(
    session: Session, crisis: Crisis, *, now: datetime, language: Language = "fr"
) -> ReportData:
    """Read the crisis's story, incidents, wall cameras and live viewers (until now if open),
    each line's source named in `language`."""
    t = Translator(language)
    assert crisis.id is not None
    start = crisis.opened_at
    end = crisis.closed_at or now
    lines = [
        Line(e.at, _source(t, e.incident_id), e.kind, e.author, e.text)
        for e in log_entries(session, crisis.id)
    ]
    incidents = []
    for incident_id in json.loads(crisis.incidents):
        detail = incident_detail(session, incident_id)
        if detail is None:
            continue
        incidents.append(detail.incident)
        source = t("report.source.incident", id=incident_id)
        refs = alarm_refs(detail.alarms)
        lines += [
            Line(t.at, source, t.kind, t.author, t.text, _facts(t, refs, incident_id))
            for t in detail.timeline
        ]
    shown = cameras_shown(session, start, end)
    viewers = live_viewers(session, set(shown), start, end)
    cameras = tuple(
        CameraShown(camera, tuple(sorted(walls)), first, tuple(viewers.get(camera, ())))
        for camera, (first, walls) in sorted(shown.items())
    )
    return ReportData(
        crisis=summary(crisis),
        generated_at=now,
        timeline=tuple(sorted(lines, key=lambda line: line.at)),
        incidents=tuple(incidents),
        cameras=cameras,
    )


def _source(t: Translator, incident_id: int | None) -> str:
    # A decision about an incident says so in the report's source column.
    if incident_id is None:
        return t("report.source.crisis")
    return t("report.source.crisis_incident", id=incident_id)


def _facts(entry: TimelineEntry, refs: dict[int, AlarmRef], incident_id: int) -> AlarmFacts | None:
    return timeline_facts(entry.kind, entry.at, json.loads(entry.data), refs, incident_id)


def cameras_shown(
    session: Session, start: datetime, end: datetime
) -> dict[str, tuple[datetime, set[str]]]:
    """Camera -> (first time shown, walls) over the period, counting what was up at its start."""
    during = session.exec(
        select(WallRevision)
        .where(col(WallRevision.at) >= start, col(WallRevision.at) <= end)
        .order_by(col(WallRevision.at))
    )
    revisions = [*_in_force_at(session, start), *during]
    shown: dict[str, tuple[datetime, set[str]]] = {}
    for revision in revisions:
        moment = max(revision.at, start)
        for camera in json.loads(revision.cameras):
            first, walls = shown.get(camera, (moment, set()))
            shown[camera] = (min(first, moment), walls | {revision.wall_id})
    return shown


def _in_force_at(session: Session, moment: datetime) -> Iterable[WallRevision]:
    walls = session.exec(select(WallRevision.wall_id).distinct())
    for wall_id in walls:
        latest = session.exec(
            select(WallRevision)
            .where(WallRevision.wall_id == wall_id, col(WallRevision.at) < moment)
            .order_by(col(WallRevision.at).desc(), col(WallRevision.id).desc())
        ).first()
        if latest is not None:
            yield latest


def live_viewers(
    session: Session, cameras: set[str], start: datetime, end: datetime
) -> dict[str, list[Viewer]]:
    """Camera -> who opened a live view of it in the period (from the access log)."""
    if not cameras:
        return {}
    rows = session.exec(
        select(AccessLogEntry)
        .where(
            col(AccessLogEntry.action) == Action.LIVE_VIEW.value,
            col(AccessLogEntry.outcome) == Outcome.GRANTED.value,
            col(AccessLogEntry.camera_id).in_(sorted(cameras)),
            col(AccessLogEntry.at) >= start,
            col(AccessLogEntry.at) <= end,
        )
        .order_by(col(AccessLogEntry.seq))
    )
    seen: dict[tuple[str, str], Viewer] = {}
    for row in rows:
        key = (row.camera_id or "", row.user or "?")
        old = seen.get(key)
        views = old.views + 1 if old else 1
        first = old.first if old else row.at
        seen[key] = Viewer(key[1], row.role, first, views)
    result: dict[str, list[Viewer]] = {}
    for (camera, _user), viewer in seen.items():
        result.setdefault(camera, []).append(viewer)
    return result
