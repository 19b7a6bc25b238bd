"""`csu audit verify` and `csu audit export` as real processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from csu.db import Database
from csu.migrate import upgrade
from privacy.access_log import AccessLog
from privacy.access_log.signing import load_or_create_signer, load_verifier
from tests.privacy.logtools import checkpointer, fill, rewrite_chain, rows, run_csu
from tests.privacy.tamper import tamper

pytestmark = pytest.mark.slow


@pytest.fixture
def signed(database_url: str, tmp_path: Path) -> Iterator[Database]:
    """Ten entries signed at 5 and 10, two more after, as a running site leaves them."""
    db = Database(database_url)
    upgrade(db.engine)
    log, signer = AccessLog(db), checkpointer(db, tmp_path)
    fill(log, 5)
    signer.checkpoint()
    fill(log, 5)
    signer.checkpoint()
    fill(log, 2)
    yield db
    db.dispose()


def _verify(db: Database, data_dir: Path) -> tuple[int, str]:
    done = run_csu(data_dir, db.url, "audit", "verify")
    return done.returncode, done.stdout + done.stderr


def test_an_intact_log_exits_0(signed: Database, tmp_path: Path) -> None:
    """Exit 0 and a line saying how much was checked."""
    code, out = _verify(signed, tmp_path)
    assert code == 0, out
    assert out.startswith("access log intact: 12 entries 1..12, 2 checkpoints")


TAMPERING = {
    "edit a field": (
        ["UPDATE access_log SET reason = 'nothing to see' WHERE seq = 7"],
        "entry 7: content does not match its hash (edited)",
    ),
    "delete a row": (
        ["DELETE FROM access_log WHERE seq = 7"],
        "entry 8: expected entry 7, found 8 (deleted or reordered)",
    ),
    "swap two rows": (
        [
            "UPDATE access_log SET seq = -4 WHERE seq = 4",
            "UPDATE access_log SET seq = 4 WHERE seq = 5",
            "UPDATE access_log SET seq = 5 WHERE seq = -4",
        ],
        "entry 4: ",
    ),
    "drop the tail": (
        ["DELETE FROM access_log WHERE seq > 8"],
        "log ends at entry 8 but checkpoint signed at ",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_tampering_exits_1_naming_the_entry(signed: Database, tmp_path: Path, case: str) -> None:
    """Each kind of tampering, done past the triggers, is found and named."""
    statements, expected = TAMPERING[case]
    tamper(signed, *statements)
    code, out = _verify(signed, tmp_path)
    assert code == 1, out
    assert out.splitlines()[0].startswith(expected), out


def test_a_chain_rewritten_without_the_key_exits_1(signed: Database, tmp_path: Path) -> None:
    """Recomputing every hash after an edit is caught by the signed checkpoint."""
    rewrite_chain(signed, seq=3, reason="nothing to see")
    code, out = _verify(signed, tmp_path)
    assert code == 1, out
    assert out.startswith("entry 5: differs from the checkpoint signed at ")


def test_verify_without_the_key_exits_1(signed: Database, tmp_path: Path) -> None:
    """A missing key is never replaced by a fresh one: the checkpoints cannot be trusted."""
    for key in (tmp_path / "keys").iterdir():
        key.unlink()
    code, out = _verify(signed, tmp_path)
    assert code == 1 and "no signing key" in out
    assert not any((tmp_path / "keys").iterdir())


def test_verify_with_the_public_key_alone(signed: Database, tmp_path: Path) -> None:
    """The privacy officer can verify holding only the public half."""
    public = tmp_path / "keys" / "access-log-ed25519.pub.pem"
    done = run_csu(tmp_path / "elsewhere", signed.url, "audit", "verify", "--key", str(public))
    # another data folder has no witness file; the database's checkpoints still verify
    assert done.returncode == 0, done.stdout + done.stderr


def test_export_jsonl_and_csv_and_the_export_is_logged(signed: Database, tmp_path: Path) -> None:
    """Both formats carry every entry with its links; each export leaves an audit.export entry."""
    jsonl = run_csu(tmp_path, signed.url, "audit", "export", "--format", "jsonl")
    assert jsonl.returncode == 0, jsonl.stderr
    docs = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert [d["seq"] for d in docs] == list(range(1, 14))  # 12, then the export itself
    assert docs[0]["details"] == {"i": 0, "rendition": "zones"}
    assert docs[0]["at"].endswith("Z") and len(docs[0]["hash"]) == 64
    assert docs[-1]["action"] == "audit.export" and docs[-1]["details"]["format"] == "jsonl"
    table = run_csu(tmp_path, signed.url, "audit", "export", "--since", "2000-01-01")
    assert table.returncode == 0, table.stderr
    read = list(csv.DictReader(io.StringIO(table.stdout)))
    assert len(read) == 14 and read[6]["reason"] == "check 1"
    assert json.loads(read[-1]["details"])["since"] == "2000-01-01T00:00:00+00:00"
    assert [r["action"] for r in rows(signed)][-2:] == ["audit.export", "audit.export"]
    assert _verify(signed, tmp_path)[0] == 0


def test_export_of_an_empty_period(signed: Database, tmp_path: Path) -> None:
    """A period with no entries gives the CSV header alone."""
    done = run_csu(tmp_path, signed.url, "audit", "export", "--until", "2001-01-01")
    assert done.returncode == 0 and done.stdout.splitlines() == [
        "seq,at,action,user,role,camera_id,span_start,span_end,reason,requisition,client,"
        "outcome,details,prev_hash,hash"
    ]


def test_bad_arguments_exit_2_one_line_each(signed: Database, tmp_path: Path) -> None:
    """Every bad option is named on its own line; nothing is exported or logged."""
    before = len(rows(signed))
    done = run_csu(
        tmp_path, signed.url, "audit", "export", "--since", "yesterday", "--until", "2026-13-01"
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "--since : «\u00a0yesterday\u00a0» n'est ni une date (AAAA-MM-JJ) ni une heure ISO 8601",
        "--until : «\u00a02026-13-01\u00a0» n'est ni une date (AAAA-MM-JJ) ni une heure ISO 8601",
    ]
    backwards = run_csu(
        tmp_path, signed.url, "audit", "export", "--since", "2026-02-01", "--until", "2026-01-01"
    )
    assert backwards.returncode == 2
    assert backwards.stderr.splitlines() == ["--since doit précéder --until"]
    wrong = run_csu(tmp_path, signed.url, "audit", "export", "--format", "xml")
    assert wrong.returncode == 2 and "invalid choice: 'xml'" in wrong.stderr
    assert len(rows(signed)) == before


def test_a_retention_below_the_legal_floor_is_refused(signed: Database, tmp_path: Path) -> None:
    """The setting is checked before any command runs."""
    import os
    import subprocess

    from tests.privacy.logtools import CSU

    env = {
        **os.environ,
        "CSU_DATA_DIR": str(tmp_path),
        "CSU_DATABASE_URL": signed.url,
        "CSU_ACCESS_LOG_RETENTION_DAYS": "90",
    }
    done = subprocess.run(
        [str(CSU), "audit", "verify"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "CSU_ACCESS_LOG_RETENTION_DAYS: must be at least 180 days (6 months, the legal minimum),"
        " got 90"
    )


def test_user_add_writes_an_account_entry(signed: Database, tmp_path: Path) -> None:
    """Creating an account from the command line is logged, with who ran the command."""
    done = run_csu(
        tmp_path, signed.url, "user", "add", "dana", "--role", "operator", "--cameras", "cam-1"
    )
    assert done.returncode == 0, done.stderr
    entry = rows(signed)[-1]
    assert entry["action"] == "admin.user_created"
    details = json.loads(entry["details"])
    assert details["username"] == "dana" and details["cameras"] == ["cam-1"]
    assert details["via"] == "cli" and details["os_user"]
    again = run_csu(tmp_path, signed.url, "user", "add", "dana", "--role", "operator")
    assert again.returncode == 2 and rows(signed)[-1]["seq"] == entry["seq"]


def test_every_bad_entry_gets_its_own_line(signed: Database, tmp_path: Path) -> None:
    """Two edits far apart: both named, one line each, then the count; exit 1."""
    tamper(
        signed,
        "UPDATE access_log SET reason = 'nothing to see' WHERE seq = 3",
        "UPDATE access_log SET reason = 'nothing either' WHERE seq = 11",
    )
    code, out = _verify(signed, tmp_path)
    assert code == 1, out
    lines = out.splitlines()
    assert lines[:2] == [
        "entry 3: content does not match its hash (edited)",
        "entry 11: content does not match its hash (edited)",
    ]
    assert lines[2].startswith("access log BROKEN: 2 problem(s) above (checked 12 entries")


def test_audit_key_prints_the_fingerprint_verify_pins(signed: Database, tmp_path: Path) -> None:
    """The fingerprint to hand over; verify pinned to it trusts that key and no other."""
    done = run_csu(tmp_path, signed.url, "audit", "key")
    assert done.returncode == 0, done.stderr
    fingerprint = done.stdout.strip()
    public = load_verifier(tmp_path / "keys" / "access-log-ed25519.pub.pem")
    assert fingerprint == public.fingerprint and fingerprint.startswith("SHA256:")
    pinned = run_csu(tmp_path, signed.url, "audit", "verify", "--fingerprint", fingerprint)
    assert pinned.returncode == 0 and "note:" not in pinned.stdout, pinned.stdout
    assert f"key {fingerprint}" in pinned.stdout
    code, out = _verify(signed, tmp_path)
    assert code == 0 and "(unpinned)" in out and "note: signing key not pinned" in out
    stranger = load_or_create_signer(tmp_path / "elsewhere" / "key.pem").fingerprint
    wrong = run_csu(tmp_path, signed.url, "audit", "verify", "--fingerprint", stranger)
    assert wrong.returncode == 1 and "signed by unknown key" in wrong.stdout, wrong.stdout
    bad = run_csu(
        tmp_path, signed.url, "audit", "verify", "--fingerprint", "SHA256:x", "--witness", "/nope"
    )
    assert bad.returncode == 2 and bad.stderr.splitlines() == [
        "--fingerprint : 'SHA256:x' n'est pas une empreinte de clé (SHA256: et 43 chiffres base64)",
        "--witness : /nope : fichier introuvable",
    ]


def test_a_witness_export_catches_what_the_data_folder_hides(
    signed: Database, tmp_path: Path
) -> None:
    """The checkpoints, kept elsewhere, outlive a truncation of the log, its table and file."""
    kept = tmp_path / "privacy-officer" / "checkpoints.jsonl"
    kept.parent.mkdir()
    shutil.copy(tmp_path / "access-log-checkpoints.jsonl", kept)
    tamper(signed, "DELETE FROM access_log WHERE seq > 3", "DELETE FROM chain_checkpoints")
    (tmp_path / "access-log-checkpoints.jsonl").unlink()
    assert _verify(signed, tmp_path)[0] == 0  # the data folder alone is fooled
    done = run_csu(tmp_path, signed.url, "audit", "verify", "--witness", str(kept))
    assert done.returncode == 1, done.stdout
    assert "log ends at entry 3 but checkpoint signed at " in done.stdout
    assert "covers entry 10 (truncated)" in done.stdout
