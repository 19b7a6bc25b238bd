"""Every value the database accepts hashes the same once read back, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from csu.db import Database
from privacy.access_log import AccessLog, AccessLogEntry, AccessRecord
from privacy.access_log.chain import GENESIS, entry_hash, first_break
from privacy.access_log.checkpoints import stored_checkpoints
from privacy.access_log.rows import CHAIN_COLUMNS, stream_tuples
from privacy.access_log.verify import verify_log
from tests.privacy.logtools import rows

OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))


def _utc(moment: datetime) -> datetime | None:
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        return None


# The whole range Python holds (years 1 to 9999), naive or with any offset that stays inside.
TIMES = st.datetimes(timezones=st.none() | st.just(UTC) | st.builds(timezone, OFFSETS)).filter(
    lambda t: _utc(t) is not None
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


def _text(max_size: int, *, postgres: bool) -> st.SearchStrategy[str]:
    # Neither database stores a lone surrogate; PostgreSQL's text refuses NUL, SQLite keeps it.
    excluded = "\x00" if postgres else ""
    alphabet = st.characters(exclude_categories=("Cs",), exclude_characters=excluded)
    return st.text(alphabet=alphabet, max_size=max_size)


def _entries(postgres: bool) -> st.SearchStrategy[dict[str, Any]]:
    def text(n: int) -> st.SearchStrategy[str]:
        return _text(n, postgres=postgres)

    def maybe(n: int) -> st.SearchStrategy[str | None]:
        return st.none() | text(n)

    return st.fixed_dictionaries(
        {
            "at": TIMES,
            "action": text(64),
            "user": maybe(64),
            "role": maybe(32),
            "camera_id": maybe(64),
            "span_start": st.none() | TIMES,
            "span_end": st.none() | TIMES,
            "reason": maybe(1000),
            "requisition": maybe(128),
            "client": maybe(64),
            "outcome": text(16),
            "details": JSON.map(lambda doc: json.dumps(doc, ensure_ascii=False, sort_keys=True)),
        }
    )


def _append(db: Database, fields: dict[str, Any]) -> None:
    """Store one entry as the writer does: times in UTC, hashed before the insert."""
    stored = rows(db)
    prev = stored[-1]["hash"] if stored else GENESIS
    times = {n: _utc(fields[n]) if fields[n] else None for n in ("at", "span_start", "span_end")}
    fields = {**fields, **times, "seq": len(stored) + 1}
    with db.session() as session:
        session.add(AccessLogEntry(**fields, prev_hash=prev, hash=entry_hash(prev, fields)))


def test_any_stored_value_hashes_the_same_read_back(db: Database) -> None:
    """Verify's fast reader and the ORM both find every stored entry intact."""
    postgres = not db.is_sqlite

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(_entries(postgres), min_size=1, max_size=5))
    def check(entries: list[dict[str, Any]]) -> None:
        for fields in entries:
            _append(db, fields)
        report = verify_log(stream_tuples(db, CHAIN_COLUMNS), stored_checkpoints(db), keys={})
        assert report.ok, report.problem
        assert first_break(e.model_dump() for e in AccessLog(db).entries()) is None

    check()


def test_the_writer_refuses_times_it_could_not_log(db: Database) -> None:
    """A span or moment outside 1970..2200 (or past 9999 in UTC) is refused, nothing written."""
    log = AccessLog(db)
    for moment in (
        datetime(999, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2200, 1, 1, tzinfo=UTC),
    ):
        with pytest.raises(ValidationError, match="must be between 1970-01-01T00:00:00Z and"):
            AccessRecord(action="video.playback", span_start=moment)
        with pytest.raises(ValueError, match="must be between 1970-01-01T00:00:00Z and"):
            log.append(AccessRecord(action="video.playback"), at=moment)
    assert rows(db) == []
    log.append(AccessRecord(action="video.playback", span_start=datetime(1970, 1, 1)))
    assert len(rows(db)) == 1
