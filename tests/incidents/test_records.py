"""Payloads made rows (the short way for csu JSON), payloads refused unparsed, batching."""

from __future__ import annotations

import dataclasses
import json
import queue
import random
from datetime import UTC, datetime
from typing import Any

import pytest

from incidents.alarms import AlarmParseError, PointGeometry, parse_csu_alarm
from incidents.batching import drain_batch, take_batch
from incidents.engine import _Work
from incidents.parsing import Channel, Submission, too_large
from incidents.records import ParsedBatch, StoredPayload, new_alarm, prepared
from tests.incidents.test_adapters_fuzz import CSU_EXAMPLE, JUNK, _nodes, _replaced, _without
from tests.incidents.test_engine import alarm


def test_a_stored_payload_is_its_rows_or_the_reason() -> None:
    now = datetime(2026, 11, 26, 2, 40, 0, 123456, tzinfo=UTC)
    good = Submission(Channel.MQTT, alarm("a1"), now, "application/json", "city/alarms/water")
    bad = Submission(Channel.MQTT, b"{", now)
    batch = ParsedBatch([prepared(good, 41, now), prepared(bad, 42, now)])
    assert len(batch) == 2 and "not valid JSON" in (batch.payloads[1].error or "")
    assert batch.payloads[1].rows == [] and batch.payloads[0].raw_id == 41
    (row,) = batch.payloads[0].rows
    assert row.external_id == "a1" and row.raw_id == 41 and row.occurred_at.tzinfo is not None
    assert row.received_at == now and row.type == "lighting.feeder_down"


def test_a_payload_too_large_is_rejected_unparsed() -> None:
    """Only its start is kept, with the reason; the engine only marks it."""
    body = alarm("big") + b" " * 200_000
    back = too_large(Channel.HTTP_JSON, body, size=len(body), limit=100_000)
    assert len(back.body) == 65_536 and body.startswith(back.body)
    assert back.refused == (
        f"payload too large: {len(body):,} bytes over the limit of 100,000"
        " (CSU_ALARM_MAX_BODY_BYTES); its first 65,536 bytes are kept"
    )
    stored = prepared(back, 7, datetime.now(UTC))
    assert stored.rows == [] and stored.error == back.refused
    small_limit = too_large(Channel.MQTT, body, size=None, limit=2048)
    assert len(small_limit.body) == 2048  # never more kept than the limit itself
    assert "more bytes over the limit of 2,048" in (small_limit.refused or "")


def test_a_large_payload_weighs_more_in_an_engine_batch() -> None:
    """A notification of a thousand alarms does not share its batch with 499 more payloads."""
    now = datetime.now(UTC)
    work = [_Work(Submission(Channel.HTTP_NGSI_LD, b"x" * 600_000, now))]
    work += [_Work(Submission(Channel.HTTP_JSON, alarm(f"s{n}"), now)) for n in range(600)]
    source: queue.Queue[object] = queue.Queue()
    for item in work:
        source.put(item)
    first, _ = take_batch(source, None, 500, size=_Work.size)
    second, _ = take_batch(source, None, 500, size=_Work.size)
    assert len(first) == 1 and len(second) == 500


def test_a_batch_is_limited_by_weight_when_asked() -> None:
    source: queue.Queue[int] = queue.Queue()
    for weight in (300, 150, 100, 5):
        source.put(weight)
    batch, stopped = take_batch(source, None, 500, size=lambda w: w)
    assert batch == [300, 150, 100] and not stopped  # the last one may carry it past the limit
    assert drain_batch(source, 7, None, 500) == ([7, 5], False)
    source.put(None)  # type: ignore[arg-type]
    assert take_batch(source, None, 500) == ([], True)


_POLYGON = {
    "type": "Polygon",
    "coordinates": [[[-0.55, 47.47], [-0.54, 47.47], [-0.54, 47.48], [-0.55, 47.47]]],
}
_VARIANTS: list[dict[str, Any]] = [
    {},
    {"location": _POLYGON},
    {"type": "video.loss", "location": None, "camera_id": "cam-street"},
    {"type": "video.loss", "location": None},
    {"status": "cancelled", "references": [" LUM-1 ", "LUM-2"], "severity": None},
    {"data": {"b": 1, "a": [1, 2.5, None], "nested": {"z": "é"}}, "description": None},
    {"source": "s" * 128, "external_id": "e" * 512, "camera_id": "c" * 64},
    {"source": "s" * 129},
    {"external_id": "e" * 513},
    {"camera_id": "c" * 65, "type": "video.motion"},
    {"location": {"type": "Point", "coordinates": [47.0, 0.5, 12]}},
    {"location": {"type": "Point", "coordinates": [200, 47]}},
    {"occurred_at": "2026-11-25T21:04:00.123456789-03:30"},
]


def _slow_way(body: bytes, raw_id: int, now: datetime) -> StoredPayload:
    """What `prepared` made before its short way: the Alarm model, then the row."""
    try:
        alarm = parse_csu_alarm(body)
    except AlarmParseError as exc:
        return StoredPayload(raw_id, error=str(exc))
    return StoredPayload(raw_id, [new_alarm(alarm, raw_id=raw_id, now=now)])


def _same(body: bytes) -> bool:
    """Both ways agree on `body`; True when it made a row."""
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    short = prepared(Submission(Channel.MQTT, body, now), 9, now)
    slow = _slow_way(body, 9, now)
    assert short.error == slow.error, body
    assert [dataclasses.astuple(r) for r in short.rows] == [
        dataclasses.astuple(r) for r in slow.rows
    ], body
    return bool(short.rows)


@pytest.mark.parametrize("variant", _VARIANTS)
def test_the_short_way_makes_the_rows_and_errors_the_alarm_model_would(
    variant: dict[str, Any],
) -> None:
    """csu JSON goes straight to its row; it must be the row (or error) the Alarm model gives."""
    body = {**CSU_EXAMPLE, **variant}
    _same(json.dumps({k: v for k, v in body.items() if v is not None}).encode())


def test_the_short_way_agrees_on_mangled_alarms_too() -> None:
    rng = random.Random(20261126)
    made: list[bool] = []
    for path in list(_nodes(CSU_EXAMPLE))[1:]:
        made.append(_same(json.dumps(_without(CSU_EXAMPLE, path)).encode()))
        for junk in rng.sample(JUNK, 6):
            made.append(_same(json.dumps(_replaced(CSU_EXAMPLE, path, junk)).encode()))
    assert 10 < sum(made) < len(made) - 10  # both rows and errors, many of each
    for lon, lat in ((rng.uniform(-180, 180), rng.uniform(-90, 90)) for _ in range(500)):
        _same(
            json.dumps(
                {**CSU_EXAMPLE, "location": {"type": "Point", "coordinates": [lon, lat]}}
            ).encode()
        )


def test_a_point_row_stores_the_geometry_as_the_model_writes_it() -> None:
    rng = random.Random(7)
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    points = [(47.0, 0.0), (-0.0, 90.0), (5e-324, -90.0), (180.0, 1e-7)]
    points += [(rng.uniform(-180, 180), rng.uniform(-90, 90)) for _ in range(2000)]
    for lon, lat in points:
        body = json.dumps({**CSU_EXAMPLE, "location": {"type": "Point", "coordinates": [lon, lat]}})
        (row,) = prepared(Submission(Channel.MQTT, body.encode(), now), 1, now).rows
        assert row.location == PointGeometry(coordinates=(lon, lat)).model_dump_json()
        assert (row.lon, row.lat) == (lon, lat)
