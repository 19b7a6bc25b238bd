"""Strict ISO 8601 date-times for alarm payloads: an offset is required, the result is UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from incidents.alarms.errors import AlarmParseError, shown, type_name

# Written out rather than left to datetime.fromisoformat, which in 3.11 also takes a bare date,
# week dates and compact forms, and whose errors do not say which part was wrong.
_DATETIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?"
    r"(?P<offset>Z|[+-]\d{2}:\d{2})?",
    re.ASCII,  # \d must not match other scripts' digits, which int() would accept
)
_OFFSET = re.compile(r"(?P<sign>[+-])(?P<hours>\d{2}):(?P<minutes>\d{2})", re.ASCII)
# The shape nearly every sender uses, which datetime.fromisoformat reads exactly as the pattern
# above would, at a fifth of the cost (a storm parses thousands a second).
_CANONICAL = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)",
    re.ASCII,
)


def parse_timestamp(value: Any, field: str, *, naive_is_utc: bool = False) -> datetime:
    """`value` as an aware UTC datetime, or an AlarmParseError naming `field`."""
    if not isinstance(value, str):
        raise AlarmParseError(f"{field}: expected an ISO 8601 date-time, got {type_name(value)}")
    if _CANONICAL.fullmatch(value):
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except (ValueError, OverflowError):
            pass  # an impossible date: the full reading below says which part is wrong
    match = _DATETIME.fullmatch(value.strip())
    if match is None:
        raise AlarmParseError(f"{field}: {shown(value)} is not an ISO 8601 date-time")
    tz = _timezone(match.group("offset"), value, field, naive_is_utc=naive_is_utc)
    # Finer than microseconds is cut, not rounded: rounding could carry into the next second.
    fraction = (match.group("fraction") or "0")[:6].ljust(6, "0")
    try:
        year, month, day = (int(part) for part in match.group("date").split("-"))
        local = datetime(
            year,
            month,
            day,
            int(match.group("hour")),
            int(match.group("minute")),
            int(match.group("second") or 0),
            int(fraction),
            tzinfo=tz,
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise AlarmParseError(f"{field}: {shown(value)} is not a valid date-time ({exc})") from None


def _timezone(offset: str | None, value: str, field: str, *, naive_is_utc: bool) -> timezone:
    if offset is None:
        if naive_is_utc:
            return UTC
        raise AlarmParseError(f"{field}: {shown(value)} has no UTC offset")
    if offset == "Z":
        return UTC
    parts = _OFFSET.fullmatch(offset)
    assert parts is not None  # the date-time pattern only lets a well-shaped offset through
    hours, minutes = int(parts.group("hours")), int(parts.group("minutes"))
    if hours > 23 or minutes > 59:
        raise AlarmParseError(f"{field}: {shown(value)} has an invalid UTC offset")
    sign = -1 if parts.group("sign") == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
