"""Verification in process: chain, signed checkpoints and witness, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from csu.db import Database
from privacy.access_log import AccessLog, AccessLogEntry
from privacy.access_log.chain import canonical, canonical_values, entry_hash
from privacy.access_log.checkpoints import CheckpointKind, stored_checkpoints
from privacy.access_log.rows import CHAIN_COLUMNS, ENTRY_COLUMNS, stream_rows, stream_tuples
from privacy.access_log.signing import load_verifier
from privacy.access_log.verify import verify_database
from privacy.access_log.witness import read_witness_file, witness_path
from tests.privacy.logtools import checkpointer, fill, rewrite_chain, rows, verify
from tests.privacy.tamper import tamper


def _check(db: Database, data_dir: Path) -> str | None:
    return verify(db, data_dir).problem


def test_streamed_rows_hash_like_the_writer(db: Database) -> None:
    """The fast reader's text times give the same hashes as the stored entries."""
    fill(AccessLog(db), 5)
    for row in stream_tuples(db, CHAIN_COLUMNS):
        prev, stored = row[-2], row[-1]
        assert entry_hash(prev, dict(zip(CHAIN_COLUMNS, row, strict=True))) == stored
        assert canonical_values(*row[:-2]).startswith(b'{"action":"video.snapshot"')
    assert [r["seq"] for r in stream_rows(db)] == [1, 2, 3, 4, 5]
    assert set(next(iter(stream_rows(db)))) == set(ENTRY_COLUMNS)


def test_an_intact_signed_log_verifies(db: Database, tmp_path: Path) -> None:
    """Entries, two checkpoints, a few entries after them: intact."""
    log, signer = AccessLog(db), checkpointer(db, tmp_path)
    fill(log, 5)
    assert signer.checkpoint() is not None
    assert signer.checkpoint() is None  # the head is already signed
    fill(log, 5)
    signer.checkpoint(CheckpointKind.SHUTDOWN)
    fill(log, 2)
    report = verify(db, tmp_path)
    assert report.ok, report.problems
    assert (report.entries, report.first_seq, report.last_seq) == (12, 1, 12)
    assert report.checkpoints == 2 and report.latest is not None and report.latest.seq == 10
    assert [c.seq for c in stored_checkpoints(db)] == [5, 10]
    assert [c.seq for c in read_witness_file(witness_path(tmp_path)).checkpoints] == [5, 10]


@pytest.fixture
def signed(db: Database, tmp_path: Path) -> Database:
    """Ten entries with checkpoints at 5 and 10."""
    log, signer = AccessLog(db), checkpointer(db, tmp_path)
    fill(log, 5)
    signer.checkpoint()
    fill(log, 5)
    signer.checkpoint()
    return db


def test_a_dropped_tail_is_truncation(signed: Database, tmp_path: Path) -> None:
    """Removing the newest entries leaves a checkpoint beyond the end."""
    tamper(signed, "DELETE FROM access_log WHERE seq > 8")
    problem = _check(signed, tmp_path)
    assert problem is not None
    assert problem.startswith("log ends at entry 8 but checkpoint signed at ")
    assert problem.endswith("covers entry 10 (truncated)")


def test_an_emptied_log_is_truncation(signed: Database, tmp_path: Path) -> None:
    """Deleting every entry is not an empty log."""
    tamper(signed, "DELETE FROM access_log")
    assert "log is empty but checkpoint signed at" in str(_check(signed, tmp_path))


def test_a_consistent_rewrite_contradicts_the_checkpoints(signed: Database, tmp_path: Path) -> None:
    """Every hash recomputed after an edit: the chain holds, the signed head does not."""
    rewrite_chain(signed, seq=3, reason="nothing to see")
    problem = str(_check(signed, tmp_path))
    assert problem.startswith("entry 5: differs from the checkpoint signed at ")
    assert problem.endswith("(chain rewritten)")


def test_deleting_checkpoints_too_is_caught_by_the_witness(
    signed: Database, tmp_path: Path
) -> None:
    """An attacker who rewrites the chain and deletes the checkpoints still meets the witness."""
    rewrite_chain(signed, seq=3, reason="nothing to see")
    tamper(signed, "DELETE FROM chain_checkpoints")
    assert str(_check(signed, tmp_path)).startswith("entry 5: differs from the checkpoint")
    tamper(signed, "DELETE FROM access_log WHERE seq > 2")
    assert "in the witness file but missing from the database (deleted)" not in str(
        _check(signed, tmp_path)
    )
    assert "log ends at entry 2" in str(_check(signed, tmp_path))


def test_a_checkpoint_deleted_from_the_database_alone_is_reported(
    signed: Database, tmp_path: Path
) -> None:
    """The witness keeps every checkpoint; one gone from the table is named."""
    tamper(signed, "DELETE FROM chain_checkpoints WHERE seq = 5")
    problem = str(_check(signed, tmp_path))
    assert "covering entry 5 is in the witness file but missing from the database" in problem


def test_forged_and_altered_checkpoints_fail(signed: Database, tmp_path: Path) -> None:
    """A checkpoint moved to another entry no longer matches its signature."""
    tamper(signed, "UPDATE chain_checkpoints SET seq = 4 WHERE seq = 5")
    witness_path(tmp_path).unlink()
    assert "signature does not match (forged or altered)" in str(_check(signed, tmp_path))


