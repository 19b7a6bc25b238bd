"""Payloads kept as rejected, as an administrator reads them: a page at a time, bodies cut short.

A rejected payload may be anything a sender posted (up to the size limit): the listing shows the
start of each body and its size, and one payload is fetched whole on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from incidents.models import RawAlarm, RawStatus

SHOWN_BYTES = 2048  # of each body in a listing
_RAW_TABLE = RawAlarm.__table__  # type: ignore[attr-defined]
_RAW = _RAW_TABLE.c
_REJECTED = _RAW.status == RawStatus.REJECTED.value


@dataclass(frozen=True)
class RejectedPayload:
    """A rejected payload, with the start of its body."""

    id: int
    received_at: datetime
    channel: str
    source_hint: str | None
    content_type: str | None
    error: str | None
    body: bytes  # the first SHOWN_BYTES
    body_bytes: int  # the whole body's size


def list_rejected(
    session: Session,
    *,
    since: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> tuple[list[RejectedPayload], int]:
    """Rejected payloads newest first (ids below `before_id`), and how many match in all."""
    conditions = [_REJECTED]
    if since:
        conditions.append(_RAW.received_at >= since)
    counted = sa.select(sa.func.count()).select_from(_RAW_TABLE).where(*conditions)
    total = session.execute(counted).scalar_one()
    if before_id is not None:
        conditions.append(_RAW.id < before_id)
    query = (
        sa.select(
            _RAW.id,
            _RAW.received_at,
            _RAW.channel,
            _RAW.source_hint,
            _RAW.content_type,
            _RAW.error,
            # Cut in the database: a listing never reads a large body whole.
            sa.func.substr(_RAW.body, 1, SHOWN_BYTES, type_=sa.LargeBinary),
            sa.func.length(_RAW.body),
        )
        .where(*conditions)
        .order_by(_RAW.id.desc())
        .limit(limit)
    )
    rows = [RejectedPayload(*row) for row in session.execute(query)]
    return rows, int(total)


def rejected_body(session: Session, raw_id: int) -> bytes | None:
    """The whole body of one rejected payload; None when there is no such rejected payload."""
    query = sa.select(_RAW.body).where(_REJECTED, _RAW.id == raw_id)
    body = session.execute(query).scalar_one_or_none()
    return None if body is None else bytes(body)
