"""Reading the stored log fast: one streamed plain-SQL query, times as canonical-ready UTC text."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from csu.db import Database, UtcDateTime
from privacy.access_log.chain import CHAINED_FIELDS, SORTED_FIELDS, TIME_FIELDS

# What the verifier reads: the hashed fields in canonical order, then the two links.
CHAIN_COLUMNS = (*SORTED_FIELDS, "prev_hash", "hash")
ENTRY_COLUMNS = (*CHAINED_FIELDS, "prev_hash", "hash")
BATCH = 10_000


def _select_list(db: Database, columns: Sequence[str]) -> str:
    # PostgreSQL formats times itself, in UTC, as the text SQLite stores: the chain then hashes
    # text without building a datetime per field (most of verify's time otherwise).
    parts = []
    for name in columns:
        if name in TIME_FIELDS and not db.is_sqlite:
            parts.append(f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')")
        else:
            parts.append(f'"{name}"')
    return ", ".join(parts)


def stream_tuples(
    db: Database,
    columns: Sequence[str],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    batch: int = BATCH,
) -> Iterator[Sequence[Any]]:
    """The chosen columns of every entry (`at` in [since, until) when given), in chain order."""
    where, params = [], {}
    if since is not None:
        where.append("at >= :since")
        params["since"] = since
    if until is not None:
        where.append("at < :until")
        params["until"] = until
    condition = f" WHERE {' AND '.join(where)}" if where else ""
    statement = sa.text(
        f"SELECT {_select_list(db, columns)} FROM access_log{condition} ORDER BY seq"
    ).bindparams(*(sa.bindparam(n, type_=UtcDateTime) for n in params))
    # One query on a server-side cursor: one consistent snapshot, no re-planning per batch.
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=batch).execute(
            statement, params
        )
        for part in result.partitions():
            yield from part


def stream_rows(
    db: Database, *, since: datetime | None = None, until: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """Every entry (in the period when given) in chain order, as plain dicts."""
    for row in stream_tuples(db, ENTRY_COLUMNS, since=since, until=until):
        yield dict(zip(ENTRY_COLUMNS, row, strict=True))
