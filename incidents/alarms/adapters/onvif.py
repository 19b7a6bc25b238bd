"""ONVIF events from a camera: its metadata stream (`tt:MetadataStream/tt:Event/wsnt:...`), a
WS-BaseNotification `Notify` it pushes (in its SOAP envelope or not), or its answer to a pull
(`tev:PullMessagesResponse`).

Each `wsnt:NotificationMessage` on a topic csu knows (see mapping.ONVIF_TOPIC_TYPES) gives one
Alarm; other topics (CPU load, PTZ position, storage...) are not alarms and give none. The state
in the message data (`State`, `active`, `state`, `IsMotion`...) gives the status: true/1 active,
false/0 cleared. `PropertyOperation="Initialized"` is the camera telling a new subscriber the
current state: with state 0 it reports that nothing is going on, so it comes back with status
cleared and the caller decides (usually: record, do not announce). `Deleted` means the property
is gone: cleared. A message with no state is a one-off event: active.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from incidents.alarms.adapters.safe_xml import parse_xml, text_of
from incidents.alarms.catalogue import alarm_type
from incidents.alarms.errors import AlarmParseError, shown
from incidents.alarms.mapping import onvif_topic_type
from incidents.alarms.models import Alarm, make_alarm
from incidents.alarms.scales import AlarmStatus
from incidents.alarms.timestamps import parse_timestamp

TT = "{http://www.onvif.org/ver10/schema}"
WSNT = "{http://docs.oasis-open.org/wsn/b-2}"
WSA = "{http://www.w3.org/2005/08/addressing}"
TEV = "{http://www.onvif.org/ver10/events/wsdl}"
_ENVELOPES = (
    "{http://www.w3.org/2003/05/soap-envelope}Envelope",
    "{http://schemas.xmlsoap.org/soap/envelope/}Envelope",
)
_ROOTS = (
    TT + "MetadataStream",
    WSNT + "Notify",
    WSNT + "NotificationMessage",
    TEV + "PullMessagesResponse",
)
OPERATIONS = ("Initialized", "Changed", "Deleted")
_TRUE, _FALSE = ("1", "true"), ("0", "false")
# Data item names that carry the on/off state of a topic, by vendor and topic.
_STATE_NAMES = ("state", "active", "ismotion", "istamper", "signallost", "istoodark")


def parse_onvif_event(xml: bytes, camera_id: str) -> list[Alarm]:
    """Alarms from an ONVIF event document sent by the camera `camera_id`."""
    if not isinstance(camera_id, str) or not camera_id.strip():
        raise AlarmParseError(f"camera_id: expected a camera id, got {shown(camera_id)}")
    root = _unwrapped(parse_xml(xml, "an ONVIF event document"))
    if root.tag not in _ROOTS:
        raise AlarmParseError(
            f"not an ONVIF event: root element is {root.tag}, expected tt:MetadataStream"
        )
    if root.tag == WSNT + "NotificationMessage":
        messages = [root]
    else:
        messages = list(root.iter(WSNT + "NotificationMessage"))
    alarms: list[Alarm] = []
    for index, message in enumerate(messages):
        try:
            alarm = _alarm(message, camera_id.strip())
        except AlarmParseError as exc:
            raise AlarmParseError(f"NotificationMessage[{index}]: {exc}") from None
        if alarm is not None:
            alarms.append(alarm)
    return alarms


def _unwrapped(root: Element) -> Element:
    """The document a SOAP envelope carries (a camera pushing Notify sends one), else root."""
    if root.tag not in _ENVELOPES:
        return root
    body = next((child for child in root if child.tag.endswith("}Body")), None)
    if body is None or len(body) == 0:
        raise AlarmParseError("not an ONVIF event: a SOAP envelope with an empty Body")
    return body[0]


def _alarm(notification: Element, camera_id: str) -> Alarm | None:
    topic = text_of(notification.find(WSNT + "Topic"))
    if topic is None:
        raise AlarmParseError("Topic: required")
    path = topic_path(topic)
    kind = onvif_topic_type(path)
    if kind is None:
        return None
    message = notification.find(f"{WSNT}Message/{TT}Message")
    if message is None:
        raise AlarmParseError("Message: required (a tt:Message)")
    utc_time = message.get("UtcTime")
    if not utc_time:
        raise AlarmParseError("UtcTime: required")
    # The attribute is UTC by name; a camera that leaves out the "Z" still means UTC.
    occurred_at = parse_timestamp(utc_time, "UtcTime", naive_is_utc=True)
    operation = message.get("PropertyOperation")
    if operation is not None and operation not in OPERATIONS:
        raise AlarmParseError(
            f"PropertyOperation: {shown(operation)} is not one of {', '.join(OPERATIONS)}"
        )
    active = _state(_items(message, "Data"))
    status = (
        AlarmStatus.CLEARED if operation == "Deleted" or active is False else AlarmStatus.ACTIVE
    )
    entry = alarm_type(kind)
    return make_alarm(
        source=camera_id,
        external_id=f"{camera_id}/{path}/{utc_time}",
        type=entry.name,
        severity=entry.default_severity,
        occurred_at=occurred_at,
        description=_description(entry.label("en"), path, operation, status),
        data=_data(notification, message, topic, camera_id),
        status=status,
        camera_id=camera_id,
    )


def _data(notification: Element, message: Element, topic: str, camera_id: str) -> dict[str, Any]:
    path = topic_path(topic)
    source = _items(message, "Source")
    return {
        "topic": topic,
        "topic_path": path,
        "property_operation": message.get("PropertyOperation"),
        "source": source,
        "key": _items(message, "Key"),
        "data": _items(message, "Data"),
        "producer": text_of(notification.find(f"{WSNT}ProducerReference/{WSA}Address")),
        # One condition on one camera across messages: what pairs an alarm and its clearing.
        "condition": f"{camera_id}/{path}/" + ",".join(f"{k}={v}" for k, v in source.items()),
    }


def topic_path(topic: str) -> str:
    """The topic without prefixes: `tns1:Device/tnsaxis:Sensor/PIR` -> `Device/Sensor/PIR`."""
    return "/".join(part.rsplit(":", 1)[-1] for part in topic.strip().split("/"))


def _items(message: Element, section: str) -> dict[str, str]:
    """The SimpleItem name/value pairs of a tt:Source, tt:Key or tt:Data section."""
    items: dict[str, str] = {}
    element = message.find(TT + section)
    for item in [] if element is None else element.iter(TT + "SimpleItem"):
        name, value = item.get("Name"), item.get("Value")
        if name:
            items[name] = value or ""
    return items


def _state(items: dict[str, str]) -> bool | None:
    """The on/off state in the data items, None when the message carries none."""
    for name, value in items.items():
        if name.rsplit(":", 1)[-1].lower() not in _STATE_NAMES:
            continue
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        raise AlarmParseError(f"Data {name}: {shown(value)} is not a state (1/0, true/false)")
    return None


def _description(label: str, path: str, operation: str | None, status: AlarmStatus) -> str:
    state = "active" if status is AlarmStatus.ACTIVE else "not active"
    when = "initial state, " if operation == "Initialized" else ""
    return f"{label}: {when}{state} ({path})"
