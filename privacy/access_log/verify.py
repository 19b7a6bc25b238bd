"""Verifying the log: every link, the signed checkpoints it rests on, and the witness copies.

Every bad entry is reported, not only the first: after a broken link the walk goes on from the
entry's stored hash, so one edit is one line and a later edit cannot hide behind it. A
checkpoint's signature is checked whenever the verdict rests on it: the newest one, prune
anchors, one that contradicts the chain or lies past its end, and one held by a witness but
missing from the database. A checkpoint that agrees with the chain says nothing the newest does
not, so its signature (the costly step, at checkpoints every few seconds) is not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from csu.db import Database
from privacy.access_log.chain import GENESIS, SORTED_FIELDS, canonical_values, hash_matches
from privacy.access_log.checkpoints import Checkpoint, CheckpointKind, stored_checkpoints
from privacy.access_log.rows import CHAIN_COLUMNS, stream_tuples
from privacy.access_log.signing import CheckpointVerifier

_SEQ = SORTED_FIELDS.index("seq")
_PREV, _HASH = len(SORTED_FIELDS), len(SORTED_FIELDS) + 1
# Problems kept in the report (all are counted, and all reach on_problem as they are found).
KEPT_PROBLEMS = 1000


@dataclass
class VerifyReport:
    """What verification found: counts, the problems (empty when intact) and notes."""

    entries: int = 0
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints: int = 0
    latest: Checkpoint | None = None
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0
    notes: list[str] = field(default_factory=list)
    on_problem: Callable[[str], None] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when the log is intact."""
        return self.problem_count == 0

    @property
    def problem(self) -> str | None:
        """The first problem found, or None."""
        return self.problems[0] if self.problems else None

    def add(self, problem: str) -> None:
        """Count a problem, keep it (up to KEPT_PROBLEMS) and pass it on."""
        self.problem_count += 1
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(problem)
        if self.on_problem is not None:
            self.on_problem(problem)


class _Signatures:
    """Checks a checkpoint's signature once, reporting a bad one once."""

    def __init__(self, keys: Mapping[str, CheckpointVerifier], report: VerifyReport) -> None:
        self._keys = keys
        self._report = report
        self._seen: dict[tuple[int, str, str, str, str], bool] = {}

    def trusted(self, c: Checkpoint) -> bool:
        """True when a trusted key signed it; otherwise the reason is reported (once)."""
        key = _key(c)
        if key not in self._seen:
            problem = self._problem(c)
            self._seen[key] = problem is None
            if problem is not None:
                self._report.add(problem)
        return self._seen[key]

    def _problem(self, c: Checkpoint) -> str | None:
        what = f"{c.describe()} covering entry {c.seq}"
        verifier = self._keys.get(c.key_id)
        if verifier is None:
            trusted = ", ".join(self._keys) or "none"
            return f"{what}: signed by unknown key {c.key_id} (trusted: {trusted})"
        if not verifier.valid(c.signature, c.message()):
            return f"{what}: signature does not match (forged or altered)"
        return None


