"""Access log: appends per second under concurrent writers, and verification speed.

Run: `python -m bench.access_log [--threads 1,4,16] [--appends 400] [--entries 200000]`; prints
one JSON line per figure. SQLite is a fresh file in a temporary folder; PostgreSQL is measured too
when CSU_BENCH_DATABASE_URL (or CSU_TEST_DATABASE_URL) names one, in a schema of its own that is
dropped afterwards.

Appends: N threads share one AccessLog, as a site's request threads do, each appending snapshot
entries as fast as it can; the figure is entries committed per wall-clock second. Every append is
its own transaction (read the head, insert, commit), as the law wants each look logged before the
picture is served. Verify: a chain of `--entries` entries is written directly (hashed in process,
inserted in bulk), one signed checkpoint on its head, then `verify_database` (what `csu audit
verify` runs) reads it all back and checks every link and the signature.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from csu.db import Database
from csu.migrate import upgrade
from privacy.access_log import AccessLog, AccessRecord
from privacy.access_log.chain import GENESIS, canonical_time, entry_hash
from privacy.access_log.checkpoints import Checkpointer, checkpoint_message
from privacy.access_log.models import ChainCheckpoint
from privacy.access_log.signing import CheckpointSigner, key_ring, load_or_create_signer
from privacy.access_log.verify import verify_database

INSERT_BATCH = 5_000
_INSERT = sa.text(
    'INSERT INTO access_log (seq, at, action, "user", role, camera_id, span_start, span_end,'
    " reason, requisition, client, outcome, details, prev_hash, hash) VALUES (:seq, :at, :action,"
    " :user, :role, :camera_id, :span_start, :span_end, :reason, :requisition, :client, :outcome,"
    " :details, :prev_hash, :hash)"
).bindparams(sa.bindparam("at", type_=sa.DateTime(timezone=True)))


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "access_log", **fields}), flush=True)


def _record(i: int) -> AccessRecord:
    return AccessRecord(
        action="video.snapshot",
        user=f"operator{i % 12}",
        role="operator",
        camera_id=f"cam-{i % 40}",
        client="10.20.0.15",
        details={"rendition": "zones"},
    )


def appends_per_second(db: Database, threads: int, per_thread: int) -> float:
    """Entries committed per second by `threads` writers sharing one AccessLog."""
    log = AccessLog(db)
    log.append(_record(0))  # warm the pool and the head lookup

    def write() -> None:
        for i in range(per_thread):
            log.append(_record(i))

    workers = [threading.Thread(target=write) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return threads * per_thread / (time.perf_counter() - start)


def checkpoint_cost(db: Database, key_dir: Path, rounds: int) -> dict[str, float]:
    """CPU per scheduled checkpoint: with nothing new (most runs), and signing a new head."""
    log = AccessLog(db)
    checkpointer = Checkpointer(db, load_or_create_signer(key_dir / "bench-ed25519.pem"))
    log.append(_record(0))
    checkpointer.checkpoint()
    cpu = time.process_time()
    for _ in range(rounds):
        checkpointer.checkpoint()
    idle = (time.process_time() - cpu) / rounds
    signing = 0.0
    for i in range(rounds):
        log.append(_record(i))
        cpu = time.process_time()
        checkpointer.checkpoint()
        signing += time.process_time() - cpu
    signing /= rounds
    return {
        "idle_ms": round(idle * 1000, 3),
        "signing_ms": round(signing * 1000, 3),
        # every 5 s, each run signing (a busy hour): CPU seconds an hour, on one core
        "busy_cpu_s_per_hour": round(signing * 720, 2),
    }


def _chain(count: int) -> Iterator[list[dict[str, Any]]]:
    prev, batch = GENESIS, []
    start = datetime.now(UTC) - timedelta(days=300)
    for seq in range(1, count + 1):
        record = _record(seq)
        fields = record.model_dump(exclude={"details"})
        fields.update(
            seq=seq,
            at=start + timedelta(seconds=seq * 100),
            outcome=record.outcome.value,
            details='{"rendition": "zones"}',
        )
        fields.update(prev_hash=prev, hash=entry_hash(prev, fields))
        prev = fields["hash"]
        batch.append(fields)
        if len(batch) == INSERT_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _sign_every(db: Database, signer: CheckpointSigner, every: int) -> int:
    """A signed interval checkpoint every `every` entries, as a busy site's scheduler leaves."""
    with db.engine.connect() as conn:
        query = sa.text("SELECT seq, hash FROM access_log WHERE seq % :n = 0 ORDER BY seq")
        heads = conn.execute(query, {"n": every}).all()
    signed_at = canonical_time(datetime.now(UTC))
    assert signed_at is not None
    rows = [
        {
            "seq": seq,
            "hash": hash_,
            "signed_at": datetime.fromisoformat(signed_at),
            "kind": "interval",
            "key_id": signer.key_id,
            "signature": signer.sign(checkpoint_message(seq, hash_, signed_at, "interval")),
        }
        for seq, hash_ in heads
    ]
    with db.engine.begin() as conn:
        conn.execute(sa.insert(ChainCheckpoint.__table__), rows)  # type: ignore[attr-defined]
    return len(rows)


