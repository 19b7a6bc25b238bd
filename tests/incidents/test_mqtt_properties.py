"""paho's PUBLISH properties decoded with shared tables: the same result as paho's own class."""

from __future__ import annotations

import struct

import pytest
from paho.mqtt import _packet
from paho.mqtt.enums import MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import MQTTException, Properties

from csu.config import AlarmSourceConfig
from incidents.mqtt import MqttFeed
from incidents.mqtt_properties import SharedTableProperties, use_shared_tables
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
