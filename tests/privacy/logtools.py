"""Helpers for access-log tests: filling, signing, rewriting, and running `csu audit`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from csu.db import Database
from csu.settings import Settings
from privacy.access_log import AccessLog, AccessRecord
from privacy.access_log.chain import GENESIS, entry_hash
from privacy.access_log.checkpoints import Checkpointer
from privacy.access_log.signing import load_or_create_signer
from privacy.access_log.verify import VerifyReport
from privacy.access_log.witness import FileWitness, witness_path
from privacy.audit.verification import VerifySources, verify_with
from tests.privacy.tamper import tamper

CSU = Path(sys.executable).parent / "csu"


def fill(log: AccessLog, n: int, *, at: datetime | None = None) -> None:
    """Append n snapshot entries by three users on two cameras."""
    for i in range(n):
        log.append(
            AccessRecord(
                action="video.snapshot",
                user=f"user{i % 3}",
                role="operator",
                camera_id=f"cam-{i % 2}",
                client="10.1.2.3",
                reason=f"check {i}",
                details={"i": i, "rendition": "zones"},
            ),
            at=at,
        )


def checkpointer(db: Database, data_dir: Path) -> Checkpointer:
    """The signer the app would use for this data folder (key created on first use)."""
    settings = Settings(data_dir=data_dir)
    signer = load_or_create_signer(settings.signing_key_path())
    return Checkpointer(db, signer, [FileWitness(witness_path(data_dir))])


def verify(
    db: Database,
    data_dir: Path,
    *,
    pins: tuple[str, ...] = (),
    public_keys: tuple[Path, ...] = (),
    witnesses: tuple[str, ...] = (),
) -> VerifyReport:
    """What `csu audit verify` finds for this data folder, in process."""
    sources = VerifySources.from_settings(
        Settings(data_dir=data_dir), pins=pins, public_keys=public_keys, witnesses=witnesses
    )
    return verify_with(db, sources).report


def rows(db: Database) -> list[dict[str, Any]]:
    """Every stored entry, by seq."""
    with db.engine.connect() as conn:
        return [
            dict(r._mapping) for r in conn.execute(sa.text("SELECT * FROM access_log ORDER BY seq"))
        ]


def rewrite_chain(db: Database, *, seq: int, reason: str) -> None:
    """Change one entry and recompute every hash after it: a consistent chain, without the key."""
    stored = rows(db)
    prev = GENESIS
    statements = []
    for row in stored:
        if row["seq"] == seq:
            row["reason"] = reason
        new_hash = entry_hash(prev, row)
        if row["seq"] >= seq:
            statements.append(
                f"UPDATE access_log SET reason = '{row['reason']}', prev_hash = '{prev}',"
                f" hash = '{new_hash}' WHERE seq = {row['seq']}"
            )
        prev = new_hash
    tamper(db, *statements)


def run_csu(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`csu ARGS` as a real process on this data folder and database."""
    env = {**os.environ, "CSU_DATA_DIR": str(data_dir), "CSU_DATABASE_URL": url}
    return subprocess.run(
        [str(CSU), *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def refuse_log_writes(db: Database) -> None:
    """Make every insert into the access log fail, as a full disk would (reads still work)."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(
                sa.text(
                    "CREATE TRIGGER full_disk BEFORE INSERT ON access_log"
                    " BEGIN SELECT RAISE(ABORT, 'disk full'); END"
                )
            )
            return
        conn.execute(
            sa.text(
                "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS"
                " $$ BEGIN RAISE EXCEPTION 'disk full'; END $$"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TRIGGER full_disk BEFORE INSERT ON access_log"
                " FOR EACH ROW EXECUTE FUNCTION full_disk()"
            )
        )
