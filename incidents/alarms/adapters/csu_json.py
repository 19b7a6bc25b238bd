"""csu's own alarm JSON (interfaces.md), as the hypervisor and other systems post it.

`type` must be a catalogue type: an unknown one is refused with the closest name and the list,
since a typo would otherwise file a fire alarm under `other`. `severity` is optional (the type's
default). `location` is required, because correlation and the map place every alarm; only a
video.* alarm may give `camera_id` instead, as the camera's place is in the site file.
Unknown keys are refused, so a misspelt optional field is an error rather than lost.

Every field is checked here, so that a message names the field and says what is wrong in csu's
words; the Alarm model then holds the checked values.
"""

from __future__ import annotations

from typing import Any

from incidents.alarms.adapters.fields import (
    decoded_json,
    one_of,
    optional_str,
    require_object,
    required_str,
)
from incidents.alarms.catalogue import alarm_type
from incidents.alarms.errors import AlarmParseError, shown, type_name
from incidents.alarms.geometry import Geometry, parse_geometry
from incidents.alarms.models import Alarm, make_alarm
from incidents.alarms.scales import AlarmStatus, Severity
from incidents.alarms.timestamps import parse_timestamp

FIELDS = (
    "source", "external_id", "type", "severity", "occurred_at", "location", "description",
    "data", "status", "references", "camera_id",
)  # fmt: skip
_KNOWN = frozenset(FIELDS)
_SEVERITIES = tuple(severity.value for severity in Severity)
_STATUSES = tuple(status.value for status in AlarmStatus)


def parse_csu_alarm(payload: Any) -> Alarm:
    """An Alarm from csu's JSON form: a decoded object, or its JSON text as bytes or str;
    raises AlarmParseError naming what is wrong."""
    body = require_object(decoded_json(payload, "a csu alarm JSON object"), "alarm")
    if not _KNOWN.issuperset(body):
        unknown = sorted(str(key) for key in body if key not in _KNOWN)
        raise AlarmParseError(f"unknown field {shown(unknown[0])} (allowed: {', '.join(FIELDS)})")
    entry = alarm_type(required_str(body, "type"))
    severity = optional_str(body, "severity")
    status = optional_str(body, "status")
    camera_id = optional_str(body, "camera_id")
    source = required_str(body, "source")
    external_id = required_str(body, "external_id")
    location = _location(body.get("location"), entry.name, camera_id)
    return make_alarm(
        source=source,
        external_id=external_id,
        type=entry.name,
        severity=entry.default_severity.value
        if severity is None
        else one_of(severity, _SEVERITIES, "severity"),
        occurred_at=parse_timestamp(_required(body, "occurred_at"), "occurred_at"),
        location=location,
        description=optional_str(body, "description") or entry.label("en"),
        data={} if body.get("data") is None else require_object(body["data"], "data"),
        status=AlarmStatus.ACTIVE.value if status is None else one_of(status, _STATUSES, "status"),
        references=[] if body.get("references") is None else _references(body["references"]),
        camera_id=camera_id,
    )


def _required(body: dict[str, Any], key: str) -> Any:
    if body.get(key) is None:
        raise AlarmParseError(f"{key}: required")
    return body[key]


def _location(value: Any, kind: str, camera_id: str | None) -> Geometry | None:
    if value is not None:
        return parse_geometry(value, "location")
    if kind.startswith("video.") and camera_id is not None:
        return None
    if kind.startswith("video."):
        raise AlarmParseError("location: required (a Point or Polygon), or camera_id for video.*")
    raise AlarmParseError("location: required (a Point or Polygon)")


def _references(value: Any) -> list[str]:
    if not isinstance(value, list):
        raise AlarmParseError(
            f"references: expected a list of external ids, got {type_name(value)}"
        )
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise AlarmParseError(f"references[{index}]: expected a non-empty string")
    return [item.strip() for item in value]
