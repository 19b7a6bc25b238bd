"""Appending to the access log: one writer at a time, each entry linked to the last."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import col, select

from csu.db import Database
from csu.errors import Unavailable
from csu.times import within_bounds
from privacy.access_log.chain import GENESIS, entry_hash
from privacy.access_log.models import AccessLogEntry, AccessRecord

log = logging.getLogger(__name__)

# Serialises appenders across processes sharing one PostgreSQL (API node and workers).
_PG_LOCK_KEY = 0x637375_616C67  # "csu" "alg"
_RETRIES = 3


class AccessLogUnavailable(Unavailable, RuntimeError):
    """The entry could not be written, so the data it would have logged must not be served."""


class AccessLog:
    """The append-only log every access to video and every sensitive change goes through."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()

    def append(self, record: AccessRecord, *, at: datetime | None = None) -> AccessLogEntry:
        """Write one entry, chained to the last; raises AccessLogUnavailable on failure.

        ValueError, before anything is written, when `at` is outside the times the log holds.
        """
        moment = datetime.now(UTC) if at is None else within_bounds(at)
        with self._lock:
            for attempt in range(_RETRIES):
                try:
                    return self._append_once(record, moment)
                except IntegrityError:
                    # Another process took the same sequence number; re-read the head and retry.
                    log.warning("access log append raced (attempt %d), retrying", attempt + 1)
                except SQLAlchemyError as exc:
                    raise AccessLogUnavailable(
                        f"access log write failed: {exc}", key="errors.access_log_unavailable"
                    ) from exc
        raise AccessLogUnavailable(
            "access log write kept colliding with another writer",
            key="errors.access_log_unavailable",
        )

    def _append_once(self, record: AccessRecord, at: datetime) -> AccessLogEntry:
        with self._db.session() as session:
            if not self._db.is_sqlite:
                session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
            last = session.exec(
                select(AccessLogEntry).order_by(col(AccessLogEntry.seq).desc()).limit(1)
            ).first()
            prev = last.hash if last else GENESIS
            fields = record.model_dump(exclude={"details"})
            fields.update(
                seq=(last.seq or 0) + 1 if last else 1,
                at=_utc(at),
                span_start=_utc(record.span_start),
                span_end=_utc(record.span_end),
                outcome=record.outcome.value,
                details=json.dumps(record.details, sort_keys=True, default=str),
            )
            entry = AccessLogEntry(**fields, prev_hash=prev, hash=entry_hash(prev, fields))
            session.add(entry)
        return entry

    def entries(self, *, batch: int = 5000) -> Iterator[AccessLogEntry]:
        """Every entry in chain order, read in batches."""
        after = 0
        while True:
            with self._db.session() as session:
                rows = list(
                    session.exec(
                        select(AccessLogEntry)
                        .where(col(AccessLogEntry.seq) > after)
                        .order_by(col(AccessLogEntry.seq))
                        .limit(batch)
                    )
                )
            if not rows:
                return
            yield from rows
            after = rows[-1].seq or after


def _utc(moment: datetime | None) -> datetime | None:
    # SQLite keeps the wall-clock digits and drops the offset: store every time already in UTC.
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
