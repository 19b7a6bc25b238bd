"""The database side of a run: a fresh database and its account, and what csu stored in it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from bench.alarms.measure import pct
from bench.alarms.payloads import SOURCES

Marks = tuple[int, int]  # the last raw payload's and the last alarm's ids before a run


def prepare_database(url: str, username: str, password: str, role: str = "operator") -> None:
    """Migrate and create the account a bench signs in as (every camera), before csu starts."""
    from csu.db import Database
    from csu.identity import service as identity
    from csu.identity.roles import Role
    from csu.migrate import upgrade

    db = Database(url)
    try:
        upgrade(db.engine)
        with db.session() as session:
            identity.create_user(
                session, username=username, role=Role(role), password=password, cameras=["*"]
            )
    finally:
        db.dispose()


@contextlib.contextmanager
def postgres_database(server_url: str, run: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server of `server_url`, dropped afterwards."""
    name = f"csu_bench_{run}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def connected(url: str) -> Iterator[sa.Connection]:
    """One connection to the app's database, its engine disposed of afterwards."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def marks(url: str) -> Marks:
    """The last raw payload's and the last alarm's ids: a run's rows come after them."""
    with connected(url) as conn:
        raw = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM raw_alarms")).scalar_one()
        alarm = conn.execute(sa.text("SELECT coalesce(max(id), 0) FROM alarms")).scalar_one()
        return int(raw), int(alarm)


def counts(url: str, after: Marks = (0, 0)) -> dict[str, int]:
    """The load's raw payloads (those unparsed, rejected), alarms, and incidents since `after`.

    Only the load's own: with cameras, csu raises alarms of its own meanwhile (the analytics
    camera's, a video loss when a camera starves), stored on the internal channel.
    """
    sources = ", ".join(f"'{source}'" for source in SOURCES)
    raw = "SELECT count(*) FROM raw_alarms WHERE channel <> 'internal' AND id > :raw"
    with connected(url) as conn:

        def one(query: str) -> int:
            return int(conn.execute(sa.text(query), {"raw": after[0], "alarm": after[1]}).one()[0])

        # Payloads first, alarms after: a payload is marked parsed in the transaction that
        # stores its alarms, so alarms counted later include every parsed payload's, while
        # counted first they could miss a batch committed in between (seen on PostgreSQL).
        found = {
            "raw": one(raw),
            "unparsed": one(f"{raw} AND status = 'received'"),
            "rejected": one(f"{raw} AND status = 'rejected'"),
        }
        alarms = f"SELECT count(*) FROM alarms WHERE source IN ({sources}) AND id > :alarm"
        found["alarms"] = one(alarms)
        found["incidents"] = one("SELECT count(*) FROM incidents")
        return found


def wait_stored(
    url: str, payloads: int, after: Marks = (0, 0), stall_s: float = 10.0, poll_s: float = 0.1
) -> dict[str, int]:
    """Poll until every payload is stored and parsed, or nothing has moved for `stall_s`."""
    last, moved = None, time.monotonic()
    while True:
        found = counts(url, after)
        if found["raw"] >= payloads and found["unparsed"] == 0:
            return found
        if found != last:
            last, moved = found, time.monotonic()
        elif time.monotonic() - moved > stall_s:
            return found
        time.sleep(poll_s)


def stage_times(url: str) -> tuple[dict[int, float], dict[int, float]]:
    """Each raw payload's receipt and the start of the engine's batch that took it (its alarm
    rows' first `received_at`), as epochs by raw id."""
    with connected(url) as conn:
        received = conn.execute(sa.text("SELECT id, received_at FROM raw_alarms")).all()
        query = "SELECT raw_id, min(received_at) FROM alarms GROUP BY raw_id"
        handled = conn.execute(sa.text(query)).all()
    return {int(i): epoch(at) for i, at in received}, {int(i): epoch(at) for i, at in handled}


def stage_latency(url: str, ranks: Sequence[int], planned: Sequence[float]) -> dict[str, Any]:
    """p50/p99 from the planned send to receipt (raw row) and to the engine's batch (alarm row).

    Rank r is raw id r. The rows hold wall-clock times and the load client monotonic ones: one
    offset, read here, turns the second into the first.
    """
    offset = monotonic_offset()
    received, handled = stage_times(url)

    def delays(times: dict[int, float]) -> list[float]:
        return [
            times[rank] - offset - at
            for rank, at in zip(ranks, planned, strict=True)
            if rank in times
        ]

    receipt, engine = delays(received), delays(handled)
    return {
        "receipt_p50_ms": pct(receipt, 50),
        "receipt_p99_ms": pct(receipt, 99),
        "engine_p50_ms": pct(engine, 50),
        "engine_p99_ms": pct(engine, 99),
    }


def epoch(stamp: Any) -> float:
    """A stored time (timezone-naive ones are UTC) as seconds since the epoch."""
    at = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).timestamp()


def monotonic_offset() -> float:
    """What turns a monotonic time of this machine into an epoch: add it."""
    return time.time() - time.monotonic()