def verify_log(
    rows: Iterable[Sequence[Any]],
    stored: Sequence[Checkpoint],
    *,
    keys: Mapping[str, CheckpointVerifier],
    witnessed: Sequence[Checkpoint] = (),
    witness_errors: Sequence[str] = (),
    known_problems: Sequence[str] = (),
    on_problem: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Check rows (CHAIN_COLUMNS order, by seq) against the stored and witnessed checkpoints."""
    report = VerifyReport(on_problem=on_problem)
    for problem in known_problems:
        report.add(problem)
    for error in witness_errors:
        report.add(f"checkpoint witness: {error}")
    known = {_key(c) for c in stored}
    missing = list({_key(c): c for c in witnessed if _key(c) not in known}.values())
    checkpoints = [*stored, *missing]
    report.checkpoints = len(checkpoints)
    if checkpoints and not keys:
        report.add(f"cannot check {len(checkpoints)} checkpoint signatures: no signing key")
    signatures = _Signatures(keys, report)
    _walk(rows, _by_seq(checkpoints), report, signatures)
    _tail(checkpoints, report, signatures)
    _newest(checkpoints, report, signatures)
    for c in missing:
        if signatures.trusted(c):
            report.add(
                f"{c.describe()} covering entry {c.seq} is in the witness file but missing from"
                " the database (deleted)"
            )
    return report


def verify_database(
    db: Database,
    *,
    keys: Mapping[str, CheckpointVerifier],
    witnessed: Sequence[Checkpoint] = (),
    witness_errors: Sequence[str] = (),
    known_problems: Sequence[str] = (),
    on_problem: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Verify the stored log; checkpoints are read first, so later appends cannot confuse it."""
    stored = stored_checkpoints(db)
    return verify_log(
        stream_tuples(db, CHAIN_COLUMNS),
        stored,
        keys=keys,
        witnessed=witnessed,
        witness_errors=witness_errors,
        known_problems=known_problems,
        on_problem=on_problem,
    )


def _key(c: Checkpoint) -> tuple[int, str, str, str, str]:
    return (c.seq, c.hash, c.signed_at, c.kind, c.signature)


def _by_seq(checkpoints: Iterable[Checkpoint]) -> dict[int, list[Checkpoint]]:
    found: dict[int, list[Checkpoint]] = {}
    for c in checkpoints:
        found.setdefault(c.seq, []).append(c)
    return found


def _start(
    first: Sequence[Any], by_seq: dict[int, list[Checkpoint]], sigs: _Signatures, why: list[str]
) -> str:
    """The hash the first row must link to; adds why nothing vouches for it, if so."""
    seq = int(first[_SEQ])
    if seq <= 1:
        return GENESIS
    vouching = [c for c in by_seq.get(seq - 1, ()) if sigs.trusted(c)]
    if not any(c.kind == CheckpointKind.PRUNE for c in vouching):
        why.append(
            f"the log starts here but no signed prune checkpoint anchors entry {seq - 1}"
            " (earlier entries deleted)"
        )
    why += [
        f"its link to entry {seq - 1} differs from the {c.describe()} (chain rewritten)"
        for c in vouching
        if c.hash != first[_PREV]
    ]
    return str(first[_PREV])


def _walk(
    rows: Iterable[Sequence[Any]],
    by_seq: dict[int, list[Checkpoint]],
    report: VerifyReport,
    sigs: _Signatures,
) -> None:
    prev, expected = GENESIS, None
    for row in rows:
        seq, link, stored = row[_SEQ], str(row[_PREV]), row[_HASH]
        why: list[str] = []
        if expected is None:
            report.first_seq = seq
            prev = _start(row, by_seq, sigs, why)
        elif seq != expected:
            why.append(f"expected entry {expected}, found {seq} (deleted or reordered)")
        if link != prev and not why:
            why.append("previous-hash link broken (an entry before it was removed or changed)")
        # Hashed over its own stored link, so that an entry after a broken one is judged alone.
        digest = sha256(link.encode())
        digest.update(canonical_values(*row[:_PREV]))
        if digest.hexdigest() != stored and not hash_matches(link, row[:_PREV], stored):
            why.append("content does not match its hash (edited)")
        why += [
            f"differs from the {c.describe()} (chain rewritten)"
            for c in by_seq.get(seq, ())
            if c.hash != stored and sigs.trusted(c)
        ]
        if why:
            report.add(f"entry {seq}: {'; '.join(why)}")
        prev, expected = str(stored), seq + 1
        report.entries += 1
    report.last_seq = None if expected is None else expected - 1


def _tail(checkpoints: Sequence[Checkpoint], report: VerifyReport, sigs: _Signatures) -> None:
    last = report.last_seq
    beyond = [c for c in checkpoints if last is None or c.seq > last]
    for c in sorted(beyond, key=lambda c: c.seq, reverse=True):
        if not sigs.trusted(c):
            continue
        if last is None:
            report.add(f"log is empty but {c.describe()} covers entry {c.seq} (truncated)")
        else:
            report.add(
                f"log ends at entry {last} but {c.describe()} covers entry {c.seq} (truncated)"
            )
        return


def _newest(checkpoints: Sequence[Checkpoint], report: VerifyReport, sigs: _Signatures) -> None:
    last = report.last_seq
    within = [c for c in checkpoints if last is not None and c.seq <= last]
    for c in sorted(within, key=lambda c: (c.seq, c.signed_at), reverse=True):
        if sigs.trusted(c):
            report.latest = c
            return
