"""The crisis package's public face: crises (open, log, close, report; escalations open one) and
the video walls' service."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlmodel import Session

from crisis import crises, report, report_data
from crisis.cases import CaseAsk, CaseIncidentUnknown, CaseInvalid, make_case
from crisis.events import CrisisChanged, CrisisSummary
from crisis.exercises import (
    Exercises,
    ExerciseSummary,
    end_exercise,
    list_exercises,
    log_exercise,
    may_run,
    running_exercises,
    start_exercise,
)
from crisis.layouts import MAX_SIDE, Layout, Tile, TileKind
from crisis.models import Crisis, CrisisLogEntry, CrisisLogKind, CrisisStatus
from crisis.templates import template_names
from crisis.wall_state import WallFeed, WallState
from crisis.walls import WallService
from csu.bus import EventBus
from csu.config import SiteConfig
from csu.db import Database
from csu.errors import Conflict, NotFound
from csu.events import Context, current_context
from csu.i18n import SiteClock, Translator
from incidents.events import IncidentEscalated
from incidents.models import Incident

# The package's face: the crisis and wall services, cases (several spans and an incident's
# documents in one signed export), and what callers outside the package use with them (defined
# where they belong): a log line's kind, walls' layouts and their states.
__all__ = [
    "MAX_SIDE",
    "CaseAsk",
    "CaseIncidentUnknown",
    "CaseInvalid",
    "CrisisDetail",
    "CrisisLogKind",
    "CrisisService",
    "ExerciseSummary",
    "Exercises",
    "Layout",
    "Tile",
    "TileKind",
    "WallFeed",
    "WallService",
    "WallState",
    "crisis_detail",
    "current",
    "end_exercise",
    "list_all",
    "list_exercises",
    "log_exercise",
    "make_case",
    "may_run",
    "running_exercises",
    "start_exercise",
    "template_names",
]

# A change to make in one transaction: returns the crisis and how it changed.
Work = Callable[[Session, datetime], tuple[Crisis, str]]


class CrisisError(Conflict, ValueError):
    """A crisis request that cannot be honoured; the message says why."""


class CrisisNotFound(NotFound, LookupError):
    """No crisis with that id."""


class CrisisClosed(CrisisError):
    """The crisis is closed: its record is final."""


class UnknownIncident(NotFound, LookupError):
    """The crisis names an incident that does not exist."""


class OtherWatch(CrisisError):
    """An exercise's incident never joins a real crisis, nor a real one an exercise's crisis."""


class CrisisAlreadyOpen(CrisisError):
    """Another crisis is open (one crisis cell, one crisis at a time)."""


@dataclass(frozen=True)
class CrisisDetail:
    """A crisis with its log."""

    crisis: CrisisSummary
    log: list[CrisisLogEntry]


class CrisisService:
    """Writes crises and their log off the event loop, one change at a time, and announces them."""

    def __init__(self, db: Database, bus: EventBus, site: SiteConfig) -> None:
        self._db = db
        self._bus = bus
        self._site = site
        # The log lines csu writes itself are in the site's language, written once and kept.
        self._t = Translator(site.site.language)
        self._lock = asyncio.Lock()
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        """Follow escalations."""
        self._unsubscribe = self._bus.subscribe(
            IncidentEscalated, self._on_escalated, name="crisis.escalations"
        )

    async def stop(self) -> None:
        """Stop following escalations."""
        if self._unsubscribe is not None:
            self._unsubscribe()

    async def open(
        self,
        *,
        title: str,
        by: str,
        incidents: list[int] | None = None,
        participants: list[str] | None = None,
    ) -> CrisisSummary:
        """Open a crisis by hand; CrisisAlreadyOpen when one is open."""

        def work(session: Session, now: datetime) -> tuple[Crisis, str]:
            if crises.current_crisis(session) is not None:
                raise CrisisAlreadyOpen(
                    "a crisis is already open; close it first", key="errors.crisis.already_open"
                )
            _check_incidents(session, incidents or [])
            crisis = crises.create(
                session,
                title=title,
                by=by,
                at=now,
                incidents=incidents or [],
                people=participants or [],
                text=self._t("report.log.opened", title=title),
            )
            return crisis, "opened"

        return await self._change(work, by)

    async def write(
        self,
        crisis_id: int,
        *,
        by: str,
        kind: CrisisLogKind,
        text: str,
        incident_id: int | None = None,
    ) -> CrisisSummary:
        """Log a decision or an action of the crisis cell, about an incident if named (attached
        to the crisis first when it was not)."""

        def work(session: Session, now: datetime) -> tuple[Crisis, str]:
            crisis = _open_crisis(session, crisis_id)
            if incident_id is not None:
                _attach(session, crisis, incident_id, by=by, at=now, t=self._t)
            crises.write(
                session, crisis, at=now, author=by, kind=kind, text=text, incident_id=incident_id
            )
            return crisis, "log"

        return await self._change(work, by)

    async def join(self, crisis_id: int, *, username: str, by: str) -> CrisisSummary:
        """Add a participant."""

        def work(session: Session, now: datetime) -> tuple[Crisis, str]:
            crisis = _open_crisis(session, crisis_id)
            if crises.add_participant(session, crisis, username):
                text = self._t("report.log.joins", user=username)
                crises.write(
                    session, crisis, at=now, author=None, kind=CrisisLogKind.EVENT, text=text
                )
            return crisis, "participant"

        return await self._change(work, by)

    async def link(self, crisis_id: int, *, incident_id: int, by: str) -> CrisisSummary:
        """Attach an incident to the crisis."""

        def work(session: Session, now: datetime) -> tuple[Crisis, str]:
            crisis = _open_crisis(session, crisis_id)
            _attach(session, crisis, incident_id, by=by, at=now, t=self._t)
            return crisis, "incident"

        return await self._change(work, by)

    async def close(self, crisis_id: int, *, by: str, text: str | None = None) -> CrisisSummary:
        """Close the crisis and freeze its report."""

        def work(session: Session, now: datetime) -> tuple[Crisis, str]:
            crisis = _open_crisis(session, crisis_id)
            line = (
                self._t("report.log.closed_with", summary=text)
                if text
                else self._t("report.log.closed")
            )
            crises.write(session, crisis, at=now, author=by, kind=CrisisLogKind.EVENT, text=line)
            crises.close(session, crisis, by=by, at=now)
            session.flush()
            crisis.report = self._render(session, crisis, now)
            session.add(crisis)
            return crisis, "closed"

        return await self._change(work, by)

    def report(self, session: Session, crisis_id: int) -> str:
        """The printable report: frozen at closing, a draft while the crisis is open."""
        crisis = session.get(Crisis, crisis_id)
        if crisis is None:
            raise CrisisNotFound(
                f"no crisis {crisis_id}", key="errors.crisis.unknown", crisis=crisis_id
            )
        return crisis.report or self._render(session, crisis, datetime.now(UTC))

    def _render(self, session: Session, crisis: Crisis, now: datetime) -> str:
        site = self._site.site
        data = report_data.gather(session, crisis, now=now, language=site.language)
        names = {c.id: c.name for c in self._site.cameras}
        clock = SiteClock(site.language, site.timezone)
        return report.render(data, site=site.name, clock=clock, camera_names=names)

    async def _on_escalated(self, event: IncidentEscalated) -> None:
        incident = event.incident
        said = {"id": incident.id, "user": event.by, "text": event.text}
        note = self._t(
            "report.log.escalated_with" if event.text else "report.log.escalated", **said
        )

        def work(session: Session, now: datetime) -> tuple[Crisis, str]:
            # An exercise's incident goes to that exercise's crisis cell, never the real one.
            crisis = crises.current_crisis(session, incident.exercise_id)
            change = "incident"
            if crisis is None:
                opened = self._t("report.log.opened", title=incident.title)
                crisis = crises.create(
                    session,
                    title=incident.title,
                    by=event.by,
                    at=now,
                    incidents=[],
                    people=[],
                    text=opened,
                    exercise_id=incident.exercise_id,
                )
                change = "opened"
            crises.link_incident(session, crisis, incident.id)
            crises.write(
                session,
                crisis,
                at=now,
                author=event.by,
                kind=CrisisLogKind.ACTION,
                text=note,
                incident_id=incident.id,
            )
            return crisis, change

        await self._change(work, event.by)

    async def _change(self, work: Work, by: str) -> CrisisSummary:
        async with self._lock:
            crisis, change = await asyncio.to_thread(self._run, work)
        # Inside a bus handler (an escalation) the change is a child of its cause.
        cause = current_context.get()
        context = cause.child(user=by) if cause else Context.new(user=by)
        self._bus.publish(CrisisChanged(crisis=crisis, change=change, context=context))
        return crisis

    def _run(self, work: Work) -> tuple[CrisisSummary, str]:
        with self._db.session() as session:
            crisis, change = work(session, datetime.now(UTC))
            session.flush()
            return crises.summary(crisis), change


def _open_crisis(session: Session, crisis_id: int) -> Crisis:
    crisis = session.get(Crisis, crisis_id)
    if crisis is None:
        raise CrisisNotFound(
            f"no crisis {crisis_id}", key="errors.crisis.unknown", crisis=crisis_id
        )
    if crisis.status != CrisisStatus.OPEN.value:
        raise CrisisClosed(
            f"crisis {crisis_id} is closed", key="errors.crisis.closed", crisis=crisis_id
        )
    return crisis


def _attach(
    session: Session, crisis: Crisis, incident_id: int, *, by: str, at: datetime, t: Translator
) -> None:
    _check_incidents(session, [incident_id], crisis.exercise_id)
    if crises.link_incident(session, crisis, incident_id):
        text = t("report.log.attached", id=incident_id)
        crises.write(
            session,
            crisis,
            at=at,
            author=by,
            kind=CrisisLogKind.EVENT,
            text=text,
            incident_id=incident_id,
        )


def _check_incidents(
    session: Session, incident_ids: list[int], exercise_id: int | None = None
) -> None:
    # A crisis takes the incidents of its own watch: the real one's, or one exercise's.
    for incident_id in incident_ids:
        incident = session.get(Incident, incident_id)
        if incident is None:
            raise UnknownIncident(
                f"no incident {incident_id}", key="errors.incidents.unknown", incident=incident_id
            )
        if incident.exercise_id != exercise_id:
            raise OtherWatch(
                f"incident {incident_id} is not of this crisis's watch (real or exercise)",
                key="exercises.other_watch",
                incident=incident_id,
            )


def crisis_detail(session: Session, crisis_id: int) -> CrisisDetail:
    """A crisis with its log; CrisisNotFound if none."""
    crisis = session.get(Crisis, crisis_id)
    if crisis is None:
        raise CrisisNotFound(
            f"no crisis {crisis_id}", key="errors.crisis.unknown", crisis=crisis_id
        )
    return CrisisDetail(crises.summary(crisis), crises.log_entries(session, crisis_id))


def current(session: Session) -> CrisisSummary | None:
    """The open crisis, if any."""
    crisis = crises.current_crisis(session)
    return crises.summary(crisis) if crisis else None


def list_all(session: Session) -> list[CrisisSummary]:
    """Crises, newest first."""
    return [crises.summary(c) for c in crises.list_crises(session)]
