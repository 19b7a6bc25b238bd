"""csu's own alarm JSON (interfaces.md): the documented example and every kind of bad input."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from incidents.alarms import AlarmParseError, AlarmStatus, Severity, parse_csu_alarm, timestamps
from incidents.alarms.geometry import PointGeometry, PolygonGeometry

# The example of interfaces.md, verbatim.
EXAMPLE: dict[str, Any] = {
    "source": "hypervisor",
    "external_id": "LUM-4411-2026-11-25T21:04:00Z",
    "type": "lighting.feeder_down",
    "severity": "high",
    "occurred_at": "2026-11-25T21:04:00+01:00",
    "location": {"type": "Point", "coordinates": [-0.5536, 47.4712]},
    "description": "Feeder 12 down, 18 lamps off",
    "data": {},
}
SQUARE = [[-0.554, 47.471], [-0.553, 47.471], [-0.553, 47.472], [-0.554, 47.471]]


def _with(**changes: Any) -> dict[str, Any]:
    payload = dict(EXAMPLE)
    for key, value in changes.items():
        if value is ...:
            payload.pop(key)
        else:
            payload[key] = value
    return payload


def test_the_interfaces_example() -> None:
    alarm = parse_csu_alarm(EXAMPLE)
    assert (alarm.source, alarm.external_id) == ("hypervisor", "LUM-4411-2026-11-25T21:04:00Z")
    assert alarm.type == "lighting.feeder_down"
    assert alarm.severity is Severity.HIGH
    assert alarm.occurred_at == datetime(2026, 11, 25, 20, 4, tzinfo=UTC)
    assert alarm.occurred_at.utcoffset() is not None and not alarm.occurred_at.utcoffset()
    assert alarm.location == PointGeometry(coordinates=(-0.5536, 47.4712))
    assert alarm.description == "Feeder 12 down, 18 lamps off"
    assert alarm.data == {}
    assert alarm.status is AlarmStatus.ACTIVE
    assert alarm.references == []
    assert alarm.camera_id is None


def test_json_text_gives_the_same_alarm() -> None:
    text = json.dumps(EXAMPLE)
    assert parse_csu_alarm(text.encode()) == parse_csu_alarm(text) == parse_csu_alarm(EXAMPLE)


def test_optional_fields() -> None:
    alarm = parse_csu_alarm(
        _with(
            severity=...,
            description=...,
            data=None,
            status="cleared",
            references=["LUM-4411-2026-11-25T20:00:00Z"],
            location={"type": "Polygon", "coordinates": [SQUARE]},
        )
    )
    assert alarm.severity is Severity.HIGH  # lighting.feeder_down's default
    assert alarm.description == "Lighting feeder down"  # the type's label
    assert alarm.status is AlarmStatus.CLEARED
    assert alarm.references == ["LUM-4411-2026-11-25T20:00:00Z"]
    assert isinstance(alarm.location, PolygonGeometry)
    assert alarm.location.coordinates[0][0] == (-0.554, 47.471)


def test_a_video_alarm_may_name_its_camera_instead_of_a_place() -> None:
    alarm = parse_csu_alarm(
        _with(type="video.analytics.person_down", location=..., camera_id="cam-ralliement-1")
    )
    assert alarm.location is None
    assert alarm.camera_id == "cam-ralliement-1"


def test_altitude_is_accepted_and_dropped() -> None:
    alarm = parse_csu_alarm(_with(location={"type": "Point", "coordinates": [-0.55, 47.47, 40]}))
    assert alarm.location == PointGeometry(coordinates=(-0.55, 47.47))


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (_with(location=...), "location: required (a Point or Polygon)"),
        (_with(location=None), "location: required (a Point or Polygon)"),
        (
            _with(type="video.loss", location=...),
            "location: required (a Point or Polygon), or camera_id for video.*",
        ),
        (
            _with(severity="bad"),
            "severity: 'bad' is not one of informational, low, medium, high, critical",
        ),
        (_with(severity="HIGH"), "severity: 'HIGH' is not one of informational, low, medium"),
        (_with(severity=4), "severity: expected a string, got number"),
        (_with(status="open"), "status: 'open' is not one of active, cleared, cancelled"),
        (
            _with(occurred_at="2026-11-25T21:04:00+25:00"),
            "occurred_at: '2026-11-25T21:04:00+25:00' has an invalid UTC offset",
        ),
        (
            _with(occurred_at="2026-11-25T21:04:00"),
            "occurred_at: '2026-11-25T21:04:00' has no UTC offset",
        ),
        (_with(occurred_at="2026-11-25"), "occurred_at: '2026-11-25' is not an ISO 8601 date-time"),
        (
            _with(occurred_at="2026-02-30T21:04:00Z"),
            "occurred_at: '2026-02-30T21:04:00Z' is not a valid date-time (day is out of range",
        ),
        (
            _with(occurred_at="0001-01-01T00:30:00+01:00"),
            "occurred_at: '0001-01-01T00:30:00+01:00' is not a valid date-time",
        ),
        (_with(occurred_at=1764101040), "occurred_at: expected an ISO 8601 date-time, got number"),
        (_with(occurred_at=...), "occurred_at: required"),
        (_with(source=...), "source: required"),
        (_with(source="  "), "source: must not be empty"),
        (_with(source=12), "source: expected a string, got number"),
        (_with(external_id="x" * 513), "external_id: String should have at most 512 characters"),
        (_with(type=...), "type: required"),
        (
            _with(type="lighting.feederdown"),
            "type: 'lighting.feederdown' is not a csu alarm type (did you mean "
            "'lighting.feeder_down'?); valid types: lighting.feeder_down, lighting.lamp_off,",
        ),
        (_with(data=[1]), "data: expected a JSON object, got array"),
        (_with(references="X-1"), "references: expected a list of external ids, got string"),
        (_with(references=["X-1", ""]), "references[1]: expected a non-empty string"),
        (_with(camera_id=5), "camera_id: expected a string, got number"),
        (_with(sevrity="high"), "unknown field 'sevrity' (allowed: source, external_id, type,"),
        (
            _with(location={"type": "Point", "coordinates": [47.4712, -120.0]}),
            "location.coordinates: latitude -120.0 is outside -90..90 "
            "(GeoJSON order is [longitude, latitude])",
        ),
        (
            _with(location={"type": "Point", "coordinates": [181, 47.4]}),
            "location.coordinates: longitude 181.0 is outside -180..180",
        ),
        (
            _with(location={"type": "Point", "coordinates": ["-0.55", "47.47"]}),
            "location.coordinates: expected [longitude, latitude], got ['-0.55', '47.47']",
        ),
        (
            _with(location={"type": "Point", "coordinates": [True, 47.47]}),
            "location.coordinates: expected [longitude, latitude], got [True, 47.47]",
        ),
        (
            _with(location={"type": "Polygon", "coordinates": [SQUARE[:3]]}),
            "location.coordinates[0]: a ring needs at least 4 positions, got 3",
        ),
        (
            _with(location={"type": "Polygon", "coordinates": [[*SQUARE[:3], [0.0, 47.0]]]}),
            "location.coordinates[0]: the ring is not closed",
        ),
        (
            _with(location={"type": "Polygon", "coordinates": []}),
            "location.coordinates: expected a list of rings, got []",
        ),
        (
            _with(location={"type": "Circle", "coordinates": [0, 0]}),
            "location: geometry type 'Circle' is not supported (Point or Polygon)",
        ),
        (
            _with(location="47.47,-0.55"),
            "location: expected a GeoJSON Point or Polygon, got string",
        ),
        ([EXAMPLE], "alarm: expected a JSON object, got array"),
        (None, "alarm: expected a JSON object, got null"),
        ("null", "alarm: expected a JSON object, got null"),
        (b"", "empty body: expected a csu alarm JSON object"),
        (b'{"source": "hypervisor",', "not valid JSON: Expecting property name enclosed"),
        (b'{"severity": Infinity}', "not valid JSON: Infinity is not a JSON value"),
    ],
)
def test_bad_alarms_are_named(payload: Any, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_csu_alarm(payload)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-25T23:59:00Z",
        "2026-11-25T23:59:00.1+02:00",
        "2026-11-25T23:59:00.1234567+02:00",
        "2026-11-25T23:59:00-23:59",
        "2026-02-30T00:00:00Z",
        "2026-11-25T24:00:00Z",
        "2026-11-25T23:59:60Z",
        "2026-11-25T23:59:00+24:00",
        "2026-11-25T23:59:00+12:60",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:59:59-01:00",
        " 2026-11-25T23:59:00Z",
    ],
)
def test_the_fast_reading_of_common_timestamps_agrees_with_the_full_one(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same datetime or same error, whether the canonical shape takes the fast path or not."""

    def outcome() -> str:
        try:
            return repr(timestamps.parse_timestamp(value, "occurred_at"))
        except AlarmParseError as exc:
            return f"error: {exc}"

    fast = outcome()
    monkeypatch.setattr(timestamps, "_CANONICAL", re.compile("(?!)"))
    assert outcome() == fast
