"""Chain verification for the privacy officer: run on demand, the last result kept with its time."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from csu.db import Database
from privacy.access_log.signing import SigningKeyError, trusted_keys
from privacy.access_log.verify import VerifyReport, verify_database


class VerificationStatus(BaseModel):
    """What the last verification found, and when it ran."""

    ok: bool
    problem: str | None
    entries: int
    first_seq: int | None
    last_seq: int | None
    checkpoints: int
    latest_checkpoint: str | None
    unsigned_entries: int
    checked_at: datetime
    seconds: float


class ChainVerification:
    """Verifies the whole log (slow: call it off the event loop) and remembers the outcome."""

    def __init__(self, db: Database, *, key_path: Path, witness: Path) -> None:
        self._db = db
        self._key_path = key_path
        self._witness = witness
        self._last: VerificationStatus | None = None
        self._lock = threading.Lock()

    @property
    def last(self) -> VerificationStatus | None:
        """The latest result, if verification has run."""
        return self._last

    def run(self) -> VerificationStatus:
        """Verify now; concurrent callers wait for one run and share its result."""
        asked = datetime.now(UTC)
        with self._lock:
            if self._last is not None and self._last.checked_at >= asked:
                return self._last
            started = time.perf_counter()
            checked_at = datetime.now(UTC)
            try:
                report = verify_database(
                    self._db, keys=trusted_keys(self._key_path), witness=self._witness
                )
            except SigningKeyError as exc:
                report = VerifyReport(problem=f"cannot check signatures: {exc}")
            self._last = _status(report, checked_at, time.perf_counter() - started)
            return self._last


def _status(report: VerifyReport, checked_at: datetime, seconds: float) -> VerificationStatus:
    latest = report.latest
    unsigned = (report.last_seq or 0) - latest.seq if latest is not None else report.entries
    return VerificationStatus(
        ok=report.ok,
        problem=report.problem,
        entries=report.entries,
        first_seq=report.first_seq,
        last_seq=report.last_seq,
        checkpoints=report.checkpoints,
        latest_checkpoint=latest.describe() if latest is not None else None,
        unsigned_entries=max(unsigned, 0),
        checked_at=checked_at,
        seconds=round(seconds, 3),
    )
