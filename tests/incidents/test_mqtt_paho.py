"""paho tuned for a feed: shared property tables, buffered reads, PUBACKs written together."""

from __future__ import annotations

import socket
import struct
from typing import Any

import pytest
from paho.mqtt import _packet
from paho.mqtt.client import MQTTv5
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import MQTTException, Properties

from csu.config import AlarmSourceConfig
from incidents.mqtt import MqttFeed
from incidents.mqtt_paho import FeedClient, SharedTableProperties, use_shared_tables
from incidents.parsing import Submission

_TOPIC = b"city/alarms/lighting"
_BODY = b'{"source": "hypervisor"}'


class _Sink:
    def feed(self, submission: Submission) -> None:
        raise AssertionError("nothing is received here")

    def pending(self) -> int:
        return 0


def _publish_packet(properties: Properties | None) -> bytes:
    """The variable part of a QoS 1 MQTT 5 PUBLISH (after the fixed header)."""
    props = properties.pack() if properties is not None else b"\x00"  # type: ignore[no-untyped-call]
    return struct.pack("!H", len(_TOPIC)) + _TOPIC + struct.pack("!H", 7) + props + _BODY


def _rich() -> Properties:
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    properties.ContentType = "application/json"
    properties.MessageExpiryInterval = 30
    properties.UserProperty = ("site", "angers")
    properties.UserProperty = ("zone", "north")
    return properties


def test_a_feed_makes_paho_decode_into_shared_tables() -> None:
    """The one paho internal this relies on: `_packet.Properties`, used by decode_publish."""
    source = AlarmSourceConfig.model_validate(
        {"id": "hyp", "kind": "mqtt", "url": "mqtt://127.0.0.1:1", "topic": "alarms/#"}
    )
    MqttFeed(source, _Sink())
    assert _packet.Properties is SharedTableProperties
    decoded = _packet.decode_publish(0x32, _publish_packet(None), MQTTProtocolVersion.MQTTv5)
    assert isinstance(decoded.properties, SharedTableProperties)


@pytest.mark.parametrize("properties", [None, _rich()], ids=["none", "four"])
def test_decoding_matches_paho_s_own_class(properties: Properties | None) -> None:
    packet = _publish_packet(properties)
    stock = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    stock.unpack(packet[len(_TOPIC) + 4 :])  # type: ignore[no-untyped-call]
    use_shared_tables()
    decoded = _packet.decode_publish(0x32, packet, MQTTProtocolVersion.MQTTv5)
    assert decoded.properties is not None
    assert decoded.properties.json() == stock.json()  # type: ignore[no-untyped-call]
    assert str(decoded.properties) == str(stock)
    assert decoded.payload == _BODY and decoded.topic == _TOPIC and decoded.mid == 7
    if properties is not None:
        assert decoded.properties.json()["UserProperty"] == [("site", "angers"), ("zone", "north")]


def test_unpacking_again_clears_what_was_there() -> None:
    shared = SharedTableProperties(PacketTypes.PUBLISH)
    shared.unpack(_rich().pack())  # type: ignore[no-untyped-call]
    assert shared.json()["ContentType"] == "application/json"  # type: ignore[no-untyped-call]
    shared.unpack(b"\x00")  # type: ignore[no-untyped-call]
    assert shared.json() == {} and shared.isEmpty()  # type: ignore[no-untyped-call]


def test_paho_s_checks_still_apply() -> None:
    shared = SharedTableProperties(PacketTypes.PUBLISH)
    with pytest.raises(MQTTException, match="does not apply"):
        shared.ReceiveMaximum = 10  # a CONNECT property, not a PUBLISH one
    with pytest.raises(MQTTException, match="Property name"):
        shared.Colour = "red"


class _CountingSocket:
    """One end of a socket pair, counting the calls paho makes on it."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.recvs = 0
        self.sends = 0

    def recv(self, size: int) -> bytes:
        self.recvs += 1
        return self.sock.recv(size)

    def send(self, data: bytes) -> int:
        self.sends += 1
        return self.sock.send(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.sock, name)


def _client_on(sock: _CountingSocket) -> FeedClient:
    client = FeedClient(CallbackAPIVersion.VERSION2, protocol=MQTTv5)
    client._sock = sock  # type: ignore[assignment]  # paho 2.x internal, held to account here
    # As a feed does: paho queues what it would write, and the feed's thread writes it.
    client.on_socket_register_write = lambda c, u, s: None
    return client


def _publish_frame(mid: int) -> bytes:
    body = _publish_packet(None)[: len(_TOPIC) + 2] + struct.pack("!H", mid) + b"\x00" + _BODY
    return bytes([0x32, len(body)]) + body


def test_packets_are_read_from_one_recv_and_the_rest_is_seen_as_buffered() -> None:
    ours, theirs = socket.socketpair()
    counting = _CountingSocket(ours)
    client = _client_on(counting)
    received: list[int] = []
    client.on_message = lambda c, u, message: received.append(message.mid)
    try:
        theirs.sendall(b"".join(_publish_frame(mid) for mid in range(1, 51)))
        ours.setblocking(False)
        assert client.loop_read() == MQTTErrorCode.MQTT_ERR_SUCCESS
        assert received == [1] and counting.recvs == 1
        assert client.buffered() == 49 * len(_publish_frame(1))
        for _ in range(49):
            client.loop_read()
        assert received == list(range(1, 51)) and counting.recvs == 1 and client.buffered() == 0
        client.loop_read()  # the socket is empty now: paho hears "again", not a closed socket
        assert counting.recvs == 2 and client.socket() is counting
    finally:
        ours.close()
        theirs.close()


def test_a_run_of_acknowledgements_goes_out_in_one_write() -> None:
    ours, theirs = socket.socketpair()
    counting = _CountingSocket(ours)
    client = _client_on(counting)
    try:
        for mid in (5, 6, 7):
            client._send_puback(mid)  # what paho queues on receiving a QoS 1 message
        client._send_pingreq()  # not a PUBACK: a write of its own
        assert client.loop_write() == MQTTErrorCode.MQTT_ERR_SUCCESS
        assert counting.sends == 2
        written = theirs.recv(1024)
        assert written == b"".join(bytes([0x40, 2, 0, mid]) for mid in (5, 6, 7)) + b"\xc0\x00"
    finally:
        ours.close()
        theirs.close()
