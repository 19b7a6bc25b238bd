"""The intake's ONVIF channel: a camera's initial states at rest are skipped, not alarms."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from incidents.alarms import AlarmStatus
from incidents.parsing import Channel, Submission, parse_submission

TEV = "http://www.onvif.org/ver10/events/wsdl"


def _answer(shared_data: Path, *messages: tuple[str, str]) -> bytes:
    """A camera's PullMessagesResponse holding the Axis tamper message at these (operation,
    state) pairs."""
    sample = (
        shared_data / "alarms" / "onvif" / "axis_metadatastream_tamper_GlobalSceneChange_init.xml"
    )
    text = sample.read_bytes()
    message = text[text.index(b"<wsnt:NotificationMessage") : text.index(b"</tt:Event>")]
    body = b"".join(
        message.replace(b'"Initialized"', f'"{operation}"'.encode()).replace(
            b'Name="State" Value="0"', f'Name="State" Value="{state}"'.encode()
        )
        for operation, state in messages
    )
    return (
        (
            f'<tev:PullMessagesResponse xmlns:tev="{TEV}" xmlns:tt="http://www.onvif.org/ver10/schema">'
        ).encode()
        + body
        + b"</tev:PullMessagesResponse>"
    )


def _parsed(body: bytes):  # type: ignore[no-untyped-def]
    submission = Submission(Channel.ONVIF, body, datetime.now(UTC), source_hint="cam-dome")
    return parse_submission(submission)


def test_initial_states_at_rest_are_skipped_and_the_rest_are_alarms(shared_data: Path) -> None:
    parsed = _parsed(
        _answer(shared_data, ("Initialized", "0"), ("Initialized", "1"), ("Changed", "0"))
    )
    assert [(a.data["property_operation"], a.status) for a in parsed.alarms] == [
        ("Initialized", AlarmStatus.ACTIVE),  # tampering under way when csu subscribed
        ("Changed", AlarmStatus.CLEARED),  # it ended
    ]
    assert parsed.skipped == [
        "VideoSource/GlobalSceneChange/ImagingService: initial state, not active"
    ]


def test_an_answer_of_initial_states_alone_gives_no_alarm(shared_data: Path) -> None:
    parsed = _parsed(_answer(shared_data, ("Initialized", "0")))
    assert parsed.alarms == [] and len(parsed.skipped) == 1
