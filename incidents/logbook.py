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
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csu.csv_cells import csv_row
from csu.errors import Invalid
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

COLUMNS = ("time", "incident", "title", "kind", "author", "entry")
MAX_PERIOD = timedelta(days=31)


class LogbookPeriodInvalid(Invalid):
    """The period asked for is not one the log book is given for."""


def logbook(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    site: str,
    fmt: Literal["csv", "html"],
    view: View = "grouped",
) -> str:
    """The log book of [start, end) as CSV or a printable page, in the site's time zone, its
    repeated alarms grouped (or `view` people only, or all entries); LogbookPeriodInvalid unless
    both ends have an offset and the period is at most 31 days."""
    if start.tzinfo is None or end.tzinfo is None:
        raise LogbookPeriodInvalid("start and end need a UTC offset")
    if not start < end <= start + MAX_PERIOD:
        raise LogbookPeriodInvalid("end must follow start, within 31 days")
    rows = logbook_rows(session, start=start, end=end, tz=tz, view=view)
    if fmt == "csv":
        return to_csv(rows)
    return to_html(rows, site=site, start=start, end=end, tz=tz)


@dataclass(frozen=True)
class LogbookRow:
    """One line of the log book, in the site's local time."""

    time: str
    incident_id: int
    title: str
    kind: str
    author: str
    text: str


@dataclass(frozen=True)
class _Entry:
    entry: TimelineEntry
    incident: Incident
    data: dict[str, Any]


def logbook_rows(
    session: Session, *, start: datetime, end: datetime, tz: ZoneInfo, view: View = "all"
) -> list[LogbookRow]:
    """The timeline entries between start and end, oldest first, as `view` asks."""
    query = (
        select(TimelineEntry, Incident)
        .join(Incident, col(Incident.id) == col(TimelineEntry.incident_id))
        .where(col(TimelineEntry.at) >= start, col(TimelineEntry.at) < end)
        .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
    )
    entries = [_Entry(e, i, json.loads(e.data)) for e, i in session.exec(query)]
    if view == "people":
        entries = [e for e in entries if _by_people(e)]
    if view != "grouped":
        return [_row(e, tz) for e in entries]
    refs = _alarm_refs(session, entries)

    def facts(e: _Entry) -> AlarmFacts | None:
        # One incident's storm is one line: the incident is part of the key.
        return timeline_facts(e.entry.kind, e.entry.at, e.data, refs, e.incident.id)

    items = group_entries(entries, facts, _by_people)
    return [_group_row(i, tz) if isinstance(i, AlarmGroup) else _row(i, tz) for i in items]


def _by_people(e: _Entry) -> bool:
    return e.entry.author is not None


def _row(e: _Entry, tz: ZoneInfo) -> LogbookRow:
    return LogbookRow(
        time=e.entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        incident_id=e.entry.incident_id,
        title=e.incident.title,
        kind=e.entry.kind.replace("_", " "),
        author=e.entry.author or "csu",
        text=e.entry.text,
    )


def _group_row(group: AlarmGroup[_Entry], tz: ZoneInfo) -> LogbookRow:
    first = group.entries[0]
    return LogbookRow(
        time=group.first.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        incident_id=first.entry.incident_id,
        title=first.incident.title,
        kind="alarm group",
        author="csu",
        text=describe_group(group, tz),
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
        writer.writerow(csv_row((r.time, r.incident_id, r.title, r.kind, r.author, r.text)))
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
    rows: list[LogbookRow], *, site: str, start: datetime, end: datetime, tz: ZoneInfo
) -> str:
    """The log book as a standalone printable page."""

    def esc(value: object) -> str:
        return html.escape(str(value))

    period = (
        f"{start.astimezone(tz):%Y-%m-%d %H:%M} to {end.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})"
    )
    lines = "\n".join(
        f"<tr><td class=time>{esc(r.time)}</td><td>#{r.incident_id}</td><td>{esc(r.title)}</td>"
        f"<td>{esc(r.kind)}</td><td>{esc(r.author)}</td><td>{esc(r.text)}</td></tr>"
        for r in rows
    )
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Main courante {esc(site)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Main courante: {esc(site)}</h1><p class=period>{esc(period)}, {len(rows)} lines</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table></body></html>"
    )
