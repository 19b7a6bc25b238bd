"""What the report reads from the database and the site, as plain rows (the only I/O besides
the service's log entry and signature)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csu.cameras.store import stored_cameras
from csu.config import SiteConfig
from csu.config.cameras import CameraConfig
from csu.db import Database
from privacy.access_log import AccessLogEntry, Outcome
from privacy.audit.unusual import WATCHED_ACTIONS, unusual_flags
from privacy.retention.footage import DESTROY_ACTION
from video.evidence.service import EXPORT_DONE
from video.recording.models import LegalHold, RecordingSegment
from video.reports.rows import (
    AccessCount,
    AnalyticsRow,
    CameraRow,
    DestructionRow,
    ExportRow,
    HoldRow,
    Period,
    RequisitionRow,
    StoredRow,
    UnusualRow,
)
from video.requisitions.models import Requisition

# Unusual accesses judged per report: beyond this, the first ones are judged and the count says so.
MAX_UNUSUAL_SUBJECTS = 200_000


def camera_rows(db: Database, site: SiteConfig) -> tuple[list[CameraRow], list[AnalyticsRow]]:
    """The cameras in force, then those retired or dropped whose settings are still stored."""
    with db.session() as session:
        stored = stored_cameras(session)
    configs: list[tuple[CameraConfig, bool]] = [(c, False) for c in site.cameras]
    known = {c.id for c in site.cameras}
    for s in stored:
        if s.camera_id not in known and s.config is not None:
            configs.append((s.config, True))
    cameras = [
        CameraRow(c.id, c.name, c.retention_days, c.authorisation, retired)
        for c, retired in configs
    ]
    analytics = [
        AnalyticsRow(
            c.id,
            c.analytics.enabled,
            c.analytics.legal_basis,
            c.analytics.end_date,
            tuple(rule.kind for rule in c.analytics.rules),
        )
        for c, _ in configs
    ]
    return cameras, analytics


def stored_rows(session: Session, cameras: Sequence[CameraRow], until: datetime) -> list[StoredRow]:
    """Per camera: its oldest stored segment begun before `until`, and every segment already
    past retention then (few: held ones, or a purge that failed)."""
    rows: list[StoredRow] = []
    for camera in cameras:
        mine = col(RecordingSegment.camera_id) == camera.camera_id
        oldest = session.exec(
            select(RecordingSegment.start, RecordingSegment.end)
            .where(mine, col(RecordingSegment.start) < until)
            .order_by(col(RecordingSegment.start))
            .limit(1)
        ).first()
        if oldest is not None:
            rows.append(StoredRow(camera.camera_id, oldest[0], oldest[1]))
        expired = until - timedelta(days=camera.retention_days)
        query = select(RecordingSegment.start, RecordingSegment.end).where(
            mine, col(RecordingSegment.end) <= expired
        )
        rows += [StoredRow(camera.camera_id, s, e) for s, e in session.exec(query.limit(10_000))]
    return rows


def _entries(session: Session, period: Period, *where: Any) -> Sequence[AccessLogEntry]:
    query = (
        select(AccessLogEntry)
        .where(col(AccessLogEntry.at) >= period.since, col(AccessLogEntry.at) < period.until)
        .where(*where)
        .order_by(col(AccessLogEntry.seq))
    )
    return session.exec(query).all()


def destruction_rows(session: Session, period: Period) -> list[DestructionRow]:
    """Every destruction logged in the period and after it (they say what was kept at its end)."""
    query = (
        sa.select(
            col(AccessLogEntry.camera_id),
            col(AccessLogEntry.at),
            col(AccessLogEntry.span_start),
            col(AccessLogEntry.span_end),
            col(AccessLogEntry.outcome),
        )
        .where(col(AccessLogEntry.action) == DESTROY_ACTION)
        .where(col(AccessLogEntry.at) >= period.since)
        .where(col(AccessLogEntry.camera_id).is_not(None))
    )
    return [
        DestructionRow(
            cam or "", at, start or at, end or at, failed=outcome == Outcome.FAILED.value
        )
        for cam, at, start, end, outcome in session.connection().execute(query)
    ]


def hold_rows(session: Session, period: Period) -> list[HoldRow]:
    """The holds placed before the period's end and not released before it began."""
    query = select(LegalHold).where(col(LegalHold.placed_at) < period.until)
    query = query.where(
        sa.or_(col(LegalHold.released_at).is_(None), col(LegalHold.released_at) >= period.since)
    )
    return [
        HoldRow(
            h.id or 0,
            h.camera_id,
            h.start,
            h.end,
            h.requisition,
            h.officer,
            h.reason,
            h.placed_at,
            h.released_at,
            h.release_reason,
        )
        for h in session.exec(query)
    ]


