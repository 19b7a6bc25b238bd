"""What crosses from the MQTT intake to the engine: parsed payloads, and taking work by weight."""

from __future__ import annotations

import dataclasses
import pickle
import queue
from datetime import UTC, datetime

from incidents.batching import drain_batch, take_batch
from incidents.parsing import Channel, Submission
from incidents.records import ParsedBatch, prepared
from tests.incidents.test_engine import alarm


def test_a_parsed_batch_crosses_a_pickle_with_every_value() -> None:
    now = datetime(2026, 11, 26, 2, 40, 0, 123456, tzinfo=UTC)
    good = Submission(Channel.MQTT, alarm("a1"), now, "application/json", "city/alarms/water")
    bad = Submission(Channel.MQTT, b"{", now)
    batch = ParsedBatch([prepared(good, 41, now), prepared(bad, 42, now)])
    back = pickle.loads(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
    assert len(back) == 2 and back.payloads[1].error == batch.payloads[1].error
    assert back.payloads[1].rows == [] and back.payloads[0].raw_id == 41
    (row,) = back.payloads[0].rows
    assert dataclasses.astuple(row) == dataclasses.astuple(batch.payloads[0].rows[0])
    assert row.external_id == "a1" and row.raw_id == 41 and row.occurred_at.tzinfo is not None


def test_a_batch_is_limited_by_weight_when_asked() -> None:
    source: queue.Queue[int] = queue.Queue()
    for weight in (300, 150, 100, 5):
        source.put(weight)
    batch, stopped = take_batch(source, None, 500, size=lambda w: w)
    assert batch == [300, 150, 100] and not stopped  # the last one may carry it past the limit
    assert drain_batch(source, 7, None, 500) == ([7, 5], False)
    source.put(None)  # type: ignore[arg-type]
    assert take_batch(source, None, 500) == ([], True)
