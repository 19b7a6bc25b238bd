"""The hand-built canonical form is byte for byte the sorted-key json.dumps it stands for."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from privacy.access_log.chain import (
    CHAINED_FIELDS,
    SORTED_FIELDS,
    TIME_FIELDS,
    canonical,
    canonical_time,
    canonical_values,
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
