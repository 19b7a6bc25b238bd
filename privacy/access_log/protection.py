"""The one sanctioned way past the database's append-only triggers: pruning old entries.

The triggers (migration 0005) refuse UPDATE and DELETE on the log. The retention job alone opens
them, for one transaction: PostgreSQL reads a transaction-local setting `csu.prune = on`; SQLite
triggers cannot read settings, so they look for a TEMP table `csu_prune`, which only the
connection that made it can see. Anyone holding the database's own rights can do the same or
drop the triggers: that is caught by `csu audit verify`, not prevented here.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from csu.db import Database


def prune_through(db: Database, seq: int) -> int:
    """Delete the entries up to and including `seq`; returns how many went."""
    with db.engine.connect() as conn:
        try:
            with conn.begin():
                _open(conn, sqlite=db.is_sqlite)
                result = conn.execute(
                    sa.text("DELETE FROM access_log WHERE seq <= :seq"), {"seq": seq}
                )
                _close(conn, sqlite=db.is_sqlite)
            return int(result.rowcount)
        finally:
            # Never hand back to the pool a connection that might still let deletes through.
            conn.invalidate()


def _open(conn: Connection, *, sqlite: bool) -> None:
    if sqlite:
        conn.execute(sa.text("CREATE TEMP TABLE IF NOT EXISTS csu_prune (on_purpose INTEGER)"))
    else:
        conn.execute(sa.text("SELECT set_config('csu.prune', 'on', true)"))


def _close(conn: Connection, *, sqlite: bool) -> None:
    if sqlite:
        conn.execute(sa.text("DROP TABLE IF EXISTS temp.csu_prune"))
