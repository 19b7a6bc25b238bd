"""csu's time column: aware UTC in, aware UTC out, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from csu.db import Database, UtcDateTime

_META = sa.MetaData()
_TIMES = sa.Table(
    "times",
    _META,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", UtcDateTime, nullable=True),
)


def test_a_time_comes_back_aware_utc_whatever_offset_it_was_written_with(
    database_url: str,
) -> None:
    """+02:00 in, the same instant in UTC out; None stays None; queries compare instants."""
    db = Database(database_url)
    written = datetime(2026, 3, 1, 10, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    try:
        _META.create_all(db.engine)
        with db.engine.begin() as conn:
            conn.execute(sa.insert(_TIMES), [{"id": 1, "at": written}, {"id": 2, "at": None}])
        with db.engine.connect() as conn:
            rows = dict(conn.execute(sa.select(_TIMES.c.id, _TIMES.c.at)).all())
            found = conn.execute(
                sa.select(_TIMES.c.id).where(_TIMES.c.at == written.astimezone(UTC))
            ).scalars()
            latest = conn.execute(sa.select(sa.func.max(_TIMES.c.at))).scalar_one()
        assert rows[1] == written and rows[1].utcoffset() == timedelta(0)
        assert rows[1].isoformat() == "2026-03-01T08:30:15.123456+00:00"
        assert rows[2] is None
        assert list(found) == [1]
        assert latest == written and latest.tzinfo is not None
    finally:
        db.dispose()


def test_a_naive_time_is_refused_before_it_is_written(database_url: str) -> None:
    """A time without a zone could be any instant: nothing is stored."""
    db = Database(database_url)
    try:
        _META.create_all(db.engine)
        naive = {"id": 1, "at": datetime(2026, 3, 1, 10, 30)}
        with pytest.raises(sa.exc.StatementError, match="time zone"), db.engine.begin() as c:
            c.execute(sa.insert(_TIMES), naive)
        with db.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(_TIMES)).scalar() == 0
    finally:
        db.dispose()
