"""The watch's log book (main courante): every timeline entry in a period, as CSV or print HTML."""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from csu.csv_cells import csv_row
from csu.errors import Invalid
from incidents.models import Incident, TimelineEntry

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
) -> str:
    """The log book of [start, end) as CSV or a printable page, in the site's time zone;
    LogbookPeriodInvalid unless both ends have an offset and the period is at most 31 days."""
    if start.tzinfo is None or end.tzinfo is None:
        raise LogbookPeriodInvalid("start and end need a UTC offset")
    if not start < end <= start + MAX_PERIOD:
        raise LogbookPeriodInvalid("end must follow start, within 31 days")
    rows = logbook_rows(session, start=start, end=end, tz=tz)
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


def logbook_rows(
    session: Session, *, start: datetime, end: datetime, tz: ZoneInfo
) -> list[LogbookRow]:
    """Every timeline entry between start and end, oldest first."""
    query = (
        select(TimelineEntry, Incident)
        .join(Incident, col(Incident.id) == col(TimelineEntry.incident_id))
        .where(col(TimelineEntry.at) >= start, col(TimelineEntry.at) < end)
        .order_by(col(TimelineEntry.at), col(TimelineEntry.id))
    )
    rows = []
    for entry, incident in session.exec(query):
        rows.append(
            LogbookRow(
                time=entry.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
                incident_id=entry.incident_id,
                title=incident.title,
                kind=entry.kind.replace("_", " "),
                author=entry.author or "csu",
                text=entry.text,
            )
        )
    return rows


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
        f"<h1>Main courante: {esc(site)}</h1><p class=period>{esc(period)}, {len(rows)} entries</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table></body></html>"
    )
