"""The exports made for a requisition, as the access log has them: each finished export is logged
with the reference it answers, its id, span, purpose and rendition, in the hash chain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from privacy.access_log.models import AccessLogEntry, Outcome
from video.evidence.service import EXPORT_DONE

MAX_EXPORTS = 200


@dataclass(frozen=True)
class ExportMade:
    """One finished export that names the requisition."""

    export_id: str
    camera_id: str
    start: datetime | None
    end: datetime | None
    purpose: str
    rendition: str
    recipient: str | None
    user: str | None
    at: datetime


def exports_made(session: Session, reference: str) -> list[ExportMade]:
    """The finished exports naming `reference`, oldest first."""
    query = (
        select(AccessLogEntry)
        .where(col(AccessLogEntry.action) == EXPORT_DONE)
        .where(col(AccessLogEntry.requisition) == reference)
        .where(col(AccessLogEntry.outcome) == Outcome.GRANTED.value)
        .order_by(col(AccessLogEntry.seq))
        .limit(MAX_EXPORTS)
    )
    return [_made(entry) for entry in session.exec(query)]


def _made(entry: AccessLogEntry) -> ExportMade:
    details = json.loads(entry.details or "{}")
    return ExportMade(
        export_id=str(details.get("export_id", "")),
        camera_id=entry.camera_id or "",
        start=entry.span_start,
        end=entry.span_end,
        purpose=str(details.get("purpose", "")),
        rendition=str(details.get("rendition", "")),
        recipient=details.get("recipient"),
        user=entry.user,
        at=entry.at,
    )
