"""The database refuses edits and deletions of the log; only the pruning path gets through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from csu.db import Database
from csu.migrate import upgrade
from privacy.access_log import AccessLog
from privacy.access_log.protection import prune_through
from tests.privacy.logtools import checkpointer, fill, rows


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database with five entries."""
    database = Database(database_url)
    upgrade(database.engine)
    fill(AccessLog(database), 5)
    yield database
    database.dispose()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE access_log SET reason = 'nothing to see' WHERE seq = 2",
        "DELETE FROM access_log WHERE seq = 5",
        "DELETE FROM access_log",
        "INSERT INTO chain_checkpoints (seq, hash, signed_at, kind, key_id, signature)"
        " VALUES (1, 'h', '2026-01-01 00:00:00', 'interval', 'k', 's');"
        " UPDATE chain_checkpoints SET seq = 2",
        "INSERT INTO chain_checkpoints (seq, hash, signed_at, kind, key_id, signature)"
        " VALUES (1, 'h', '2026-01-01 00:00:00', 'interval', 'k', 's');"
        " DELETE FROM chain_checkpoints",
    ],
)
def test_edits_and_deletions_are_refused(db: Database, sql: str) -> None:
    """Whoever asks (an administrator's SQL tool included), the statement fails."""
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        for statement in sql.split(";"):
            conn.execute(sa.text(statement))
    assert len(rows(db)) == 5


def test_emptying_a_table_is_refused(db: Database, tmp_path: Path) -> None:
    """PostgreSQL's TRUNCATE skips row triggers, so a statement trigger refuses it; SQLite's
    DELETE-all shortcut is off when a table has triggers."""
    checkpointer(db, tmp_path).checkpoint()
    statement = "DELETE FROM {}" if db.is_sqlite else "TRUNCATE {}"
    for table in ("access_log", "chain_checkpoints"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(sa.text(statement.format(table)))


def test_pruning_gets_through_and_leaves_the_guard_closed(db: Database) -> None:
    """prune_through deletes the old entries; right after, a plain DELETE is refused again."""
    assert prune_through(db, 2) == 2
    assert [r["seq"] for r in rows(db)] == [3, 4, 5]
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM access_log WHERE seq = 3"))
    fill(AccessLog(db), 1)  # appending still works
    assert [r["seq"] for r in rows(db)] == [3, 4, 5, 6]


def test_pruning_never_updates(db: Database) -> None:
    """The pruning permission covers DELETE on the log, nothing else."""
    with db.engine.connect() as conn, conn.begin():
        if db.is_sqlite:
            conn.execute(sa.text("CREATE TEMP TABLE csu_prune (on_purpose INTEGER)"))
        else:
            conn.execute(sa.text("SELECT set_config('csu.prune', 'on', true)"))
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(sa.text("UPDATE access_log SET reason = 'x' WHERE seq = 1"))
