"""Times csu accepts from outside: aware, and within bounds every store and log can hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

# Wide enough for any footage, hold or audit period a site can have; narrow enough that a time
# and any UTC offset stay inside what Python, SQLite and PostgreSQL all represent the same way.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
BOUNDS_TEXT = "between 1970-01-01T00:00:00Z and 2200-01-01T00:00:00Z"


def within_bounds(value: datetime) -> datetime:
    """The time itself, refused outside [EARLIEST, LATEST) (a naive time counts as UTC)."""
    try:
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment < LATEST:
        raise PydanticCustomError(
            "time_out_of_range",
            "must be {bounds}, got {value}",
            {"bounds": BOUNDS_TEXT, "value": value.isoformat()},
        )
    return value


def aware_within_bounds(value: datetime) -> datetime:
    """An API time as given: refused without a time zone or outside [EARLIEST, LATEST)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError(
            "time_zone_missing",
            "give a time zone (a UTC offset), e.g. {example}Z",
            {"example": value.isoformat()},
        )
    return within_bounds(value)


def as_utc(moment: datetime) -> datetime:
    """The time as aware UTC (a naive time counts as UTC, as csu keeps every time)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class _StatedBounds:
    """Writes the bounds into the JSON schema (ajv's formatMinimum keywords), so the OpenAPI
    document says what a client may send."""

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema: dict[str, Any] = handler(core_schema)
        schema["formatMinimum"] = _iso(EARLIEST)
        schema["formatExclusiveMaximum"] = _iso(LATEST)
        return schema


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# The one type for a time given to the API (query parameter or body field).
ApiTime = Annotated[datetime, AfterValidator(aware_within_bounds), _StatedBounds()]
# A time csu answers with: always with its offset, an RFC 3339 date-time as documented.
UtcTime = Annotated[datetime, AfterValidator(as_utc)]
# A time kept in the access log: the same bounds; internal callers may pass naive UTC.
LoggedTime = Annotated[datetime, AfterValidator(within_bounds)]
