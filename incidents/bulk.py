"""Many rows in one statement, for the incident engine's hot path (a storm of alarms).

SQLAlchemy's insert-many with RETURNING processes every parameter of every row in Python; at
thousands of alarms a second that costs more than SQLite's own work. On SQLite the rows go to
the driver's `executemany` and their ids are read off the table: the engine holds the write lock
for the whole statement, and SQLite gives each new row the largest rowid plus one, so the ids of a
batch are consecutive. That is checked, not assumed. On PostgreSQL (psycopg) the rows go to
psycopg's pipelined `executemany` with RETURNING, a result per row in order. Other databases keep
SQLAlchemy's insert-many RETURNING.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

Row = Sequence[Any]  # values in the order of BulkInsert.columns


class BulkInsert:
    """Inserts rows of one table (every column but `id`) and hands back their ids in order."""

    def __init__(self, table: sa.Table) -> None:
        self.table = table
        self.columns = tuple(c.name for c in table.columns if c.name != "id")
        self._returning = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        self._processors: dict[str, list[tuple[int, Callable[[Any], Any]]]] = {}

    def ids(self, conn: Connection, rows: Sequence[Row]) -> list[int]:
        """Insert the rows; their new ids, in the rows' order."""
        if not rows:
            return []
        if conn.dialect.driver == "psycopg":
            return self._psycopg_ids(conn, rows)
        if conn.dialect.name != "sqlite":
            params = [dict(zip(self.columns, row, strict=True)) for row in rows]
            return [int(i) for i in conn.execute(self._returning, params).scalars()]
        tuples = self._tuples(conn, rows)
        name = self.table.name
        placeholders = ", ".join("?" for _ in self.columns)
        sql = f"INSERT INTO {name} ({', '.join(self.columns)}) VALUES ({placeholders})"
        first = conn.exec_driver_sql(sql, tuples[0]).lastrowid
        if len(tuples) > 1:
            conn.exec_driver_sql(sql, tuples[1:])
        last = int(conn.exec_driver_sql(f"SELECT max(id) FROM {name}").scalar_one())
        if last != first + len(tuples) - 1:
            raise RuntimeError(f"{name}: ids of a batch are not consecutive ({first}..{last})")
        return list(range(first, last + 1))

    def _psycopg_ids(self, conn: Connection, rows: Sequence[Row]) -> list[int]:
        # psycopg's executemany with returning: one short statement, pipelined, a result per
        # row in the rows' order. SQLAlchemy's insert-many sends one long statement per batch,
        # whose placeholders psycopg rewrites in Python every time (too long for its cache):
        # two thirds of the engine's time at a few thousand alarms a second.
        placeholders = ", ".join("%s" for _ in self.columns)
        sql = (
            f"INSERT INTO {self.table.name} ({', '.join(self.columns)})"
            f" VALUES ({placeholders}) RETURNING id"
        )
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, self._tuples(conn, rows), returning=True)
            ids: list[int] = []
            while True:
                ids.append(int(cursor.fetchone()[0]))
                if not cursor.nextset():
                    return ids
        finally:
            cursor.close()

    def _tuples(self, conn: Connection, rows: Sequence[Row]) -> list[tuple[Any, ...]]:
        # The column types' own conversions (a datetime's storage format on SQLite, say), so
        # the rows read back exactly as if SQLAlchemy had written them.
        processors = self._processors.get(conn.dialect.name)
        if processors is None:
            processors = []
            for index, name in enumerate(self.columns):
                impl = self.table.c[name].type.dialect_impl(conn.dialect)
                found = impl.bind_processor(conn.dialect)
                if found is not None:
                    processors.append((index, found))
            self._processors[conn.dialect.name] = processors
        # A batch's rows share their receipt time: each distinct time is formatted once.
        times: dict[datetime, Any] = {}
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = list(row)
            for index, convert in processors:
                value = values[index]
                if value is None:
                    continue
                if isinstance(value, datetime):
                    done = times.get(value)
                    if done is None:
                        done = times[value] = convert(value)
                    values[index] = done
                else:
                    values[index] = convert(value)
            out.append(tuple(values))
        return out
