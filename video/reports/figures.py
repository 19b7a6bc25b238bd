"""The report's other figures, pure: requisitions and access requests, exports, accesses by role
and by camera, analytics authorisations (privacy judges the authorisations held without
training: privacy.service.untrained_authorisations)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from video.reports.rows import (
    AccessCount,
    AnalyticsRow,
    ExportRow,
    Period,
    RequisitionRow,
)

KINDS = ("judicial", "access")
OPEN = frozenset({"received", "in_progress"})
# The columns of the access tables: looking at pictures, each kind apart, then the rest.
VIEW_COLUMNS = {
    "video.live": "live",
    "video.snapshot": "snapshot",
    "video.playback": "playback",
    "video.export": "export",
    "video.export.download": "download",
}
ACCESS_COLUMNS = (*VIEW_COLUMNS.values(), "other", "denied", "total")


@dataclass(frozen=True)
class RequisitionLine:
    """One requisition as the report lists it: its delay and whether it was late."""

    row: RequisitionRow
    delay_days: float | None  # received -> handed over, for a delivered one
    late: bool  # answered after its deadline, or still open past it at the period's end


@dataclass
class KindFigures:
    """Counts, delays and outcomes of one kind of request received in the period."""

    kind: str
    received: int = 0
    delivered: int = 0
    refused: int = 0
    open: int = 0
    late: int = 0
    median_delay_days: float | None = None
    longest_delay_days: float | None = None
    lines: list[RequisitionLine] = field(default_factory=list)


def _days(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 86400, 1)


def requisition_line(row: RequisitionRow, period: Period) -> RequisitionLine:
    """The request's delay and lateness, judged at the period's end for an open one."""
    delay = None
    if row.status == "delivered" and row.handed_over_at is not None:
        delay = _days(row.received_at, row.handed_over_at)
    answered = row.handed_over_at if row.status == "delivered" else row.decided_at
    if row.deadline is None:
        late = False
    elif row.status in OPEN:
        late = period.until > row.deadline
    else:
        late = answered is not None and answered > row.deadline
    return RequisitionLine(row, delay, late)


def requisition_figures(rows: Iterable[RequisitionRow], period: Period) -> list[KindFigures]:
    """Judicial requisitions and access requests received in the period, one figure set each."""
    figures = {kind: KindFigures(kind) for kind in KINDS}
    for row in sorted(rows, key=lambda r: r.received_at):
        if not period.holds(row.received_at):
            continue
        found = figures.setdefault(row.kind, KindFigures(row.kind))
        line = requisition_line(row, period)
        found.lines.append(line)
        found.received += 1
        found.delivered += row.status == "delivered"
        found.refused += row.status == "refused"
        found.open += row.status in OPEN
        found.late += line.late
    for found in figures.values():
        delays = [line.delay_days for line in found.lines if line.delay_days is not None]
        if delays:
            found.median_delay_days = round(statistics.median(delays), 1)
            found.longest_delay_days = max(delays)
    return list(figures.values())


def exports_by(exports: Iterable[ExportRow], period: Period) -> dict[str, Counter[str]]:
    """Finished exports in the period counted by purpose, and by camera (a case counts once for
    each of its cameras)."""
    by_purpose: Counter[str] = Counter()
    by_camera: Counter[str] = Counter()
    for e in exports:
        if period.holds(e.at):
            by_purpose[e.purpose] += 1
            for camera in e.cameras or ("—",):
                by_camera[camera] += 1
    return {"purpose": by_purpose, "camera": by_camera}


def access_table(counts: Iterable[AccessCount], by: str) -> list[tuple[str, dict[str, int]]]:
    """Accesses pivoted by role or camera (`by`): views of each kind, the rest, refusals, all.

    Entries without a role (jobs: purges, checkpoints) or camera are left out of that table.
    """
    table: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(ACCESS_COLUMNS, 0))
    for c in counts:
        key = c.role if by == "role" else c.camera_id
        if not key:
            continue
        line = table[key]
        if c.outcome == "denied":
            line["denied"] += c.count
        else:
            line[VIEW_COLUMNS.get(c.action, "other")] += c.count
        line["total"] += c.count
    return sorted(table.items())


def analytics_active(rows: Iterable[AnalyticsRow], period: Period) -> list[AnalyticsRow]:
    """The analytics authorisations enabled and not ended before the period began."""
    start = period.since.date()
    return [r for r in rows if r.enabled and (r.end_date is None or r.end_date >= start)]
