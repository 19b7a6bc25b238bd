"""Times csu accepts from outside: aware, and within bounds every store and log can hold."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

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


# The one type for a time given to the API (query parameter or body field).
ApiTime = Annotated[datetime, AfterValidator(aware_within_bounds)]
# A time kept in the access log: the same bounds; internal callers may pass naive UTC.
LoggedTime = Annotated[datetime, AfterValidator(within_bounds)]
