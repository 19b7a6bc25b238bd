"""The alarm stream's messages (head, body, ids), the engine's guard against a redelivered
payload, the cluster's answer to a payload, and the wire form of relayed actions."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlmodel import col, select

from incidents.commands import (
    ActionName,
    CommandError,
    CommandForbidden,
    IncidentCommand,
    IncidentNotFound,
)
from incidents.engine import EngineUnavailable
from incidents.events import IncidentSummary
from incidents.models import IncidentStatus, RawAlarm, StoredAlarm
from incidents.parsing import Channel, Submission
from incidents.relay import decode_command, decode_outcome, encode_command, encode_outcome
from incidents.stream import StreamSettings, message_id, new_intake_id, pack, subject, unpack
from incidents.stream_intake import Stored, queued_result
from privacy.policy import CameraScope
from tests.incidents.test_engine import Engine, alarm, sub

AT = datetime(2026, 11, 25, 21, 4, 0, 123456, tzinfo=UTC)


def _topic_sub(body: bytes, topic: str | None = "hyperviseur/alarms/lum") -> Submission:
    return Submission(Channel.MQTT, body, AT, content_type="application/json", source_hint=topic)


def test_a_message_carries_the_payload_exactly_and_what_is_known_of_it() -> None:
    body = b'{"odd": "\\u0000"}\n\x00\xff second line\n'
    original = Submission(
        Channel.HTTP_NGSI_LD,
        body,
        AT,
        content_type="application/ld+json",
        source_hint="t\udcff\n\x00pic",  # a lone surrogate, a newline, a NUL: escaped in the head
        link_header='<https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld>; rel="x"',
        refused="payload too large: 2,000,000 bytes",
    )
    data = pack(original, intake_id="a" * 32, node="api-1")
    head, _, rest = data.partition(b"\n")
    assert rest == body and json.loads(head)["node"] == "api-1"
    back = unpack(data)
    assert back == replace(original, intake_id="a" * 32)
    assert back.received_at == AT and back.received_at.tzinfo is not None


def test_what_is_no_message_of_the_stream_is_kept_whole_and_refused() -> None:
    for data in (b"no head line at all", b'{"channel": "smtp"}\nbody', b"[1, 2]\nbody"):
        kept = unpack(data)
        assert kept.body == data and kept.channel is Channel.INTERNAL
        assert kept.refused is not None and kept.refused.startswith("not a message")
        assert kept.intake_id is not None and len(kept.intake_id) == 32
        assert unpack(data).intake_id == kept.intake_id  # a redelivery is known again
    naive = b'{"channel":"mqtt","received_at":"2026-11-25T21:04:00","intake_id":"x"}\nb'
    assert unpack(naive).refused is not None


def test_a_resend_shares_the_message_id_and_any_difference_parts_them() -> None:
    first = _topic_sub(alarm("LUM-1"))
    again = replace(first, received_at=datetime.now(UTC), intake_id=new_intake_id())
    assert message_id(first) == message_id(again)
    others = [
        _topic_sub(alarm("LUM-2")),
        _topic_sub(alarm("LUM-1"), topic="hyperviseur/alarms/water"),
        _topic_sub(alarm("LUM-1"), topic=None),
        replace(first, channel=Channel.INTERNAL),
        replace(first, content_type="text/plain"),
        replace(first, refused="too large"),
    ]
    ids = {message_id(s) for s in [first, *others]}
    assert len(ids) == 1 + len(others)
    # A field's value never runs into the next: the hint "a" + type "b" is not "ab" + None.
    split = Submission(Channel.MQTT, b"x", AT, content_type="b", source_hint="a")
    joined = Submission(Channel.MQTT, b"x", AT, content_type=None, source_hint="ab")
    assert message_id(split) != message_id(joined)


def test_subjects_are_one_token_per_channel() -> None:
    settings = StreamSettings()
    assert subject(settings, Channel.HTTP_NGSI_LD) == "csu.alarms.http_ngsi_ld"
    assert {subject(settings, c).count(".") for c in Channel} == {2}


def test_the_cluster_answer_reads_the_payload_as_the_engine_will() -> None:
    ok = queued_result(sub(alarm("LUM-9", severity="critical")), Stored(41, False))
    assert ok.accepted and ok.seq == 41 and not ok.duplicate
    assert [(a.source, a.external_id, a.severity) for a in ok.alarms] == [
        ("hypervisor", "LUM-9", "critical")
    ]
    bad = queued_result(sub(b'{"source": "hypervisor"}'), Stored(42, True))
    assert not bad.accepted and bad.duplicate and bad.alarms == []
    assert bad.error == "type: required"


@pytest.fixture
def eng(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database."""
    e = Engine(database_url)
    yield e
    e.close()


