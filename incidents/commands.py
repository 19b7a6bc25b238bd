"""Operators' actions on an incident: acknowledge, note, assign, status, escalate, checklist,
and the confirm or dismiss decision on video analytics alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session

from csu.errors import Conflict, Forbidden, NotFound, term
from csu.i18n import Language
from incidents import timeline
from incidents.analytics_decisions import NoAlarmToDecide, PictureNotAllowed, decide
from incidents.correlation import Correlator
from incidents.events import IncidentSummary
from incidents.incident_rows import load_incident, save_incident
from incidents.lifecycle import check_transition
from incidents.models import OPEN_STATUSES, IncidentStatus
from incidents.visibility import incident_visible
from privacy.policy import EVERY_CAMERA, CameraScope


class ActionName(StrEnum):
    """What an operator can do to an incident."""

    ACKNOWLEDGE = "acknowledge"
    NOTE = "note"
    ASSIGN = "assign"
    STATUS = "status"
    ESCALATE = "escalate"
    STEP = "step"
    CONFIRM = "confirm"
    DISMISS = "dismiss"


@dataclass(frozen=True)
class IncidentCommand:
    """One action, with who asked for it."""

    incident_id: int
    action: ActionName
    user: str
    text: str | None = None
    assignee: str | None = None
    status: IncidentStatus | None = None
    step: int | None = None
    done: bool = True
    alarm_id: int | None = None  # confirm/dismiss one analytics alarm (default: all of them)
    # The cameras that may appear to the user (an incident on none of them is not theirs), and
    # those whose pictures they may see (a decision on an analytics alert needs its picture).
    seen: CameraScope = EVERY_CAMERA
    pictures: CameraScope = EVERY_CAMERA


class IncidentNotFound(NotFound, LookupError):
    """No incident with that id."""


class CommandError(Conflict, ValueError):
    """The action cannot apply; the message says why."""


class CommandForbidden(Forbidden, PermissionError):
    """The user may not take this action on what it concerns; the message says why."""


def apply_command(
    session: Session,
    correlator: Correlator,
    cmd: IncidentCommand,
    now: datetime,
    language: Language = "fr",
) -> IncidentSummary:
    """Carry out the action and write its timeline entry, csu's own words in the site's
    `language`; returns the changed incident."""
    incident = load_incident(session.connection(), cmd.incident_id)
    if incident is None or not incident_visible(cmd.seen, incident.cameras):
        raise IncidentNotFound(
            f"no incident {cmd.incident_id}",
            key="errors.incidents.unknown",
            incident=cmd.incident_id,
        )
    handler = _HANDLERS[cmd.action]
    handler(session, incident, cmd, now, language)
    incident.updated_at = now
    save_incident(session.connection(), incident)
    if incident.status not in OPEN_STATUSES:
        correlator.closed(cmd.incident_id)
    return incident


def _set_status(
    session: Session,
    incident: IncidentSummary,
    new: IncidentStatus,
    user: str,
    now: datetime,
    language: Language,
) -> None:
    old = IncidentStatus(incident.status)
    if old is new:
        return
    try:
        check_transition(old, new)
    except ValueError as exc:
        raise CommandError(
            str(exc),
            key="errors.incidents.transition",
            old=term(f"console.status.{old.value}"),
            new=term(f"console.status.{new.value}"),
        ) from None
    incident.status = new.value
    if new is IncidentStatus.CLOSED:
        incident.closed_at = now
    timeline.log_status_change(
        session,
        incident_id=incident.id,
        at=now,
        user=user,
        old=old.value,
        new=new.value,
        language=language,
    )


def _acknowledge(
    session: Session,
    incident: IncidentSummary,
    cmd: IncidentCommand,
    now: datetime,
    language: Language,
) -> None:
    if incident.status != IncidentStatus.NEW.value:
        raise CommandError(
            f"incident {cmd.incident_id} is {incident.status}, not new",
            key="errors.incidents.not_new",
            incident=cmd.incident_id,
            status=term(f"console.status.{incident.status}"),
        )
    _set_status(session, incident, IncidentStatus.ACKNOWLEDGED, cmd.user, now, language)
    timeline.log_acknowledged(
        session, incident_id=cmd.incident_id, at=now, user=cmd.user, language=language
    )


def _note(
    session: Session,
    incident: IncidentSummary,
    cmd: IncidentCommand,
    now: datetime,
    language: Language,
) -> None:
    if not cmd.text or not cmd.text.strip():
        raise CommandError("text: a note needs text", key="errors.incidents.note_text")
    timeline.log_note(
        session, incident_id=cmd.incident_id, at=now, user=cmd.user, text=cmd.text.strip()
    )


def _assign(
    session: Session,
    incident: IncidentSummary,
    cmd: IncidentCommand,
    now: datetime,
    language: Language,
) -> None:
    if not cmd.assignee:
        raise CommandError("assignee: required to assign", key="errors.incidents.assignee")
    incident.assignee = cmd.assignee
    timeline.log_assigned(
        session,
        incident_id=cmd.incident_id,
        at=now,
        user=cmd.user,
        assignee=cmd.assignee,
        language=language,
    )


def _status(
    session: Session,
    incident: IncidentSummary,
    cmd: IncidentCommand,
    now: datetime,
    language: Language,
) -> None:
    if cmd.status is None:
        raise CommandError(
            "status: required, one of " + ", ".join(s.value for s in IncidentStatus),
            key="errors.incidents.status_required",
        )
    _set_status(session, incident, cmd.status, cmd.user, now, language)


def _escalate(
    session: Session,
    incident: IncidentSummary,
    cmd: IncidentCommand,
    now: datetime,
    language: Language,
) -> None:
    if incident.status == IncidentStatus.CLOSED.value:
        raise CommandError(
            f"incident {cmd.incident_id} is closed",
            key="errors.incidents.closed",
            incident=cmd.incident_id,
        )
    incident.escalated = True
    timeline.log_escalated(
        session,
        incident_id=cmd.incident_id,
        at=now,
        user=cmd.user,
        text=cmd.text,
        language=language,
    )


def _step(
    session: Session,
    incident: IncidentSummary,
    cmd: IncidentCommand,
    now: datetime,
    language: Language,
) -> None:
    steps = incident.procedure
    if cmd.step is None or not 0 <= cmd.step < len(steps):
        raise CommandError(
            f"step: must be 0..{len(steps) - 1}", key="errors.incidents.step", last=len(steps) - 1
        )
    step = steps[cmd.step]
    step.done, step.by = cmd.done, cmd.user if cmd.done else None
    step.at = now.isoformat() if cmd.done else None
    timeline.log_procedure_step(
        session,
        incident_id=cmd.incident_id,
        at=now,
        user=cmd.user,
        step=cmd.step,
        text=step.text,
        done=cmd.done,
        language=language,
    )


def _decide(
    session: Session,
    incident: IncidentSummary,
    cmd: IncidentCommand,
    now: datetime,
    language: Language,
) -> None:
    try:
        decide(
            session,
            incident,
            confirmed=cmd.action is ActionName.CONFIRM,
            user=cmd.user,
            alarm_id=cmd.alarm_id,
            text=cmd.text.strip() if cmd.text and cmd.text.strip() else None,
            now=now,
            may_see=cmd.pictures.allows,
            language=language,
        )
    except (NoAlarmToDecide, PictureNotAllowed) as exc:
        # The same refusal under the command's kinds (the relay carries those across nodes).
        kind = CommandError if isinstance(exc, NoAlarmToDecide) else CommandForbidden
        raise kind(str(exc), key=exc.key, **exc.params) from None


_HANDLERS = {
    ActionName.ACKNOWLEDGE: _acknowledge,
    ActionName.NOTE: _note,
    ActionName.ASSIGN: _assign,
    ActionName.STATUS: _status,
    ActionName.ESCALATE: _escalate,
    ActionName.STEP: _step,
    ActionName.CONFIRM: _decide,
    ActionName.DISMISS: _decide,
}
