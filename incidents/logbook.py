"""The watch's log book (main courante): the timeline entries of a period, as CSV or print HTML;
repeated alarms grouped into one line each (incidents.timeline_groups) unless every entry is
asked for, or only what people wrote."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csu.csv_cells import csv_row
from csu.errors import Invalid
from csu.i18n import SiteClock, Translator
from incidents.models import Incident, TimelineEntry
from incidents.records import ALARMS
from incidents.timeline_groups import (
    AlarmFacts,
    AlarmGroup,
    AlarmRef,
    View,
    describe_group,
    group_entries,
    timeline_facts,
)

# The CSV's header and its kind column are read by tools: they stay these words in every
# language; the times and what the entries say are the site's.
COLUMNS = ("time", "incident", "title", "kind", "author", "entry")
MAX_PERIOD = timedelta(days=31)
ALARM_GROUP = "alarm_group"


class LogbookPeriodInvalid(Invalid):
    """The period asked for is not one the log book is given for."""


def logbook(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    clock: SiteClock,
    site: str,
    fmt: Literal["csv", "html"],
    view: View = "grouped",
) -> str:
    """The log book of [start, end) as CSV or a printable page, on the site's clock and in its
    language, its repeated alarms grouped (or `view` people only, or all entries);
    LogbookPeriodInvalid unless both ends have an offset and the period is at most 31 days."""
    if start.tzinfo is None or end.tzinfo is None:
        raise LogbookPeriodInvalid(
            "start and end need a UTC offset", key="errors.footage.time_zone", field="start, end"
        )
    if not start < end <= start + MAX_PERIOD:
        raise LogbookPeriodInvalid(
            "end must follow start, within 31 days", key="errors.period_days", days=31
        )
    rows = logbook_rows(session, start=start, end=end, clock=clock, view=view)
    if fmt == "csv":
        return to_csv(rows)
    return to_html(rows, site=site, start=start, end=end, clock=clock)


@dataclass(frozen=True)
class LogbookRow:
    """One line of the log book, on the site's clock."""

    time: str
    incident_id: int
    title: str
    kind: str  # the entry's kind (alarm_received...) or alarm_group
    author: str
    text: str


@dataclass(frozen=True)
class _Entry:
    entry: TimelineEntry
    incident: Incident
    data: dict[str, Any]


def logbook_rows(
    session: Session, *, start: datetime, end: datetime, clock: SiteClock, view: View = "all"
) -> list[LogbookRow]:
    """The timeline entries between start and end, oldest first, as `view` asks."""
    query = (
        select(TimelineEntry, Incident)
        .join(Incident, col(Incident.id) == col(TimelineEntry.incident_id))
        .where(col(TimelineEntry.at) >= start, col(TimelineEntry.at) < end)
        .where(col(Incident.exercise_id).is_(None))  # an exercise is never the real watch's
        .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
    )
    entries = [_Entry(e, i, json.loads(e.data)) for e, i in session.exec(query)]
    if view == "people":
        entries = [e for e in entries if _by_people(e)]
    if view != "grouped":
        return [_row(e, clock) for e in entries]
    refs = _alarm_refs(session, entries)

    def facts(e: _Entry) -> AlarmFacts | None:
        # One incident's storm is one line: the incident is part of the key.
        return timeline_facts(e.entry.kind, e.entry.at, e.data, refs, e.incident.id)

    items = group_entries(entries, facts, _by_people)
    return [_group_row(i, clock) if isinstance(i, AlarmGroup) else _row(i, clock) for i in items]


def _by_people(e: _Entry) -> bool:
    return e.entry.author is not None


def _row(e: _Entry, clock: SiteClock) -> LogbookRow:
    return LogbookRow(
        time=clock.datetime(e.entry.at, seconds=True),
        incident_id=e.entry.incident_id,
        title=e.incident.title,
        kind=e.entry.kind,
        author=e.entry.author or "csu",
        text=e.entry.text,
    )


def _group_row(group: AlarmGroup[_Entry], clock: SiteClock) -> LogbookRow:
    first = group.entries[0]
    return LogbookRow(
        time=clock.datetime(group.first, seconds=True),
        incident_id=first.entry.incident_id,
        title=first.incident.title,
        kind=ALARM_GROUP,
        author="csu",
        text=describe_group(group, clock),
    )


def _alarm_refs(session: Session, entries: Iterable[_Entry]) -> dict[int, AlarmRef]:
    """The type and sender of every alarm the entries name, read in chunks."""
    ids: set[Any] = set()
    for e in entries:
        named = e.data.get("alarm_ids")
        ids.update(named if isinstance(named, list) else [e.data.get("alarm_id")])
    wanted = sorted(i for i in ids if isinstance(i, int))
    columns = (ALARMS.c.id, ALARMS.c.type, ALARMS.c.camera_id, ALARMS.c.source)
    refs: dict[int, AlarmRef] = {}
    for at in range(0, len(wanted), 5000):
        chunk = wanted[at : at + 5000]
        query = sa.select(*columns, ALARMS.c.external_id).where(ALARMS.c.id.in_(chunk))
        for id_, type_, camera, source, external in session.execute(query):
            refs[id_] = AlarmRef.of(type_, camera, source, external)
    return refs


def to_csv(rows: list[LogbookRow]) -> str:
    """The log book as CSV with a header line."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        # Notes and alarm texts are typed by others: never a spreadsheet formula.
        kind = r.kind.replace("_", " ")  # as tools have always read it ("alarm received")
        writer.writerow(csv_row((r.time, r.incident_id, r.title, kind, r.author, r.text)))
    return out.getvalue()


_STYLE = """
body { font: 11pt/1.35 system-ui, sans-serif; margin: 1.5cm; color: #111; }
h1 { font-size: 16pt; margin: 0 0 .2em; } p.period { margin: 0 0 1em; color: #444; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #999;
padding: 3px 6px; vertical-align: top; text-align: left; } th { background: #eee; }
td.time { white-space: nowrap; } tr { page-break-inside: avoid; }
@media print { body { margin: 0; } }
"""


def to_html(
    rows: list[LogbookRow], *, site: str, start: datetime, end: datetime, clock: SiteClock
) -> str:
    """The log book as a standalone printable page, in the site's language."""
    t = Translator(clock.language)

    def esc(value: object) -> str:
        return html.escape(str(value))

    period = t(
        "logbook.period",
        start=clock.datetime(start),
        end=clock.datetime(end),
        zone=clock.timezone,
    )
    lines = "\n".join(
        f"<tr><td class=time>{esc(r.time)}</td><td>{r.incident_id}</td><td>{esc(r.title)}</td>"
        f"<td>{esc(t(f'logbook.kind.{r.kind}'))}</td><td>{esc(r.author)}</td>"
        f"<td>{esc(r.text)}</td></tr>"
        for r in rows
    )
    head = "".join(f"<th>{esc(t(f'logbook.column.{c}'))}</th>" for c in COLUMNS)
    table = (
        f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"
        if rows
        else f"<p>{esc(t('logbook.empty'))}</p>"
    )
    title = esc(t("logbook.title", site=site))
    count = esc(t("logbook.lines", count=clock.count(len(rows))))
    return (
        f"<!doctype html><html lang={clock.language}><head><meta charset=utf-8>"
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{title}</h1><p class=period>{esc(period)}, {count}</p>{table}</body></html>"
    )
