"""Chain verification against pinned keys and witnesses, and its last result for the audit page."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from csu.db import Database
from csu.settings import Settings
from privacy.access_log.signing import SigningKeyError, load_verifier
from privacy.access_log.trust import (
    configured_verifier,
    decide_trust,
    evidence_verifier,
    folder_candidates,
)
from privacy.access_log.verify import VerifyReport, verify_database
from privacy.access_log.witness import Witnessed, read_witness_file, witness_path
from privacy.access_log.witness_remote import read_nats_witness

# Problems listed by GET /api/audit/verify; all are counted.
LISTED_PROBLEMS = 100


@dataclass(frozen=True)
class VerifySources:
    """What a verification trusts and compares with: keys, pins and witnesses."""

    key_path: Path
    evidence_key_path: Path
    local_witness: Path
    pins: tuple[str, ...] = ()
    public_keys: tuple[Path, ...] = ()
    witnesses: tuple[str, ...] = ()  # files (syslog captures, JSON Lines) or nats:// URLs

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        pins: Sequence[str] = (),
        public_keys: Sequence[Path] = (),
        witnesses: Sequence[str] = (),
    ) -> VerifySources:
        """The site's key, pins and readable witnesses (NATS), plus what the caller adds."""
        readable = [w for w in settings.access_log_witnesses() if w.startswith("nats://")]
        return cls(
            key_path=settings.signing_key_path(),
            evidence_key_path=settings.evidence_key_path(),
            local_witness=witness_path(settings.data_dir),
            pins=(*settings.access_log_pins(), *pins),
            public_keys=tuple(public_keys),
            witnesses=tuple(dict.fromkeys([*readable, *witnesses])),
        )


@dataclass
class Verification:
    """A verification's report, with the key facts the report alone does not hold."""

    report: VerifyReport
    pinned: bool
    latest_fingerprint: str | None


def read_witnesses(sources: VerifySources) -> Witnessed:
    """The local witness file and every other witness named."""
    found = read_witness_file(sources.local_witness, strict=True)
    for witness in sources.witnesses:
        if witness.startswith("nats://"):
            found.merge(read_nats_witness(witness))
        else:
            found.merge(read_witness_file(Path(witness)))
    return found


def verify_with(
    db: Database, sources: VerifySources, *, on_problem: Callable[[str], None] | None = None
) -> Verification:
    """Verify against the pinned keys and every witness; SigningKeyError for an unusable key."""
    given = [load_verifier(path) for path in sources.public_keys]
    witnessed = read_witnesses(sources)
    evidence = evidence_verifier(sources.evidence_key_path)
    trust = decide_trust(
        pins=sources.pins,
        given=given,
        configured=configured_verifier(sources.key_path),
        candidates=[*folder_candidates(sources.key_path), *witnessed.keys],
        refused=[evidence] if evidence else [],
    )
    report = verify_database(
        db,
        keys=trust.keys,
        witnessed=witnessed.checkpoints,
        witness_errors=witnessed.errors,
        known_problems=trust.problems,
        on_problem=on_problem,
    )
    report.notes += trust.notes
    latest = report.latest
    return Verification(
        report=report,
        pinned=trust.pinned,
        latest_fingerprint=trust.by_fingerprint.get(latest.key_id) if latest else None,
    )


class VerificationStatus(BaseModel):
    """What the last verification found, and when it ran."""

    ok: bool
    problem: str | None
    problems: list[str]
    problem_count: int
    notes: list[str]
    entries: int
    first_seq: int | None
    last_seq: int | None
    checkpoints: int
    latest_checkpoint: str | None
    # The same checkpoint for pages, which word it and show its time on the site's clock.
    latest_checkpoint_at: datetime | None = None
    latest_checkpoint_kind: str | None = None
    latest_key_fingerprint: str | None
    key_pinned: bool
    unsigned_entries: int
    checked_at: datetime
    seconds: float


class ChainVerification:
    """Verifies the whole log (slow: call it off the event loop) and remembers the outcome."""

    def __init__(self, db: Database, sources: VerifySources) -> None:
        self._db = db
        self._sources = sources
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
                done = verify_with(self._db, self._sources)
            except SigningKeyError as exc:
                report = VerifyReport()
                report.add(f"cannot check signatures: {exc}")
                done = Verification(report, pinned=False, latest_fingerprint=None)
            self._last = _status(done, checked_at, time.perf_counter() - started)
            return self._last


def _status(done: Verification, checked_at: datetime, seconds: float) -> VerificationStatus:
    report, latest = done.report, done.report.latest
    unsigned = (report.last_seq or 0) - latest.seq if latest is not None else report.entries
    signed_at = datetime.fromisoformat(latest.signed_at) if latest is not None else None
    return VerificationStatus(
        ok=report.ok,
        problem=report.problem,
        problems=report.problems[:LISTED_PROBLEMS],
        problem_count=report.problem_count,
        notes=report.notes,
        entries=report.entries,
        first_seq=report.first_seq,
        last_seq=report.last_seq,
        checkpoints=report.checkpoints,
        latest_checkpoint=latest.describe() if latest is not None else None,
        latest_checkpoint_at=signed_at,
        latest_checkpoint_kind=latest.kind if latest is not None else None,
        latest_key_fingerprint=done.latest_fingerprint,
        key_pinned=done.pinned,
        unsigned_entries=max(unsigned, 0),
        checked_at=checked_at,
        seconds=round(seconds, 3),
    )
