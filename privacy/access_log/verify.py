"""Verifying the log: every link, every signed checkpoint, and the witness copy of them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from csu.db import Database
from privacy.access_log.chain import GENESIS, SORTED_FIELDS, canonical_values
from privacy.access_log.checkpoints import (
    Checkpoint,
    CheckpointKind,
    stored_checkpoints,
    witness_checkpoints,
)
from privacy.access_log.rows import CHAIN_COLUMNS, stream_tuples
from privacy.access_log.signing import CheckpointVerifier

_SEQ = SORTED_FIELDS.index("seq")
_PREV, _HASH = len(SORTED_FIELDS), len(SORTED_FIELDS) + 1


@dataclass
class VerifyReport:
    """What verification found: counts, and the first problem (None when intact)."""

    entries: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints: int = 0
    latest: Checkpoint | None = None
    problem: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the log is intact."""
        return self.problem is None


def verify_log(
    rows: Iterable[Sequence[Any]],
    stored: Sequence[Checkpoint],
    *,
    keys: Mapping[str, CheckpointVerifier],
    witnessed: Sequence[Checkpoint] = (),
    witness_errors: Sequence[str] = (),
) -> VerifyReport:
    """Check rows (CHAIN_COLUMNS order, by seq) against the stored and witnessed checkpoints."""
    report = VerifyReport()
    known = {_key(c) for c in stored}
    missing = [c for c in witnessed if _key(c) not in known]
    checkpoints = [*stored, *missing]
    report.checkpoints = len(checkpoints)
    report.latest = max(checkpoints, key=lambda c: (c.seq, c.signed_at), default=None)
    report.problem = (
        (f"checkpoint witness: {witness_errors[0]}" if witness_errors else None)
        or _signature_problem(checkpoints, keys)
        or _walk(rows, _by_seq(checkpoints), report)
        or _tail_problem(checkpoints, report)
        or _missing_problem(missing)
    )
    return report


def verify_database(
    db: Database, *, keys: Mapping[str, CheckpointVerifier], witness: Path | None
) -> VerifyReport:
    """Verify the stored log; checkpoints are read first, so later appends cannot confuse it."""
    stored = stored_checkpoints(db)
    witnessed, errors = witness_checkpoints(witness) if witness else ([], [])
    return verify_log(
        stream_tuples(db, CHAIN_COLUMNS),
        stored,
        keys=keys,
        witnessed=witnessed,
        witness_errors=errors,
    )


def _key(c: Checkpoint) -> tuple[int, str, str, str, str]:
    return (c.seq, c.hash, c.signed_at, c.kind, c.signature)


def _by_seq(checkpoints: Iterable[Checkpoint]) -> dict[int, list[Checkpoint]]:
    found: dict[int, list[Checkpoint]] = {}
    for c in checkpoints:
        found.setdefault(c.seq, []).append(c)
    return found


def _signature_problem(
    checkpoints: Sequence[Checkpoint], keys: Mapping[str, CheckpointVerifier]
) -> str | None:
    if checkpoints and not keys:
        return f"cannot check {len(checkpoints)} checkpoint signatures: no signing key"
    for c in checkpoints:
        what = f"{c.describe()} covering entry {c.seq}"
        verifier = keys.get(c.key_id)
        if verifier is None:
            return f"{what}: signed by unknown key {c.key_id} (trusted: {', '.join(keys)})"
        if not verifier.valid(c.signature, c.message()):
            return f"{what}: signature does not match (forged or altered)"
    return None


def _start(first: Sequence[Any], by_seq: dict[int, list[Checkpoint]]) -> tuple[str, str | None]:
    """The hash the first row must link to, or a problem when nothing vouches for it."""
    seq = int(first[_SEQ])
    if seq <= 1:
        return GENESIS, None
    anchors = [c for c in by_seq.get(seq - 1, ()) if c.kind == CheckpointKind.PRUNE]
    if not anchors:
        return GENESIS, (
            f"entry {seq}: the log starts here but no signed prune checkpoint anchors entry"
            f" {seq - 1} (earlier entries deleted)"
        )
    for c in by_seq[seq - 1]:
        if c.hash != first[_PREV]:
            return GENESIS, (
                f"entry {seq}: its link to entry {seq - 1} differs from the {c.describe()}"
                " (chain rewritten)"
            )
    return str(first[_PREV]), None


def _walk(
    rows: Iterable[Sequence[Any]], by_seq: dict[int, list[Checkpoint]], report: VerifyReport
) -> str | None:
    sha256 = hashlib.sha256
    prev, expected = GENESIS, None
    for row in rows:
        seq = row[_SEQ]
        if expected is None:
            prev, problem = _start(row, by_seq)
            if problem:
                return problem
            report.first_seq = seq
        elif seq != expected:
            return f"entry {seq}: expected entry {expected}, found {seq} (deleted or reordered)"
        if row[_PREV] != prev:
            return (
                f"entry {seq}: previous-hash link broken (an entry before it was removed"
                " or changed)"
            )
        digest = sha256(prev.encode("ascii"))
        digest.update(canonical_values(*row[:_PREV]))
        prev = digest.hexdigest()
        if prev != row[_HASH]:
            return f"entry {seq}: content does not match its hash (edited)"
        for c in by_seq.get(seq, ()):
            if c.hash != prev:
                return f"entry {seq}: differs from the {c.describe()} (chain rewritten)"
        expected = seq + 1
        report.entries += 1
    report.last_seq = None if expected is None else expected - 1
    return None


def _tail_problem(checkpoints: Sequence[Checkpoint], report: VerifyReport) -> str | None:
    beyond = [c for c in checkpoints if report.last_seq is None or c.seq > report.last_seq]
    if not beyond:
        return None
    furthest = max(beyond, key=lambda c: c.seq)
    if report.last_seq is None:
        return f"log is empty but {furthest.describe()} covers entry {furthest.seq} (truncated)"
    return (
        f"log ends at entry {report.last_seq} but {furthest.describe()} covers entry"
        f" {furthest.seq} (truncated)"
    )


def _missing_problem(missing: Sequence[Checkpoint]) -> str | None:
    if not missing:
        return None
    c = missing[0]
    return (
        f"{c.describe()} covering entry {c.seq} is in the witness file but missing from the"
        " database (deleted)"
    )
