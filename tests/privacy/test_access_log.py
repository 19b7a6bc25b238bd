"""The hash-chained access log on real databases: appends link, tampering is found."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from csu.db import Database
from privacy.access_log import GENESIS, AccessLog, AccessLogUnavailable, AccessRecord, Outcome
from privacy.access_log.chain import first_break
from tests.privacy.tamper import tamper


def _rows(db: Database) -> list[dict[str, Any]]:
    with db.engine.connect() as conn:
        result = conn.execute(sa.text("SELECT * FROM access_log ORDER BY seq"))
        return [dict(r._mapping) for r in result]


def _fill(log: AccessLog, n: int) -> None:
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
            )
        )


def test_appends_form_an_intact_chain(db: Database) -> None:
    """Sequence numbers run 1..n, each entry links to the previous hash, and verify passes."""
    log = AccessLog(db)
    _fill(log, 20)
    rows = _rows(db)
    assert [r["seq"] for r in rows] == list(range(1, 21))
    assert rows[0]["prev_hash"] == GENESIS
    assert all(rows[i]["prev_hash"] == rows[i - 1]["hash"] for i in range(1, 20))
    assert first_break(rows) is None
    assert [e.seq for e in log.entries(batch=7)] == list(range(1, 21))


def test_concurrent_appenders_never_fork_the_chain(db: Database) -> None:
    """Threads appending at once still give one linear chain."""
    log = AccessLog(db)
    threads = [threading.Thread(target=_fill, args=(log, 10)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = _rows(db)
    assert len(rows) == 40
    assert first_break(rows) is None


def _tamper(db: Database, sql: str) -> None:
    # The append-only triggers refuse these statements; an attacker drops them first.
    tamper(db, sql)


@pytest.mark.parametrize(
    ("sql", "bad_seq", "why"),
    [
        ("UPDATE access_log SET reason = 'nothing to see' WHERE seq = 5", 5, "edited"),
        ("UPDATE access_log SET at = at + interval '1 second' WHERE seq = 3", 3, "edited"),
        ("DELETE FROM access_log WHERE seq = 7", 8, "deleted or reordered"),
    ],
)
def test_tampering_is_found(db: Database, sql: str, bad_seq: int, why: str) -> None:
    """An edited field or a deleted row is reported at the first broken entry."""
    if db.is_sqlite and "interval" in sql:
        sql = "UPDATE access_log SET at = '2020-01-01 00:00:00.000000' WHERE seq = 3"
    _fill(AccessLog(db), 10)
    _tamper(db, sql)
    broken = first_break(_rows(db))
    assert broken is not None
    assert broken[0] == bad_seq and why in broken[1]


def test_swapped_rows_are_found(db: Database) -> None:
    """Exchanging the places of two entries breaks the chain at the first of them."""
    _fill(AccessLog(db), 10)
    for sql in (
        "UPDATE access_log SET seq = -4 WHERE seq = 4",
        "UPDATE access_log SET seq = 4 WHERE seq = 5",
        "UPDATE access_log SET seq = 5 WHERE seq = -4",
    ):
        _tamper(db, sql)
    broken = first_break(_rows(db))
    assert broken is not None and broken[0] == 4


def test_a_failing_write_raises_so_nothing_is_served(db: Database) -> None:
    """When the table cannot be written the caller gets AccessLogUnavailable."""
    log = AccessLog(db)
    _tamper(db, "DROP TABLE access_log")
    with pytest.raises(AccessLogUnavailable, match="access log write failed"):
        log.append(AccessRecord(action="video.snapshot", user="op", outcome=Outcome.GRANTED))


def test_times_are_hashed_in_utc(db: Database) -> None:
    """An entry written with a non-UTC aware time verifies after the round trip."""
    from zoneinfo import ZoneInfo

    log = AccessLog(db)
    log.append(
        AccessRecord(
            action="video.playback",
            user="op",
            span_start=datetime(2026, 11, 25, 21, 0, tzinfo=ZoneInfo("Europe/Paris")),
            span_end=datetime(2026, 11, 25, 21, 5, tzinfo=UTC),
        ),
        at=datetime(2026, 11, 25, 22, 0, tzinfo=ZoneInfo("Europe/Paris")),
    )
    assert first_break(_rows(db)) is None
