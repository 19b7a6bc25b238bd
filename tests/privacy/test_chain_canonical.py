"""The hand-built canonical form is byte for byte the sorted-key json.dumps it stands for."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from privacy.access_log.chain import (
    CHAINED_FIELDS,
    SORTED_FIELDS,
    TIME_FIELDS,
    canonical,
    canonical_time,
    canonical_values,
    hash_matches,
    legacy_canonical,
)


def _reference(fields: dict[str, Any]) -> bytes:
    doc = {
        name: canonical_time(fields.get(name)) if name in TIME_FIELDS else fields.get(name)
        for name in CHAINED_FIELDS
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


CASES: list[dict[str, Any]] = [
    {},
    {
        "seq": 7,
        "at": datetime(2026, 11, 25, 21, 4, tzinfo=UTC),
        "action": "video.snapshot",
        "user": "operator",
        "details": '{"rendition": "zones"}',
        "outcome": "granted",
    },
    {
        "seq": 123456789,
        "at": "2026-11-25 21:04:00.000001",  # SQLite's stored form
        "span_start": "2026-11-25T22:00:00+01:00",  # any ISO text
        "span_end": datetime(2026, 11, 25, 22, 0, tzinfo=timezone(timedelta(hours=-5))),
        "reason": 'quotes " backslash \\ tab \t nul \x00 line sep \u2028 accents éàü 日本',
        "requisition": "PV 2026/114",
        "client": "::1",
        "role": "privacy_officer",
        "camera_id": "cam-ralliement-1",
    },
    {"seq": 1, "at": datetime(2026, 1, 1), "details": "{}", "role": 3.5, "client": True},
    {"seq": 2, "requisition": ["x", {"b": 1, "a": 2}]},
]


@pytest.mark.parametrize("fields", CASES)
def test_canonical_matches_json_dumps(fields: dict[str, Any]) -> None:
    """Every kind of value encodes as json.dumps(sort_keys=True) would."""
    assert canonical(fields) == _reference(fields)
    assert canonical_values(*(fields.get(n) for n in SORTED_FIELDS)) == _reference(fields)


def test_times_are_utc_microseconds_with_z() -> None:
    """Aware, naive (UTC) and stored-text times give the same canonical text."""
    aware = datetime(2026, 11, 25, 22, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    expected = "2026-11-25T21:04:05.000000Z"
    assert canonical_time(aware) == expected
    assert canonical_time(datetime(2026, 11, 25, 21, 4, 5)) == expected
    assert canonical_time("2026-11-25 21:04:05.000000") == expected
    assert canonical_time(None) is None


# Every time Python can hold, naive (UTC) or with any offset that keeps it inside after conversion.
OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23))
ANY_TIME = st.datetimes(timezones=st.none() | st.just(UTC) | st.builds(timezone, OFFSETS)).filter(
    lambda t: _in_utc(t) is not None
)
_SQLITE_DATETIME = sqlite.DATETIME().bind_processor(sqlite.dialect())


def _in_utc(moment: datetime) -> datetime | None:
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        return None


@settings(max_examples=500)
@given(ANY_TIME)
def test_canonical_times_round_trip_over_the_full_range(moment: datetime) -> None:
    """Read back as text (SQLite's stored form, or the canonical text itself) it hashes the same."""
    text = canonical_time(moment)
    assert text is not None
    utc = _in_utc(moment)
    assert utc is not None
    assert datetime.fromisoformat(text) == utc
    assert canonical_time(text) == text
    assert _SQLITE_DATETIME is not None
    assert canonical_time(_SQLITE_DATETIME(utc.replace(tzinfo=None))) == text


@settings(max_examples=300)
@given(ANY_TIME.filter(lambda t: _in_utc(t).year >= 1000))  # type: ignore[union-attr]
def test_the_form_is_the_first_one_wherever_that_one_read_back(moment: datetime) -> None:
    """Chains written before the years were padded hash alike for every year from 1000."""
    utc = _in_utc(moment)
    assert utc is not None
    assert canonical_time(moment) == utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_an_entry_hashed_with_an_unpadded_year_still_matches() -> None:
    """An entry the first form wrote for year 999 matches; an edited one does not."""
    fields: dict[str, Any] = {
        "seq": 4,
        "at": datetime(2026, 11, 25, tzinfo=UTC),
        "action": "video.playback",
        "span_start": datetime(999, 1, 1, tzinfo=UTC),
        "span_end": datetime(999, 1, 1, 0, 5, tzinfo=UTC),
        "outcome": "granted",
        "details": "{}",
    }
    old = _reference(fields).replace(b'"0999-', b'"999-')
    stored = hashlib.sha256(b"a" * 64 + old).hexdigest()
    values = [fields.get(name) for name in SORTED_FIELDS]
    assert hash_matches("a" * 64, values, stored)
    assert legacy_canonical(values) == old
    values[SORTED_FIELDS.index("reason")] = "edited"
    assert not hash_matches("a" * 64, values, stored)


@given(
    st.integers(),
    st.text(alphabet=st.characters(exclude_categories=("Cs",))),
    st.none() | st.text(),
)
def test_ints_and_any_text_encode_as_json_dumps(seq: int, reason: str, user: str | None) -> None:
    """Any int and any text (every code point a database stores) encode like json.dumps."""
    fields = {"seq": seq, "reason": reason, "user": user, "at": datetime(2026, 1, 1)}
    assert canonical(fields) == _reference(fields)
