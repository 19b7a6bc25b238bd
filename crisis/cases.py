"""Cases: several camera spans and an incident's documents made into one signed export.

The composition lives here, above incidents and video: it reads the incident (its covering
cameras, its timeline and the operators' notes) and the crisis log, then hands the export
service typed documents; video never reads incidents or crises.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from crisis import crises
from crisis.models import Crisis, CrisisLogEntry
from csu.config import SiteConfig
from csu.errors import Malformed, NotFound
from csu.i18n import SiteClock, Translator
from incidents.service import IncidentSummary, TimelineItem, incident_detail, incident_view
from privacy.policy import Action
from privacy.rights import Viewer
from video.evidence.service import (
    CaseCrisis,
    CaseDocuments,
    CaseIncident,
    CaseLine,
    ExportJob,
    ExportService,
    Purpose,
    Span,
    case_request,
)

NOTE = "note"  # incidents' TimelineKind.NOTE: what an operator wrote


class CaseInvalid(Malformed):
    """A case that cannot be made as asked; the message says why."""


class CaseIncidentUnknown(NotFound, LookupError):
    """The case names an incident that does not exist."""


@dataclass(frozen=True)
class CaseAsk:
    """What a case is asked with: spans, or an incident's covering cameras over its time."""

    reason: str
    incident_id: int | None = None
    spans: tuple[Span, ...] = ()
    covering: bool = False
    start: datetime | None = None  # the covering cameras' span, when not the incident's own
    end: datetime | None = None
    requisition: str | None = None
    recipient: str | None = None
    purpose: Purpose = Purpose.JUDICIAL


def make_case(
    session: Session,
    exports: ExportService,
    site: SiteConfig,
    ask: CaseAsk,
    *,
    viewer: Viewer,
    client: str | None,
) -> ExportJob:
    """Compose the case's documents and ask the export service for it (each camera checked
    and each span logged before any work, as an export's)."""
    incident = _incident(session, ask.incident_id)
    spans = list(ask.spans) + (_covering(incident, ask) if ask.covering else [])
    if not spans:
        raise CaseInvalid(
            "spans: give at least one camera span, or an incident and covering",
            key="errors.case.no_span",
        )
    clock = SiteClock(site.site.language, site.site.timezone)
    documents = compose(session, incident, spans, viewer=viewer, clock=clock)
    request = case_request(
        spans,
        user=viewer.username,
        reason=ask.reason.strip(),
        requisition=ask.requisition,
        recipient=ask.recipient,
        purpose=ask.purpose,
        incident_id=incident.id if incident else None,
    )
    return exports.ask(request, viewer=viewer, client=client, documents=documents)


def _incident(session: Session, incident_id: int | None) -> IncidentSummary | None:
    if incident_id is None:
        return None
    detail = incident_detail(session, incident_id)
    if detail is None:
        raise CaseIncidentUnknown(
            f"no incident {incident_id}", key="errors.incidents.unknown", incident=incident_id
        )
    return detail.incident


def _covering(incident: IncidentSummary | None, ask: CaseAsk) -> list[Span]:
    """The incident's covering cameras, nearest first, over the asked span or its own."""
    if incident is None:
        raise CaseInvalid(
            "covering: name the incident whose covering cameras to take",
            key="errors.case.covering_needs_incident",
        )
    if not incident.cameras:
        raise CaseInvalid(
            f"covering: incident {incident.id} has no covering camera",
            key="errors.case.no_covering",
            incident=incident.id,
        )
    start = ask.start or incident.opened_at
    end = ask.end or incident.closed_at or datetime.now(UTC)
    return [Span(camera, start, end) for camera in incident.cameras]


def compose(
    session: Session,
    incident: IncidentSummary | None,
    spans: list[Span],
    *,
    viewer: Viewer,
    clock: SiteClock,
) -> CaseDocuments:
    """The case's documents: the incident's timeline and notes as far as they concern the
    cameras the user may export, and the excerpt of the crisis log over the case's time."""
    t = Translator(clock.language)
    start, end = min(s.start for s in spans), max(s.end for s in spans)
    items = _timeline(session, incident, viewer)
    crisis = _crisis_of(session, incident, start, end)
    log = _excerpt(session, crisis, incident, start, end) if crisis else []
    if incident is not None:
        title = t("cases.title_incident", id=incident.id, title=incident.title)
    else:
        title = t("cases.title_spans", at=clock.datetime(start))
    source = f"incident {incident.id}" if incident else ""
    timeline = tuple(_line(i, source, _word(t, f"logbook.kind.{i.kind}", i.kind)) for i in items)
    return CaseDocuments(
        title=title,
        clock=clock,
        incident=_case_incident(incident),
        timeline=timeline,
        notes=tuple(line for line in timeline if line.kind == NOTE),
        crisis=CaseCrisis(crisis.id, crisis.title) if crisis and crisis.id else None,
        crisis_log=tuple(_log_line(e, _word(t, f"crisis.kind.{e.kind}", e.kind)) for e in log),
    )


def _timeline(
    session: Session, incident: IncidentSummary | None, viewer: Viewer
) -> list[TimelineItem]:
    if incident is None:
        return []
    # Read within the export right's cameras: a case tells nothing of a camera its maker
    # may not export.
    seen = viewer.scope(Action.EXPORT)
    try:
        return list(incident_view(session, incident.id, seen=seen, view="all").timeline)
    except NotFound:  # none of its cameras exportable: the export service refuses, logged
        return []


def _word(t: Translator, key: str, fallback: str) -> str:
    """The catalogue's word, or the value itself when csu has none for it."""
    text = t(key)
    return fallback if text == key else text


def _line(item: TimelineItem, source: str, label: str) -> CaseLine:
    return CaseLine(item.at, item.kind, item.author, item.text, source, label)


def _log_line(entry: CrisisLogEntry, label: str) -> CaseLine:
    source = f"incident {entry.incident_id}" if entry.incident_id else ""
    return CaseLine(entry.at, entry.kind, entry.author, entry.text, source, label)


def _case_incident(incident: IncidentSummary | None) -> CaseIncident | None:
    if incident is None:
        return None
    return CaseIncident(
        id=incident.id,
        title=incident.title,
        type=incident.type,
        severity=incident.severity,
        status=incident.status,
        opened_at=incident.opened_at,
        closed_at=incident.closed_at,
        lon=incident.lon,
        lat=incident.lat,
    )


def _crisis_of(
    session: Session, incident: IncidentSummary | None, start: datetime, end: datetime
) -> Crisis | None:
    """The newest crisis the incident belongs to, or, without an incident, the newest one
    open at some moment of the case's time."""
    for crisis in crises.list_crises(session):
        if incident is not None:
            if incident.id in json.loads(crisis.incidents):
                return crisis
        elif crisis.opened_at < end and (crisis.closed_at is None or crisis.closed_at > start):
            return crisis
    return None


def _excerpt(
    session: Session,
    crisis: Crisis,
    incident: IncidentSummary | None,
    start: datetime,
    end: datetime,
) -> list[CrisisLogEntry]:
    """The crisis log's lines over the case's time, and every line about its incident."""
    assert crisis.id is not None
    about = incident.id if incident else None
    return [
        e
        for e in crises.log_entries(session, crisis.id)
        if start <= e.at < end or (about is not None and e.incident_id == about)
    ]
