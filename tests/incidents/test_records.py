"""What crosses from the MQTT intake to the engine: StoredRaws, and taking work by weight."""

from __future__ import annotations

import pickle
import queue
from datetime import UTC, datetime

import pytest

from incidents.batching import drain_batch, take_batch
from incidents.parsing import Channel, Submission
from incidents.records import StoredRaws


def _submissions() -> list[Submission]:
    at = datetime(2026, 11, 26, 2, 40, 0, 123456, tzinfo=UTC)
    return [
        Submission(Channel.MQTT, b'{"a": 1}', at, "application/json", "city/alarms/water"),
        Submission(Channel.HTTP_NGSI_LD, b"{}", at, None, None, '<https://x/ctx>; rel="ctx"'),
    ]


def test_stored_raws_give_back_each_payload_with_its_id_across_a_pickle() -> None:
    raws = StoredRaws.of([41, 42], _submissions())
    back = pickle.loads(pickle.dumps(raws, pickle.HIGHEST_PROTOCOL))
    assert back == raws and len(back) == 2
    assert list(back.payloads()) == list(zip([41, 42], _submissions(), strict=True))


def test_stored_raws_refuse_ids_that_do_not_match_the_payloads() -> None:
    with pytest.raises(ValueError, match="1 raw ids for 2 payloads"):
        StoredRaws.of([1], _submissions())


def test_a_stored_payload_s_callback_stays_behind() -> None:
    acked: list[int] = []
    with_ack = Submission(Channel.MQTT, b"{}", datetime.now(UTC), on_stored=lambda: acked.append(1))
    pickle.dumps(StoredRaws.of([1], [with_ack]))  # the callback is not a column
    with pytest.raises(ValueError, match="on_stored"):
        pickle.dumps(with_ack)


def test_a_batch_is_limited_by_weight_when_asked() -> None:
    source: queue.Queue[int] = queue.Queue()
    for weight in (300, 150, 100, 5):
        source.put(weight)
    batch, stopped = take_batch(source, None, 500, size=lambda w: w)
    assert batch == [300, 150, 100] and not stopped  # the last one may carry it past the limit
    assert drain_batch(source, 7, None, 500) == ([7, 5], False)
    source.put(None)  # type: ignore[arg-type]
    assert take_batch(source, None, 500) == ([], True)
