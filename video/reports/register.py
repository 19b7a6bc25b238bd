"""The register of recordings, per camera, as pure figures: retention, the oldest footage kept,
destructions logged with their dates, legal holds, and footage sent to the prosecutor."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from video.reports.rows import (
    CameraRow,
    DestructionRow,
    ExportRow,
    HoldRow,
    Period,
    RequisitionRow,
    StoredRow,
)

# The purge runs every hour and takes whole segments: footage destroyed within a day of its
# retention's end kept to it.
GRACE = timedelta(days=1)
JUDICIAL = "judicial"
DELIVERED = "delivered"


@dataclass(frozen=True)
class CameraRegister:
    """One camera's line in the register of recordings."""

    camera_id: str
    name: str
    retention_days: int
    authorisation: str | None
    retired: bool
    oldest_kept: datetime | None  # the oldest footage held at the period's end
    longest_kept_days: float | None  # the oldest footage destroyed in the period, its age then
    destructions: int
    failed: int
    first_destroyed: datetime | None
    last_destroyed: datetime | None
    beyond_retention: int  # destructions later than retention + GRACE, under no hold
    overdue: int  # footage still stored at the period's end past retention + GRACE, under no hold
    holds: int
    judicial_exports: int

    @property
    def retention_held(self) -> bool:
        """True when no footage outside a hold outlived the camera's retention."""
        return self.beyond_retention == 0 and self.overdue == 0


def _held(camera_id: str, start: datetime, end: datetime, holds: Sequence[HoldRow]) -> bool:
    return any(h.camera_id == camera_id and h.start < end and start < h.end for h in holds)


def oldest_kept_at(
    camera_id: str,
    moment: datetime,
    stored: Iterable[StoredRow],
    destructions: Iterable[DestructionRow],
) -> datetime | None:
    """The start of the oldest footage of the camera held at `moment`: what is stored now and
    began before it, or what was destroyed only after it."""
    starts = [s.start for s in stored if s.camera_id == camera_id and s.start < moment]
    starts += [
        d.span_start
        for d in destructions
        if d.camera_id == camera_id and not d.failed and d.at >= moment and d.span_start < moment
    ]
    return min(starts, default=None)


def camera_register(
    camera: CameraRow,
    period: Period,
    *,
    stored: Sequence[StoredRow],
    destructions: Sequence[DestructionRow],
    holds: Sequence[HoldRow],
    exports: Sequence[ExportRow],
) -> CameraRegister:
    """The camera's figures over the period."""
    mine = [d for d in destructions if d.camera_id == camera.camera_id and period.holds(d.at)]
    done = [d for d in mine if not d.failed]
    limit = timedelta(days=camera.retention_days) + GRACE
    late = [
        d
        for d in done
        if d.at - d.span_end > limit and not _held(d.camera_id, d.span_start, d.span_end, holds)
    ]
    kept = {(s.start, s.end) for s in stored if s.camera_id == camera.camera_id}
    overdue = [
        (start, end)
        for start, end in kept
        if period.until - end > limit and not _held(camera.camera_id, start, end, holds)
    ]
    ages = [(d.at - d.span_start).total_seconds() / 86400 for d in done]
    return CameraRegister(
        camera_id=camera.camera_id,
        name=camera.name,
        retention_days=camera.retention_days,
        authorisation=camera.authorisation,
        retired=camera.retired,
        oldest_kept=oldest_kept_at(camera.camera_id, period.until, stored, destructions),
        longest_kept_days=round(max(ages), 1) if ages else None,
        destructions=len(done),
        failed=len(mine) - len(done),
        first_destroyed=min((d.at for d in done), default=None),
        last_destroyed=max((d.at for d in done), default=None),
        beyond_retention=len(late),
        overdue=len(overdue),
        holds=sum(1 for h in holds_over(holds, period) if h.camera_id == camera.camera_id),
        judicial_exports=sum(
            1 for e in judicial_exports(exports, period) if camera.camera_id in e.cameras
        ),
    )


def register(
    cameras: Sequence[CameraRow],
    period: Period,
    *,
    stored: Sequence[StoredRow],
    destructions: Sequence[DestructionRow],
    holds: Sequence[HoldRow],
    exports: Sequence[ExportRow],
) -> list[CameraRegister]:
    """Every camera's line, in the registry's order."""
    return [
        camera_register(
            c, period, stored=stored, destructions=destructions, holds=holds, exports=exports
        )
        for c in cameras
    ]


def destructions_by_month(
    destructions: Iterable[DestructionRow], period: Period, zone: tzinfo
) -> list[tuple[str, str, int]]:
    """(month as yyyy-mm on the site's clock, camera, destructions done), in month order."""
    counts: Counter[tuple[str, str]] = Counter()
    for d in destructions:
        if not d.failed and period.holds(d.at):
            counts[(d.at.astimezone(zone).strftime("%Y-%m"), d.camera_id)] += 1
    return [(month, camera, n) for (month, camera), n in sorted(counts.items())]


def holds_over(holds: Iterable[HoldRow], period: Period) -> list[HoldRow]:
    """The holds in force at some moment of the period, oldest placed first."""
    found = [
        h
        for h in holds
        if h.placed_at < period.until and (h.released_at is None or h.released_at >= period.since)
    ]
    return sorted(found, key=lambda h: (h.placed_at, h.hold_id))


def judicial_exports(exports: Iterable[ExportRow], period: Period) -> list[ExportRow]:
    """Exports made for the courts (purpose judicial) finished in the period, oldest first."""
    found = [e for e in exports if e.purpose == JUDICIAL and period.holds(e.at)]
    return sorted(found, key=lambda e: e.at)


def delivered_to_prosecutor(
    requisitions: Iterable[RequisitionRow], period: Period
) -> list[RequisitionRow]:
    """Judicial requisitions whose footage was handed over in the period, oldest first."""
    found = [
        r
        for r in requisitions
        if r.kind == JUDICIAL
        and r.status == DELIVERED
        and r.handed_over_at is not None
        and period.holds(r.handed_over_at)
    ]
    return sorted(found, key=lambda r: r.handed_over_at or r.received_at)
