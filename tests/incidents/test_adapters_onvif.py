"""ONVIF events from an Axis camera's metadata stream, and documents that must be refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidents.alarms import Alarm, AlarmParseError, AlarmStatus, Severity, parse_onvif_event
from incidents.alarms.adapters.onvif import topic_path

CAMERA = "cam-ralliement-1"


def _read(shared_data: Path, name: str) -> bytes:
    return (shared_data / "alarms" / "onvif" / name).read_bytes()


def _one(document: bytes) -> Alarm:
    alarms = parse_onvif_event(document, CAMERA)
    assert len(alarms) == 1
    return alarms[0]


def _edit(document: bytes, old: str, new: str) -> bytes:
    assert old.encode() in document, f"{old!r} not in the test document"
    return document.replace(old.encode(), new.encode())


@pytest.fixture
def vmd(shared_data: Path) -> bytes:
    """The Axis VMD motion event, a base for edited documents."""
    return _read(shared_data, "axis_metadatastream_VMD4_motion_active_changed.xml")


def test_rule_engine_motion_initialized_at_zero_is_cleared(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "axis_metadatastream_RuleEngine_MotionRegionDetector_init.xml"))
    assert alarm.type == "video.motion"
    assert alarm.status is AlarmStatus.CLEARED  # the initial state: nothing is moving
    assert alarm.severity is Severity.LOW
    assert alarm.occurred_at == datetime(2021, 1, 6, 17, 46, 45, 115382, tzinfo=UTC)
    assert (alarm.source, alarm.camera_id) == (CAMERA, CAMERA)
    assert alarm.external_id == (
        f"{CAMERA}/RuleEngine/MotionRegionDetector/Motion/2021-01-06T17:46:45.115382Z"
    )
    assert alarm.location is None  # the camera's place is in the site file
    assert alarm.description == (
        "Motion detected by a camera: initial state, not active "
        "(RuleEngine/MotionRegionDetector/Motion)"
    )
    assert alarm.data["topic"] == "tns1:RuleEngine/MotionRegionDetector/Motion"
    assert alarm.data["property_operation"] == "Initialized"
    assert alarm.data["source"] == {"VideoSource": "0", "RuleName": "Profile 1V"}
    assert alarm.data["data"] == {"State": "0"}
    assert alarm.data["producer"] == "uri://755cc9bb-cf3a-410b-bd1b-0ec97c6d6256/ProducerReference"


def test_vmd4_motion_active(vmd: bytes) -> None:
    alarm = _one(vmd)
    assert alarm.type == "video.motion"
    assert alarm.status is AlarmStatus.ACTIVE
    assert alarm.occurred_at == datetime(2019, 3, 13, 0, 3, 30, 256685, tzinfo=UTC)
    assert alarm.data["topic_path"] == "CameraApplicationPlatform/VMD/Camera1Profile1"
    assert alarm.data["data"] == {"active": "1"}
    assert alarm.data["property_operation"] == "Changed"
    assert alarm.description == (
        "Motion detected by a camera: active (CameraApplicationPlatform/VMD/Camera1Profile1)"
    )


def test_global_scene_change_is_tampering(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "axis_metadatastream_tamper_GlobalSceneChange_init.xml"))
    assert alarm.type == "video.tamper"
    assert alarm.severity is Severity.HIGH
    assert alarm.status is AlarmStatus.CLEARED
    assert alarm.occurred_at == datetime(2020, 9, 5, 4, 45, 30, 199233, tzinfo=UTC)
    assert alarm.data["source"] == {"Source": "0"}
    assert (
        alarm.data["condition"] == f"{CAMERA}/VideoSource/GlobalSceneChange/ImagingService/Source=0"
    )


def test_pir_sensor_is_camera_motion(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "axis_metadatastream_PIR_changed.xml"))
    assert alarm.type == "video.motion"
    assert alarm.status is AlarmStatus.ACTIVE
    assert alarm.occurred_at == datetime(2019, 3, 12, 23, 48, 28, 425164, tzinfo=UTC)
    assert alarm.data["topic"] == "tns1:Device/tnsaxis:Sensor/PIR"
    assert alarm.data["topic_path"] == "Device/Sensor/PIR"
    assert alarm.data["data"] == {"state": "1"}
    assert alarm.data["source"] == {"sensor": "0"}


@pytest.mark.parametrize(
    ("old", "new", "status"),
    [
        ('Name="active" Value="1"', 'Name="active" Value="0"', AlarmStatus.CLEARED),
        ('Name="active" Value="1"', 'Name="active" Value="false"', AlarmStatus.CLEARED),
        ('Name="active" Value="1"', 'Name="active" Value="true"', AlarmStatus.ACTIVE),
        ('PropertyOperation="Changed"', 'PropertyOperation="Deleted"', AlarmStatus.CLEARED),
        ('<tt:SimpleItem Name="active" Value="1"/>', "", AlarmStatus.ACTIVE),  # a one-off event
    ],
)
def test_state_gives_the_status(vmd: bytes, old: str, new: str, status: AlarmStatus) -> None:
    assert _one(_edit(vmd, old, new)).status is status


@pytest.mark.parametrize(
    ("topic", "kind"),
    [
        ("tns1:VideoSource/SignalLoss", "video.loss"),
        ("tns1:VideoSource/MotionAlarm", "video.motion"),
        ("tns1:VideoAnalytics/tnsaxis:MotionDetection", "video.motion"),
        ("tnsaxis:VideoSource/Tampering", "video.tamper"),
        ("tns1:RuleEngine/TamperDetector/Tamper", "video.tamper"),
    ],
)
def test_other_known_topics(vmd: bytes, topic: str, kind: str) -> None:
    alarm = _one(_edit(vmd, "tnsaxis:CameraApplicationPlatform/VMD/Camera1Profile1", topic))
    assert alarm.type == kind


def test_topics_csu_does_not_handle_give_no_alarm(vmd: bytes) -> None:
    topic = "tns1:Monitoring/ProcessorUsage"
    assert (
        parse_onvif_event(
            _edit(vmd, "tnsaxis:CameraApplicationPlatform/VMD/Camera1Profile1", topic), CAMERA
        )
        == []
    )


def test_several_messages_in_one_stream(vmd: bytes, shared_data: Path) -> None:
    pir = _read(shared_data, "axis_metadatastream_PIR_changed.xml")
    event = pir[pir.index(b"<tt:Event>") : pir.index(b"</tt:MetadataStream>")]
    alarms = parse_onvif_event(
        _edit(vmd, "</tt:MetadataStream>", event.decode() + "</tt:MetadataStream>"), CAMERA
    )
    assert [alarm.data["topic_path"] for alarm in alarms] == [
        "CameraApplicationPlatform/VMD/Camera1Profile1",
        "Device/Sensor/PIR",
    ]


def test_topic_path_drops_every_prefix() -> None:
    assert topic_path(" tns1:Device/tnsaxis:Sensor/PIR ") == "Device/Sensor/PIR"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'Name="active" Value="1"',
            'Name="active" Value="maybe"',
            "NotificationMessage[0]: Data active: 'maybe' is not a state (1/0, true/false)",
        ),
        (
            ' UtcTime="2019-03-13T00:03:30.256685Z"',
            "",
            "NotificationMessage[0]: UtcTime: required",
        ),
        (
            "2019-03-13T00:03:30.256685Z",
            "2019-03-13T00:03:30+25:00",
            "NotificationMessage[0]: UtcTime: '2019-03-13T00:03:30+25:00' "
            "has an invalid UTC offset",
        ),
        (
            'PropertyOperation="Changed"',
            'PropertyOperation="Exploded"',
            "NotificationMessage[0]: PropertyOperation: 'Exploded' is not one of Initialized, "
            "Changed, Deleted",
        ),
        (
            "tnsaxis:CameraApplicationPlatform/VMD/Camera1Profile1",
            "",
            "NotificationMessage[0]: Topic: required",
        ),
        (
            "<tt:Message UtcTime",
            "<tt:Messages UtcTime",
            "invalid XML: mismatched tag",
        ),
    ],
)
def test_bad_events_are_named(vmd: bytes, old: str, new: str, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_onvif_event(_edit(vmd, old, new), CAMERA)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("document", "camera_id", "message"),
    [
        (b"", CAMERA, "empty body: expected an ONVIF event document"),
        (
            b'<foo xmlns="urn:x"/>',
            CAMERA,
            "not an ONVIF event: root element is {urn:x}foo, expected tt:MetadataStream",
        ),
        (
            b'<!DOCTYPE a [<!ENTITY e "x">]><tt:MetadataStream '
            b'xmlns:tt="http://www.onvif.org/ver10/schema">&e;</tt:MetadataStream>',
            CAMERA,
            "XML with a DTD or entities is refused",
        ),
        (b"<a/>", " ", "camera_id: expected a camera id, got ' '"),
    ],
)
def test_documents_that_are_not_onvif_events(document: bytes, camera_id: str, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_onvif_event(document, camera_id)
    assert str(caught.value) == message


def test_a_stream_without_events_gives_nothing() -> None:
    document = b'<tt:MetadataStream xmlns:tt="http://www.onvif.org/ver10/schema"/>'
    assert parse_onvif_event(document, CAMERA) == []


def test_a_pull_point_answer_gives_its_messages(shared_data: Path) -> None:
    """A camera's tev:PullMessagesResponse, as csu's subscription receives it, is read too."""
    tamper = _read(shared_data, "axis_metadatastream_tamper_GlobalSceneChange_init.xml")
    message = tamper[tamper.index(b"<wsnt:NotificationMessage") : tamper.index(b"</tt:Event>")]
    answer = (
        b'<tev:PullMessagesResponse xmlns:tev="http://www.onvif.org/ver10/events/wsdl"'
        b' xmlns:tt="http://www.onvif.org/ver10/schema">'
        b"<tev:CurrentTime>2020-09-05T04:45:31Z</tev:CurrentTime>"
        b"<tev:TerminationTime>2020-09-05T04:46:31Z</tev:TerminationTime>"
        + message
        + b"</tev:PullMessagesResponse>"
    )
    alarm = _one(answer)
    assert alarm.type == "video.tamper" and alarm.camera_id == CAMERA
    assert alarm.status is AlarmStatus.CLEARED  # Initialized at State 0


@pytest.mark.parametrize(
    "soap",
    ["http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/"],
)
def test_a_pushed_notify_in_its_soap_envelope_is_read(shared_data: Path, soap: str) -> None:
    """What a camera subscribed by WS-BaseNotification POSTs: Envelope/Body/wsnt:Notify."""
    pir = _read(shared_data, "axis_metadatastream_PIR_changed.xml")
    message = pir[pir.index(b"<wsnt:NotificationMessage") : pir.index(b"</tt:Event>")]
    envelope = (
        (
            f'<s:Envelope xmlns:s="{soap}" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Header/>'
            '<s:Body><wsnt:Notify xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2">'
        ).encode()
        + message
        + b"</wsnt:Notify></s:Body></s:Envelope>"
    )
    alarm = _one(envelope)
    assert alarm.type == "video.motion" and alarm.data["topic_path"] == "Device/Sensor/PIR"


def test_an_empty_soap_envelope_is_refused() -> None:
    envelope = (
        b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body/></s:Envelope>'
    )
    with pytest.raises(AlarmParseError, match="empty Body"):
        parse_onvif_event(envelope, CAMERA)
