"""The Alarm: what every input format (csu JSON, CAP, NGSI-LD, ONVIF) is turned into."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from incidents.alarms.catalogue import ALARM_TYPES, unknown_type_message
from incidents.alarms.errors import AlarmParseError
from incidents.alarms.geometry import Geometry, PointGeometry, PolygonGeometry
from incidents.alarms.scales import AlarmStatus, Severity

__all__ = [
    "Alarm",
    "AlarmStatus",
    "PointGeometry",
    "PolygonGeometry",
    "Severity",
    "make_alarm",
]

# Lengths match the alarms table (incidents/models.py StoredAlarm).
MAX_LENGTHS = {"source": 128, "external_id": 512, "camera_id": 64}


class Alarm(BaseModel):
    """One alarm from outside, in csu's terms; `source` + `external_id` identify it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1, max_length=MAX_LENGTHS["source"], description="Who sent it.")
    external_id: str = Field(
        min_length=1, max_length=MAX_LENGTHS["external_id"], description="The sender's own id."
    )
    type: str = Field(description="A csu catalogue type, e.g. lighting.feeder_down.")
    severity: Severity
    occurred_at: AwareDatetime = Field(description="When it happened (or was sent), UTC.")
    location: Geometry | None = Field(default=None, description="GeoJSON, [lon, lat].")
    description: str = Field(default="", description="What an operator reads first.")
    data: dict[str, Any] = Field(default_factory=dict, description="Format-specific extras.")
    status: AlarmStatus = AlarmStatus.ACTIVE
    references: list[str] = Field(
        default_factory=list, description="External ids of the alarms this one updates or cancels."
    )
    camera_id: str | None = Field(default=None, min_length=1, max_length=MAX_LENGTHS["camera_id"])

    @field_validator("type")
    @classmethod
    def _in_catalogue(cls, value: str) -> str:
        if value not in ALARM_TYPES:
            raise ValueError(unknown_type_message(value))
        return value

    @field_validator("occurred_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


def make_alarm(**fields: Any) -> Alarm:
    """An Alarm, with a validation failure turned into an AlarmParseError naming the field."""
    try:
        return Alarm(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "alarm"
        message = str(first["msg"]).removeprefix("Value error, ")
        raise AlarmParseError(f"{where}: {message}") from None
