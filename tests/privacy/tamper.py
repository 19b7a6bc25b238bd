"""Tampering with the stored log the way an attacker with database rights would."""

from __future__ import annotations

import sqlalchemy as sa

from csu.db import Database

_SQLITE_TRIGGERS = (
    "access_log_no_update",
    "access_log_no_delete",
    "chain_checkpoints_no_update",
    "chain_checkpoints_no_delete",
)
_PG_TRIGGERS = (
    ("access_log_append_only", "access_log"),
    ("access_log_no_truncate", "access_log"),
    ("chain_checkpoints_append_only", "chain_checkpoints"),
    ("chain_checkpoints_no_truncate", "chain_checkpoints"),
)


def unprotect(db: Database) -> None:
    """Drop the append-only triggers first, as an attacker holding the database's rights can."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in _SQLITE_TRIGGERS:
                conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        else:
            for name, table in _PG_TRIGGERS:
                conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name} ON {table}"))


def tamper(db: Database, *statements: str) -> None:
    """Run the statements with the triggers out of the way, in one transaction."""
    unprotect(db)
    with db.engine.begin() as conn:
        for sql in statements:
            conn.execute(sa.text(sql))
