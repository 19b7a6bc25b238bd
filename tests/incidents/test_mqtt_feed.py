"""The MQTT feed alone against private Mosquitto brokers: backpressure, keepalive, late acks."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from paho.mqtt import publish
from paho.mqtt.client import MQTTMessage

from csu.backoff import Backoff
from csu.config import AlarmSourceConfig
from incidents.mqtt import MAX_PENDING, MqttFeed
from incidents.parsing import Submission
from tests.conftest import require_service
from tests.incidents.test_mqtt import Broker, _free_port, broker, payload

pytestmark = pytest.mark.slow
__all__ = ["broker"]  # a fixture


class _Sink:
    """A stand-in engine that keeps what it is given, and reports a backlog while `full` is set."""

    def __init__(self) -> None:
        self.taken: list[Submission] = []
        self.full = threading.Event()

    def pending(self) -> int:
        return MAX_PENDING + 1 if self.full.is_set() else 0

    def feed(self, submission: Submission) -> None:
        self.taken.append(submission)


def _source(url: str, ack: str = "received") -> AlarmSourceConfig:
    return AlarmSourceConfig.model_validate(
        {"id": "hypervisor", "kind": "mqtt", "url": url, "topic": "alarms/#", "ack": ack}
    )


def _until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _publish(port: int, bodies: list[bytes]) -> None:
    publish.multiple([("alarms/a", body, 1, False) for body in bodies], port=port)


def _bodies(count: int) -> list[bytes]:
    run = uuid.uuid4().hex[:8]
    return [payload(n, run) for n in range(count)]


@pytest.mark.parametrize("then", ["release", "crash"])
def test_a_backlog_leaves_messages_with_the_broker(broker: Broker, then: str) -> None:
    """While the engine is behind, nothing is read; released, all come once and in order.

    The crash run stops the feed mid-hold: what it never read comes to the next one.
    """
    sink = _Sink()
    feed = MqttFeed(_source(f"mqtt://127.0.0.1:{broker.port}"), sink)
    feed.start()
    try:
        _until(lambda: feed.status.connected)
        sink.full.set()
        bodies = _bodies(300)
        _publish(broker.port, bodies)
        time.sleep(1.0)
        assert sink.taken == [] and feed.status.received == 0
        if then == "release":
            sink.full.clear()
            _until(lambda: len(sink.taken) >= 300)
            time.sleep(0.5)  # anything else would have arrived by now
            assert [s.body for s in sink.taken] == bodies
            assert {s.source_hint for s in sink.taken} == {"alarms/a"}
            return
    finally:
        feed.stop()
    after = _Sink()
    successor = MqttFeed(_source(f"mqtt://127.0.0.1:{broker.port}"), after)
    successor.start()
    try:
        _until(lambda: len(after.taken) >= 300)
        time.sleep(0.5)
    finally:
        successor.stop()
    assert [s.body for s in after.taken] == bodies


@pytest.mark.parametrize("ack", ["received", "stored"])
def test_a_hold_past_the_keepalive_reconnects_and_loses_nothing(broker: Broker, ack: str) -> None:
    """Held past two keepalives, the feed reads nothing, not even the PINGRESP, and paho's own
    keepalive closes the connection; the feed connects again (and does not spin while held),
    and once released takes every message once, in order: the broker kept them in the session.
    """
    sink = _Sink()
    feed = MqttFeed(
        _source(f"mqtt://127.0.0.1:{broker.port}", ack),
        sink,
        keepalive_s=1,
        backoff=Backoff(maximum_s=0.5),
    )
    feed.start()
    try:
        _until(lambda: feed.status.connected)
        sink.full.set()
        since = feed.status.connected_at
        bodies = _bodies(5)
        _publish(broker.port, bodies)
        _until(lambda: not feed.status.connected)  # paho gave the connection up
        cpu = time.process_time()  # the feed's thread is the only busy one here
        started = time.monotonic()
        time.sleep(3.0)  # connecting again, and held again from each CONNACK on
        assert sink.taken == [] and feed.status.received == 0
        assert time.process_time() - cpu < 0.5 * (time.monotonic() - started)  # no busy loop
        sink.full.clear()
        _until(lambda: len(sink.taken) >= 5 and feed.status.connected)
        time.sleep(1.0)  # anything sent twice would have arrived by now
        taken = [s.body for s in sink.taken]
        # QoS 1 is at least once: should the 1 s keepalive lapse again after the release (a
        # loaded machine), the broker sends again what was not yet acknowledged, and the intake
        # keeps one alarm per external id. Every message, in order, none lost.
        assert list(dict.fromkeys(taken)) == bodies
        assert feed.status.connected_at != since
    finally:
        feed.stop()


def test_an_acknowledgement_after_a_reconnect_is_dropped(broker: Broker) -> None:
    """A payload stored after its connection closed is not acknowledged on the next one.

    After a reconnect the broker sends the message again under the same id, so an
    acknowledgement sent late would clear the copy the feed has not stored yet: the broker
    itself says whether it did, by sending that copy again to the next session or not.
    """
    source = _source(f"mqtt://127.0.0.1:{broker.port}", ack="stored")
    sink = _Sink()
    feed = MqttFeed(source, sink, backoff=Backoff(maximum_s=1.0))
    feed.start()
    body = _bodies(1)
    try:
        _until(lambda: feed.status.connected)
        _publish(broker.port, body)
        _until(lambda: len(sink.taken) == 1)
        broker.stop()
        _until(lambda: not feed.status.connected)
        broker.start()
        _until(lambda: len(sink.taken) == 2)  # sent again: it was never acknowledged
        assert sink.taken[1].body == body[0]
        late = sink.taken[0].on_stored
        assert late is not None
        late()
        time.sleep(0.5)  # an acknowledgement sent now would reach the broker meanwhile
    finally:
        feed.stop()
    # The broker still has it (the late acknowledgement was dropped); acknowledged on its own
    # connection, it is gone.
    for expected in (body, []):
        sink = _Sink()
        feed = MqttFeed(source, sink)
        feed.start()
        try:
            _until(lambda: feed.status.connected)  # noqa: B023
            time.sleep(0.5)
            assert [s.body for s in sink.taken] == expected
            for s in sink.taken:
                assert s.on_stored is not None
                s.on_stored()
        finally:
            feed.stop()


def test_an_unreachable_broker_is_reported_and_stop_is_prompt() -> None:
    """Connection refused shows in the status; stop() does not wait for the backoff."""
    feed = MqttFeed(_source(f"mqtt://127.0.0.1:{_free_port()}"), _Sink())
    feed.start()
    try:
        _until(lambda: feed.status.last_error is not None)
        assert "refused" in (feed.status.last_error or "").lower()
        time.sleep(2.0)  # into the backoff between attempts
    finally:
        started = time.monotonic()
        feed.stop()
    assert time.monotonic() - started < 1.0
    assert not feed.status.connected


def _secured_broker(extra: str) -> Broker:
    if shutil.which("mosquitto") is None:
        require_service("mosquitto binary")
    b = Broker()
    b.conf.write_text(b.conf.read_text() + extra)
    return b


@pytest.mark.parametrize(("password", "error"), [("s3cr%40t", None), ("wrong", "Not authorized")])
def test_user_and_password_come_from_the_url(password: str, error: str | None) -> None:
    """user:password in the URL, percent-decoded; a refusal is reported, not retried silently."""
    if shutil.which("mosquitto_passwd") is None:
        require_service("mosquitto_passwd binary")
    b = _secured_broker("")
    passwords = b.workdir / "passwd"
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "csu", "s3cr@t"], check=True)
    passwords.chmod(0o644)
    b.conf.write_text(
        b.conf.read_text().replace("allow_anonymous true", "allow_anonymous false")
        + f"password_file {passwords}\n"
    )
    b.start()
    feed = MqttFeed(_source(f"mqtt://csu:{password}@127.0.0.1:{b.port}"), _Sink())
    feed.start()
    try:
        if error is None:
            _until(lambda: feed.status.connected)
        else:
            _until(lambda: feed.status.last_error is not None)
            time.sleep(1.0)
            assert not feed.status.connected
            assert feed.status.last_error == f"refused by the broker: {error}"
    finally:
        feed.stop()
        b.stop()
        shutil.rmtree(b.workdir, ignore_errors=True)


def test_mqtts_verifies_the_broker_certificate() -> None:
    """mqtts:// speaks TLS with the system's trust: a self-signed broker is refused, and said so."""
    if shutil.which("openssl") is None:
        require_service("openssl binary")
    b = _secured_broker("")
    cert, key = b.workdir / "cert.pem", b.workdir / "key.pem"
    openssl = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        [*openssl, "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    cert.chmod(0o644)
    key.chmod(0o644)
    b.conf.write_text(b.conf.read_text() + f"certfile {cert}\nkeyfile {key}\n")
    b.start()
    feed = MqttFeed(_source(f"mqtts://127.0.0.1:{b.port}"), _Sink())
    feed.start()
    try:
        _until(lambda: feed.status.last_error is not None)
        assert "CERTIFICATE_VERIFY_FAILED" in (feed.status.last_error or "")
        assert not feed.status.connected
    finally:
        feed.stop()
        b.stop()
        shutil.rmtree(b.workdir, ignore_errors=True)


@pytest.mark.parametrize(("version", "window"), [("5", 300), ("3.1.1", 20)])
def test_mqtt_5_widens_the_window_of_unacknowledged_messages(
    broker: Broker, version: str, window: int
) -> None:
    """Acknowledged only once stored (never, here): MQTT 5's Receive Maximum lets the broker send
    all 300 ahead; over 3.1.1 Mosquitto stops at its default 20 until acknowledgements come."""
    source = AlarmSourceConfig.model_validate(
        {
            "id": "hypervisor",
            "kind": "mqtt",
            "url": f"mqtt://127.0.0.1:{broker.port}",
            "topic": "alarms/#",
            "ack": "stored",
            "mqtt_version": version,
        }
    )
    sink = _Sink()
    feed = MqttFeed(source, sink)
    feed.start()
    try:
        _until(lambda: feed.status.connected)
        _publish(broker.port, _bodies(300))
        _until(lambda: len(sink.taken) >= window)
        time.sleep(0.5)  # anything more the broker would send ahead has arrived by now
        assert len(sink.taken) == window
    finally:
        feed.stop()


def test_a_topic_that_is_not_utf8_still_hands_the_payload_over() -> None:
    """MQTT topics are UTF-8 by the standard, and paho decodes them strictly: a broker that lets a
    bad one through must not make the feed drop the message (the topic is only a hint)."""
    sink = _Sink()
    feed = MqttFeed(_source("mqtt://127.0.0.1:1"), sink)
    message = MQTTMessage(mid=1, topic=b"alarms/\xff\xfe")
    message.payload = b'{"a": 1}'
    feed._on_message(feed._client, None, message)  # what paho calls for each PUBLISH
    assert [(s.body, s.source_hint) for s in sink.taken] == [(b'{"a": 1}', None)]
    assert feed.status.received == 1


def test_a_share_group_member_that_stays_away_stops_taking_its_share(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mosquitto deals a share group's messages to an absent member's session too; once that
    session expires, every message goes to the members still there."""
    monkeypatch.setattr("incidents.mqtt.SHARE_SESSION_EXPIRY_S", 2)
    source = AlarmSourceConfig.model_validate(
        {
            "id": "hypervisor",
            "kind": "mqtt",
            "url": f"mqtt://127.0.0.1:{broker.port}",
            "topic": "alarms/#",
            "mqtt_version": "5",
            "share_group": "csu",
        }
    )
    staying, leaving = _Sink(), _Sink()
    feeds = [MqttFeed(source, staying, node="api1"), MqttFeed(source, leaving, node="api2")]
    for feed in feeds:
        feed.start()
    try:
        _until(lambda: all(feed.status.connected for feed in feeds))
        time.sleep(0.5)  # both subscribed
        feeds[1].stop()
        _publish(broker.port, _bodies(20))
        _until(lambda: len(staying.taken) >= 10)
        time.sleep(0.5)
        assert len(staying.taken) < 20, "the absent member's session took no share"
        time.sleep(4)  # past its session's expiry
        before = len(staying.taken)
        _publish(broker.port, _bodies(20))
        _until(lambda: len(staying.taken) >= before + 20, timeout=30)
    finally:
        feeds[0].stop()