def verify_speed(
    db: Database, key_dir: Path, entries: int, checkpoint_every: int | None = None
) -> dict[str, float]:
    """Write a chain of `entries`, sign its head (or every N entries), time verify_database."""
    with db.engine.begin() as conn:
        for batch in _chain(entries):
            conn.execute(_INSERT, batch)
        if not db.is_sqlite:
            conn.execute(sa.text("ANALYZE access_log"))
    signer = load_or_create_signer(key_dir / "bench-ed25519.pem")
    checkpoints = _sign_every(db, signer, checkpoint_every) if checkpoint_every else 0
    Checkpointer(db, signer).checkpoint()
    start, cpu = time.perf_counter(), time.process_time()
    report = verify_database(db, keys=key_ring(signer))
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    if not report.ok or report.entries != entries:
        raise SystemExit(f"verify failed on the bench chain: {report.problem}")
    # CPU rate: this process's time only (all of it for SQLite; PostgreSQL's server side is not
    # counted), the figure that holds on a shared machine where wall time depends on neighbours.
    return {
        "entries": entries,
        "checkpoints": checkpoints + 1,
        "seconds": round(seconds, 3),
        "per_s": round(entries / seconds),
        "per_cpu_s": round(entries / cpu_seconds),
    }


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[Database]:
    if kind == "sqlite":
        db = Database(f"sqlite:///{folder / 'bench.db'}")
        upgrade(db.engine)
        yield db
        db.dispose()
        return
    url = os.environ.get("CSU_BENCH_DATABASE_URL") or os.environ["CSU_TEST_DATABASE_URL"]
    schema = f"csu_bench_{os.getpid()}_{int(time.time())}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    db = Database(f"{url}{separator}options=-csearch_path%3D{schema}")
    try:
        upgrade(db.engine)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def bench(kinds: list[str], threads: list[int], appends: int, entries: int) -> None:
    """Every figure for every database kind."""
    for kind in kinds:
        for count in threads:
            with tempfile.TemporaryDirectory() as folder, _database(kind, Path(folder)) as db:
                rate = appends_per_second(db, count, max(1, appends // count))
                emit(db=kind, figure="appends_per_s", threads=count, value=round(rate))
        with tempfile.TemporaryDirectory() as folder, _database(kind, Path(folder)) as db:
            emit(db=kind, figure="checkpoint", **checkpoint_cost(db, Path(folder), 200))
        for every in (None, 10):
            with tempfile.TemporaryDirectory() as folder, _database(kind, Path(folder)) as db:
                emit(db=kind, figure="verify", **verify_speed(db, Path(folder), entries, every))


def main(argv: list[str] | None = None) -> None:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(prog="python -m bench.access_log", description=__doc__)
    parser.add_argument("--threads", default="1,4,16", help="writer thread counts")
    parser.add_argument("--appends", type=int, default=2000, help="entries per measurement")
    parser.add_argument("--entries", type=int, default=200_000, help="chain length to verify")
    args = parser.parse_args(argv)
    postgres = os.environ.get("CSU_BENCH_DATABASE_URL") or os.environ.get("CSU_TEST_DATABASE_URL")
    kinds = ["sqlite", "postgresql"] if postgres else ["sqlite"]
    bench(kinds, [int(n) for n in args.threads.split(",")], args.appends, args.entries)


if __name__ == "__main__":
    main()
