"""The only writer of incident timelines: one function per kind of entry.

What csu itself says in an entry ("acquitté par …", "la caméra … voit le lieu") is worded in the
site's language when written and kept as written, like an incident's title: every reader (pages,
the wall, the search, the log book, the crisis report) shows the same words. `data` keeps the
facts (who, which camera, which step) for those who need more than the words."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col, select

from csu.i18n import Language, Translator
from incidents.alarms.catalogue import type_label
from incidents.models import TimelineEntry, TimelineKind

_TABLE = TimelineEntry.__table__  # type: ignore[attr-defined]
_INSERT = sa.insert(_TABLE)
MAX_NAMED = 2000  # alarms a burst's entry names (the engine's batches are smaller)


class TimelineBatch:
    """Entries of one engine batch, written in one statement by `write`.

    A storm writes thousands of entries; ORM objects would cost more than the alarms themselves.
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, entry: dict[str, Any]) -> None:
        """Keep an entry (the table's columns but `id`) for `write`."""
        self.rows.append(entry)

    def write(self, conn: Connection) -> None:
        """Insert what was kept, then forget it."""
        if self.rows:
            conn.execute(_INSERT, self.rows)
        self.rows = []


Writer = Session | TimelineBatch


def _add(
    session: Writer,
    incident_id: int,
    kind: TimelineKind,
    at: datetime,
    text: str,
    *,
    author: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    entry: dict[str, Any] = {
        "incident_id": incident_id,
        "at": at,
        "kind": kind.value,
        "author": author,
        "text": text,
        "data": json.dumps(data or {}, sort_keys=True, default=str),
    }
    if isinstance(session, TimelineBatch):
        session.add(entry)
    else:
        session.add(TimelineEntry(**entry))


def log_alarm_received(
    session: Writer, *, incident_id: int, at: datetime, alarm_id: int, summary: str, why: str
) -> None:
    """An alarm joined or opened the incident, and why."""
    _add(
        session,
        incident_id,
        TimelineKind.ALARM_RECEIVED,
        at,
        summary,
        data={"alarm_id": alarm_id, "why": why},
    )


def log_alarms_grouped(
    session: Writer, *, incident_id: int, at: datetime, alarm_ids: Sequence[int], summary: str
) -> None:
    """Many alarms at once (a burst): one entry that counts them, so the story stays readable.

    It names them all (a batch holds at most a few hundred), so a grouped line expands to every
    alarm it counts; entries written before named their first 50 only."""
    _add(
        session,
        incident_id,
        TimelineKind.ALARM_RECEIVED,
        at,
        summary,
        data={"alarm_ids": list(alarm_ids)[:MAX_NAMED], "count": len(alarm_ids)},
    )


def log_alarm_updated(
    session: Writer, *, incident_id: int, at: datetime, alarm_id: int, summary: str
) -> None:
    """The sender re-sent or changed an alarm already on the incident."""
    _add(session, incident_id, TimelineKind.ALARM_UPDATED, at, summary, data={"alarm_id": alarm_id})


def log_video_event(
    session: Writer,
    *,
    incident_id: int,
    at: datetime,
    camera_id: str,
    summary: str,
    data: dict[str, Any] | None = None,
) -> None:
    """A camera saw something relevant (analytics, motion, loss of signal)."""
    _add(
        session,
        incident_id,
        TimelineKind.VIDEO_EVENT,
        at,
        summary,
        data={"camera_id": camera_id, **(data or {})},
    )


def log_camera_attached(
    session: Writer,
    *,
    incident_id: int,
    at: datetime,
    camera_id: str,
    distance_m: float,
    language: Language,
) -> None:
    """A camera that sees the place was attached."""
    text = Translator(language)(
        "logbook.entry.camera_attached", camera=camera_id, distance=f"{distance_m:.0f}"
    )
    _add(
        session,
        incident_id,
        TimelineKind.CAMERA_ATTACHED,
        at,
        text,
        data={"camera_id": camera_id, "distance_m": round(distance_m, 1)},
    )


def log_clip(
    session: Writer,
    *,
    incident_id: int,
    at: datetime,
    camera_id: str,
    start: datetime,
    end: datetime,
    language: Language,
) -> None:
    """A camera's recording from before to after the alarm belongs to the incident."""
    seconds = f"{(end - start).total_seconds():.0f}"
    text = Translator(language)("logbook.entry.clip", camera=camera_id, seconds=seconds)
    _add(
        session,
        incident_id,
        TimelineKind.CLIP,
        at,
        text,
        data={"camera_id": camera_id, "start": start.isoformat(), "end": end.isoformat()},
    )


def log_acknowledged(
    session: Session, *, incident_id: int, at: datetime, user: str, language: Language
) -> None:
    """An operator took note of the incident."""
    text = Translator(language)("logbook.entry.acknowledged", user=user)
    _add(session, incident_id, TimelineKind.ACKNOWLEDGED, at, text, author=user)


def log_assigned(
    session: Session,
    *,
    incident_id: int,
    at: datetime,
    user: str,
    assignee: str,
    language: Language,
) -> None:
    """The incident was given to someone."""
    _add(
        session,
        incident_id,
        TimelineKind.ASSIGNED,
        at,
        Translator(language)("logbook.entry.assigned", assignee=assignee),
        author=user,
        data={"assignee": assignee},
    )


def log_note(session: Session, *, incident_id: int, at: datetime, user: str, text: str) -> None:
    """A free-text note from an operator."""
    _add(session, incident_id, TimelineKind.NOTE, at, text, author=user)


def log_status_change(
    session: Session,
    *,
    incident_id: int,
    at: datetime,
    user: str | None,
    old: str,
    new: str,
    language: Language,
) -> None:
    """The lifecycle moved on."""
    t = Translator(language)
    text = t(
        "logbook.entry.status_change",
        old=t(f"logbook.status.{old}"),
        new=t(f"logbook.status.{new}"),
    )
    _add(
        session,
        incident_id,
        TimelineKind.STATUS_CHANGE,
        at,
        text,
        author=user,
        data={"from": old, "to": new},
    )


def log_escalated(
    session: Session,
    *,
    incident_id: int,
    at: datetime,
    user: str,
    text: str | None,
    language: Language,
) -> None:
    """Handed to the crisis cell (what the user wrote, or who escalated)."""
    _add(
        session,
        incident_id,
        TimelineKind.ESCALATED,
        at,
        text or Translator(language)("logbook.entry.escalated", user=user),
        author=user,
    )


def log_procedure_step(
    session: Session,
    *,
    incident_id: int,
    at: datetime,
    user: str,
    step: int,
    text: str,
    done: bool,
    language: Language,
) -> None:
    """A checklist step was ticked or unticked."""
    key = "logbook.entry.step_done" if done else "logbook.entry.step_reopened"
    _add(
        session,
        incident_id,
        TimelineKind.PROCEDURE_STEP,
        at,
        Translator(language)(key, step=step + 1, text=text),
        author=user,
        data={"step": step, "done": done},
    )


def log_analytics_decision(
    session: Session,
    *,
    incident_id: int,
    at: datetime,
    user: str,
    confirmed: bool,
    alarms: Sequence[tuple[int, str]],
    text: str | None,
    language: Language,
) -> None:
    """An operator confirmed or dismissed video analytics alerts: the human decision of the law."""
    decision = "confirmed" if confirmed else "dismissed"
    t = Translator(language)
    kinds = ", ".join(sorted({type_label(k, language) for _, k in alarms}))
    summary = t(f"logbook.entry.{decision}", user=user, kinds=kinds)
    if text:
        summary = t("logbook.entry.with_text", line=summary, text=text)
    _add(
        session,
        incident_id,
        TimelineKind.ANALYTICS_DECISION,
        at,
        summary,
        author=user,
        data={
            "decision": decision,
            "alarms": [{"id": alarm_id, "type": alarm_type} for alarm_id, alarm_type in alarms],
            "text": text,
        },
    )


def timeline(session: Session, incident_id: int) -> list[TimelineEntry]:
    """The incident's entries in order."""
    query = (
        select(TimelineEntry)
        .where(TimelineEntry.incident_id == incident_id)
        .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
    )
    return list(session.exec(query))