def export_rows(session: Session, period: Period) -> list[ExportRow]:
    """Exports finished in the period, as their video.export.done entries state them."""
    found = []
    for e in _entries(session, period, col(AccessLogEntry.action) == EXPORT_DONE):
        details = json.loads(e.details or "{}")
        found.append(
            ExportRow(
                e.at,
                e.camera_id,
                e.span_start,
                e.span_end,
                str(details.get("purpose") or "judicial"),
                e.requisition,
                details.get("recipient"),
                details.get("manifest_sha256"),
                _case_cameras(details),
            )
        )
    return found


def _case_cameras(details: dict[str, Any]) -> tuple[str, ...]:
    # A case's done entry lists its spans as [camera, start, end]; its camera_id is one of them.
    spans = details.get("spans") if details.get("case") else None
    if not isinstance(spans, list):
        return ()
    found = [str(s[0]) for s in spans if isinstance(s, list) and s]
    return tuple(dict.fromkeys(found))


def requisition_rows(session: Session, period: Period) -> list[RequisitionRow]:
    """Requests received before the period's end (the figures pick what concerns the period)."""
    query = select(Requisition).where(col(Requisition.received_at) < period.until)
    return [_requisition(r) for r in session.exec(query)]


def _requisition(r: Requisition) -> RequisitionRow:
    # The kind column may be absent (before migration 0018): every record is then judicial.
    kind = str(getattr(r, "kind", None) or "judicial")
    who = getattr(r, "requester", None) if kind == "access" else r.authority
    return RequisitionRow(
        reference=r.reference,
        kind=kind,
        requester=str(who or "—"),
        received_at=r.received_at,
        deadline=r.deadline,
        status=r.status,
        handed_over_at=r.handed_over_at,
        recipient=r.recipient,
        refusal_reason=r.refusal_reason,
        decided_at=r.updated_at if r.status == "refused" else None,
    )


def access_counts(session: Session, period: Period) -> list[AccessCount]:
    """Entries in the period counted by role, camera, action and outcome (in the database)."""
    e = AccessLogEntry
    query = (
        sa.select(col(e.role), col(e.camera_id), col(e.action), col(e.outcome), sa.func.count())
        .where(col(e.at) >= period.since, col(e.at) < period.until)
        .group_by(col(e.role), col(e.camera_id), col(e.action), col(e.outcome))
    )
    return [AccessCount(*row) for row in session.connection().execute(query)]


def unusual_rows(db: Database, period: Period, zone: Any) -> list[UnusualRow]:
    """The watched accesses of the period that the audit's statistics flag."""
    with db.session() as session:
        entries = list(
            _entries(
                session,
                period,
                col(AccessLogEntry.action).in_(WATCHED_ACTIONS),
                col(AccessLogEntry.outcome) == Outcome.GRANTED.value,
            )[:MAX_UNUSUAL_SUBJECTS]
        )
    subjects = [(e.seq or 0, e.at, e.action, e.user) for e in entries]
    flags = unusual_flags(db, subjects, zone)
    return [
        UnusualRow(e.seq or 0, e.at, e.user, e.role, e.action, e.camera_id, tuple(flags[e.seq]))
        for e in entries
        if e.seq in flags
    ]
