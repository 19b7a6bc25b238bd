"""Payloads made rows or rejected with the reason, payloads refused unparsed, batching."""

from __future__ import annotations

import json
import queue
from datetime import UTC, datetime
from typing import Any

import pytest

from incidents.alarms import PointGeometry
from incidents.batching import drain_batch, take_batch
from incidents.engine import _Work
from incidents.parsing import Channel, Submission, too_large
from incidents.records import AlarmRow, ParsedBatch, prepared
from tests.incidents.test_adapters_csu_json import EXAMPLE as CSU_EXAMPLE
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


@pytest.mark.parametrize("variant", _VARIANTS)
def test_a_csu_alarm_is_its_row_or_the_reason(variant: dict[str, Any]) -> None:
    """Every variant is a row or a rejection naming the field, never an adapter's failure."""
    body = {k: v for k, v in {**CSU_EXAMPLE, **variant}.items() if v is not None}
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    stored = prepared(Submission(Channel.MQTT, json.dumps(body).encode(), now), 9, now)
    assert bool(stored.rows) != bool(stored.error), stored
    assert "could not be parsed" not in (stored.error or "")
    for row in stored.rows:
        assert row.raw_id == 9 and row.received_at == row.updated_at == now
        assert row.occurred_at.tzinfo is UTC and row.source == body["source"]


def test_a_row_is_placed_at_its_point_or_the_centre_of_its_polygon() -> None:
    now = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)

    def row(**changes: Any) -> AlarmRow:
        body = json.dumps({**CSU_EXAMPLE, **changes}).encode()
        (only,) = prepared(Submission(Channel.MQTT, body, now), 1, now).rows
        return only

    point = row(location={"type": "Point", "coordinates": [47.0, 0.5, 12]})
    assert (point.lon, point.lat) == (47.0, 0.5)
    assert point.location == PointGeometry(coordinates=(47.0, 0.5)).model_dump_json()
    polygon = row(location=_POLYGON)
    assert polygon.lon == pytest.approx(-0.54333, abs=1e-5)
    assert polygon.lat == pytest.approx(47.47333, abs=1e-5)
    assert polygon.location is not None and json.loads(polygon.location) == {
        "type": "Polygon",
        "coordinates": _POLYGON["coordinates"],
    }
    video = row(type="video.loss", location=None, camera_id="cam-street")
    assert (video.lon, video.lat, video.location, video.camera_id) == (
        None,
        None,
        None,
        "cam-street",
    )