def test_a_redelivered_payload_is_acknowledged_and_never_stored_twice(eng: Engine) -> None:
    """A payload whose intake id has a raw row is a redelivery; so is a second copy in a batch."""
    stored: list[str] = []
    done = threading.Event()

    def fed(ext: str, intake_id: str) -> Submission:
        def on_stored() -> None:
            stored.append(ext)
            if len(stored) == 5:
                done.set()

        return sub(alarm(ext), intake_id=intake_id, on_stored=on_stored)

    first = eng.send(alarm("LUM-10"), intake_id="i" * 32)
    assert first.accepted and first.alarms[0].created
    again = eng.engine.submit(sub(alarm("LUM-10"), intake_id="i" * 32)).result(timeout=10)
    assert again.accepted and again.raw_id == first.raw_id and again.alarms == []
    for item in [fed("LUM-11", "j" * 32), fed("LUM-11", "j" * 32), fed("LUM-10", "i" * 32)]:
        eng.engine.feed(item)
    eng.engine.feed(fed("LUM-12", "k" * 32))
    eng.engine.feed(fed("LUM-12", "l" * 32))  # the same alarm in another message: an update
    assert done.wait(10)
    assert eng.engine.recover_unparsed().result(timeout=10) == 0  # queued after: all applied
    assert sorted(stored) == ["LUM-10", "LUM-11", "LUM-11", "LUM-12", "LUM-12"]
    with eng.db.session() as session:
        raws = session.exec(select(RawAlarm.intake_id).order_by(col(RawAlarm.id))).all()
        alarms = {a.external_id: a.update_count for a in session.exec(select(StoredAlarm))}
    assert raws == ["i" * 32, "j" * 32, "k" * 32, "l" * 32]
    assert alarms == {"LUM-10": 0, "LUM-11": 0, "LUM-12": 1}


def test_a_relayed_action_and_its_outcomes_read_back_as_they_left() -> None:
    command = IncidentCommand(
        7,
        ActionName.STATUS,
        "op",
        status=IncidentStatus.RESOLVED,
        seen=CameraScope(frozenset({"cam-1"})),
    )
    assert decode_command(encode_command(command)) == command
    with pytest.raises(ValueError, match="not an incident command"):
        decode_command(b'{"incident_id": "seven"}')
    summary = IncidentSummary(
        id=7, title="Feeder down", type="lighting.feeder_down", severity="high",
        status="resolved", assignee=None, opened_at=AT, updated_at=AT, lon=None, lat=None,
        alarm_count=1, cameras=["cam-1"], storm=False, escalated=False,
    )  # fmt: skip
    assert decode_outcome(encode_outcome(summary)) == summary
    for error in (
        IncidentNotFound("no incident 7"),
        CommandForbidden("no snapshot right on cam-1"),
        CommandError("incident 7 is closed"),
        EngineUnavailable("incident engine stopped"),
    ):
        with pytest.raises(type(error), match=str(error)):
            decode_outcome(encode_outcome(error))
    with pytest.raises(EngineUnavailable, match="boom"):  # anything else: the engine failed
        decode_outcome(encode_outcome(RuntimeError("boom")))