def test_a_checkpoint_from_another_key_is_named(signed: Database, tmp_path: Path) -> None:
    """Checkpoints signed by a key this site does not hold are reported with its id."""
    other = checkpointer(signed, tmp_path / "other")
    fill(AccessLog(signed), 1)
    other.checkpoint()
    assert "signed by unknown key" in str(_check(signed, tmp_path))


def test_without_the_key_checkpoints_cannot_be_trusted(signed: Database, tmp_path: Path) -> None:
    """No key: verify refuses to call the log intact."""
    report = verify_database(signed, keys={})
    assert report.problem == "cannot check 2 checkpoint signatures: no signing key"


def test_a_garbled_witness_line_is_reported(signed: Database, tmp_path: Path) -> None:
    """The witness file is evidence too: a line that is not a checkpoint fails verification."""
    with witness_path(tmp_path).open("a") as out:
        out.write('{"seq": "five"}\n')
    assert "not a checkpoint record" in str(_check(signed, tmp_path))


def test_entries_removed_from_the_start_without_an_anchor(signed: Database, tmp_path: Path) -> None:
    """Deleting the oldest entries is only legitimate behind a signed prune checkpoint."""
    tamper(signed, "DELETE FROM access_log WHERE seq <= 5")
    problem = str(_check(signed, tmp_path))
    assert problem.startswith("entry 6: the log starts here but no signed prune checkpoint")


def test_rows_helper_sees_the_stored_entries(signed: Database) -> None:
    """The test helper reads what the log wrote."""
    assert [r["seq"] for r in rows(signed)] == list(range(1, 11))


def test_a_rotated_key_keeps_its_checkpoints_verifiable(signed: Database, tmp_path: Path) -> None:
    """Retire the private key, keep its public half: with both pinned, old and new verify."""
    key = tmp_path / "keys" / "access-log-ed25519.pem"
    retired = tmp_path / "keys" / "access-log-ed25519-2026.pub.pem"
    (tmp_path / "keys" / "access-log-ed25519.pub.pem").rename(retired)
    key.unlink()
    fill(AccessLog(signed), 1)
    checkpointer(signed, tmp_path).checkpoint()  # a new key is generated and signs
    pins = (load_verifier(retired).fingerprint, load_verifier(key).fingerprint)
    assert verify(signed, tmp_path, pins=pins).ok
    # unpinned, only the configured (new) key counts; the old checkpoints are not relied on
    # while the chain agrees with them, so the log still verifies, and says it is unpinned
    unpinned = verify(signed, tmp_path)
    assert unpinned.ok and "signing key not pinned" in unpinned.notes[0]
    retired.unlink()
    # the witness records carry each key: a pinned fingerprint finds its key there
    assert verify(signed, tmp_path, pins=pins).ok
    witness_path(tmp_path).unlink()
    missing = verify(signed, tmp_path, pins=pins)
    assert missing.notes == [
        f"pinned key {pins[0]}: no public key for it here or in the witness (give it with"
        " --public-key)"
    ]


def test_every_bad_entry_is_reported_once(signed: Database, tmp_path: Path) -> None:
    """An edit early on does not hide a later one, nor flag the entries after it."""
    tamper(
        signed,
        "UPDATE access_log SET reason = 'nothing to see' WHERE seq = 3",
        "UPDATE access_log SET reason = 'nothing either' WHERE seq = 8",
    )
    report = verify(signed, tmp_path)
    assert report.problems == [
        "entry 3: content does not match its hash (edited)",
        "entry 8: content does not match its hash (edited)",
    ]
    assert report.problem_count == 2 and report.entries == 10


def test_a_deletion_and_an_edit_are_both_named(signed: Database, tmp_path: Path) -> None:
    """A deleted entry is named where the gap shows; an edit after it is still found."""
    tamper(
        signed,
        "DELETE FROM access_log WHERE seq = 4",
        "UPDATE access_log SET client = '10.9.9.9' WHERE seq = 9",
    )
    assert verify(signed, tmp_path).problems == [
        "entry 5: expected entry 4, found 5 (deleted or reordered)",
        "entry 9: content does not match its hash (edited)",
    ]


def test_a_chain_written_by_the_first_canonical_form_still_verifies(
    db: Database, tmp_path: Path
) -> None:
    """An entry for year 999 hashed before years were padded is intact, not edited."""
    log = AccessLog(db)
    fill(log, 2)
    prev = rows(db)[-1]["hash"]
    fields: dict[str, Any] = {
        "seq": 3,
        "at": datetime(2026, 11, 25, 21, 4, tzinfo=UTC),
        "action": "video.playback",
        "user": "operator",
        "span_start": datetime(999, 1, 1, tzinfo=UTC),
        "span_end": datetime(999, 1, 1, 0, 5, tzinfo=UTC),
        "reason": "typo in the year",
        "outcome": "granted",
        "details": "{}",
    }
    first_form = canonical(fields).replace(b'"0999-', b'"999-')
    old_hash = hashlib.sha256(prev.encode() + first_form).hexdigest()
    with db.session() as session:
        session.add(AccessLogEntry(**fields, prev_hash=prev, hash=old_hash))
    fill(log, 2)
    checkpointer(db, tmp_path).checkpoint()
    report = verify(db, tmp_path)
    assert report.ok, report.problems
    assert report.entries == 5
