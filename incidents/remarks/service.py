"""Remarks: taken from the Forum kiosk, moderated by staff, exported for the services, purged.

A remark keeps nothing of the visitor but what they wrote, the place and a contact given with
consent: no account, no address, no user agent. Posts are not written to the access log (it
records accesses to personal data, and the kiosk's account would say nothing of the visitor);
every moderation, listing and export by staff is, with who and when, before the answer.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from sqlmodel import col, delete, select

from csu.csv_cells import csv_cell
from csu.db import Database
from csu.errors import Conflict, NotFound
from incidents.remarks.models import Remark
from incidents.remarks.rules import (
    MAX_REASON,
    CityBox,
    RemarkDraft,
    RemarkLimiter,
    RemarkRefused,
    RemarkStatus,
    RemarksTooMany,
    check_remark,
    public_place,
    purge_before,
)
from privacy.access_log.models import AccessRecord
from privacy.access_log.service import AccessLog
from privacy.service import Requester

__all__ = [
    "CityBox",
    "PublicRemark",
    "Remark",
    "RemarkLimiter",
    "RemarkRefused",
    "RemarkService",
    "RemarkStatus",
    "RemarksTooMany",
]

EXPORT_FIELDS = ("id", "received_at", "status", "lat", "lon", "text", "contact", "published_at")
MAX_LISTED = 1000


@dataclass(frozen=True)
class PublicRemark:
    """A published remark as the kiosk shows it: no contact, the place rounded, the day only."""

    id: int
    text: str
    lat: float
    lon: float
    published_on: str


class RemarkService:
    """Takes, moderates, exports and purges the visitors' remarks."""

    def __init__(
        self,
        db: Database,
        access_log: AccessLog,
        box: CityBox,
        limiter: RemarkLimiter,
        *,
        retention_days: int,
        zone: tzinfo = UTC,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._zone = zone
        self._db = db
        self._log = access_log
        self.box = box
        self._limiter = limiter
        self.retention_days = retention_days
        self._clock = clock

    def submit(
        self,
        kiosk: str,
        fields: tuple[float, float, str, str | None, bool],
        *,
        now: datetime | None = None,
    ) -> Remark:
        """Check then store a remark sent from `kiosk` (lat, lon, text, contact, consent);
        RemarkRefused (422) or RemarksTooMany (429, only for a remark that would be taken)."""
        draft: RemarkDraft = check_remark(self.box, *fields)
        self._limiter.admit(kiosk, self._clock())
        remark = Remark(
            received_at=now or datetime.now(UTC),
            lat=draft.lat,
            lon=draft.lon,
            text=draft.text,
            contact=draft.contact,
            status=RemarkStatus.PENDING,
        )
        with self._db.session() as session:
            session.add(remark)
            session.flush()
            session.expunge(remark)
        return remark

    def published(self, limit: int = 200) -> list[PublicRemark]:
        """The published remarks, newest first, as the public may see them."""
        with self._db.session() as session:
            rows = session.exec(
                select(Remark)
                .where(Remark.status == RemarkStatus.PUBLISHED)
                .order_by(col(Remark.moderated_at).desc(), col(Remark.id).desc())
                .limit(limit)
            ).all()
        return [_public(r, self._zone) for r in rows]

    def listing(self, status: RemarkStatus, who: Requester, limit: int = 200) -> list[Remark]:
        """The remarks in one state, oldest first, for moderation (the listing is logged)."""
        self._logged(who, "remarks.list", {"status": status.value})
        return self._rows((status,), limit)

    def publish(self, remark_id: int, who: Requester, *, now: datetime | None = None) -> Remark:
        """Publish a pending remark (logged with who and when)."""
        return self._moderate(remark_id, RemarkStatus.PUBLISHED, None, who, now)

    def refuse(
        self, remark_id: int, reason: str, who: Requester, *, now: datetime | None = None
    ) -> Remark:
        """Refuse a pending remark for a reason (logged with who, when and why)."""
        words = reason.strip()
        if not words or len(words) > MAX_REASON:
            raise RemarkRefused("a refusal needs a reason", key="remarks.errors.reason")
        return self._moderate(remark_id, RemarkStatus.REFUSED, words, who, now)

    def export(self, fmt: str, who: Requester) -> tuple[str, list[dict[str, Any]]]:
        """The pending and published remarks as CSV text or JSON rows (logged); a contact only
        where the visitor consented, which is the only way one is stored."""
        rows = self._rows((RemarkStatus.PENDING, RemarkStatus.PUBLISHED), MAX_LISTED * 100)
        self._logged(who, "remarks.export", {"format": fmt, "count": len(rows)})
        found = [export_row(r) for r in rows]
        return (to_csv(found) if fmt == "csv" else ""), found

    def purge(self, now: datetime | None = None) -> int:
        """Delete every remark received more than the retention ago; how many went."""
        before = purge_before(now or datetime.now(UTC), self.retention_days)
        with self._db.session() as session:
            gone = session.exec(delete(Remark).where(col(Remark.received_at) < before))
            count = int(gone.rowcount or 0)
        return count

    def _moderate(
        self,
        remark_id: int,
        status: RemarkStatus,
        reason: str | None,
        who: Requester,
        now: datetime | None,
    ) -> Remark:
        at = now or datetime.now(UTC)
        with self._db.session() as session:
            remark = session.get(Remark, remark_id)
            if remark is None:
                raise NotFound(f"no remark {remark_id}", key="remarks.errors.unknown", id=remark_id)
            if remark.status != RemarkStatus.PENDING:
                raise Conflict(
                    f"remark {remark_id} is already {remark.status}",
                    key="remarks.errors.moderated",
                    id=remark_id,
                )
            details: dict[str, Any] = {"remark": remark_id, "status": status.value}
            if reason is not None:
                details["reason"] = reason
            self._logged(who, f"remarks.{'publish' if reason is None else 'refuse'}", details)
            remark.status = status
            remark.moderated_at = at
            remark.moderated_by = who.viewer.username
            remark.refusal_reason = reason
            session.add(remark)
            session.flush()
            session.expunge(remark)
        return remark

    def _rows(self, statuses: Sequence[RemarkStatus], limit: int) -> list[Remark]:
        with self._db.session() as session:
            rows = session.exec(
                select(Remark)
                .where(col(Remark.status).in_([s.value for s in statuses]))
                .order_by(col(Remark.received_at), col(Remark.id))
                .limit(limit)
            ).all()
            for row in rows:
                session.expunge(row)
        return list(rows)

    def _logged(self, who: Requester, action: str, details: dict[str, Any]) -> None:
        record = AccessRecord(
            action=action,
            user=who.viewer.username,
            role=who.viewer.user.role,
            client=who.client,
            details=details,
        )
        self._log.append(record)


def _public(remark: Remark, zone: tzinfo) -> PublicRemark:
    assert remark.id is not None and remark.moderated_at is not None
    lat, lon = public_place(remark.lat, remark.lon)
    day = remark.moderated_at.astimezone(zone).date().isoformat()  # the day on the site's clock
    return PublicRemark(remark.id, remark.text, lat, lon, day)


def export_row(remark: Remark) -> dict[str, Any]:
    """One remark for the services: never who moderated it nor why it was refused."""
    published = remark.moderated_at if remark.status == RemarkStatus.PUBLISHED else None
    return {
        "id": remark.id,
        "received_at": remark.received_at.isoformat(),
        "status": remark.status,
        "lat": remark.lat,
        "lon": remark.lon,
        "text": remark.text,
        "contact": remark.contact,
        "published_at": None if published is None else published.isoformat(),
    }


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV, one header line; text a spreadsheet would run as a formula stays text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row[k]) for k in EXPORT_FIELDS})
    return out.getvalue()


def _cell(value: object) -> object:
    return "" if value is None else csv_cell(value)


def purge_job(service: RemarkService) -> int:
    """The scheduled purge (a module-level function, as the scheduler's jobs are)."""
    return service.purge()
