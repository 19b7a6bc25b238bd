"""Offsets and durations of a scenario: `+HH:MM:SS`, `HH:MM:SS` or a number of seconds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

_CLOCK = re.compile(r"^\+?(\d{1,3}):([0-5]\d):([0-5]\d)$")
_MAX = timedelta(days=7)


def parse_offset(value: Any) -> timedelta:
    """A time from the scenario's start, as written in a scenario file; ValueError if not one."""
    if isinstance(value, bool):  # YAML's yes/no are not seconds
        raise ValueError(f"must be '+HH:MM:SS' or a number of seconds (got {value!r})")
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _CLOCK.match(value.strip())):
        hours, minutes, secs = (int(part) for part in match.groups())
        seconds = hours * 3600 + minutes * 60 + secs
    else:
        raise ValueError(f"must be '+HH:MM:SS' or a number of seconds (got {value!r})")
    if seconds < 0 or seconds > _MAX.total_seconds():
        raise ValueError(f"must be between 0 and 7 days (got {value!r})")
    return timedelta(seconds=seconds)


def format_offset(offset: timedelta) -> str:
    """`+HH:MM:SS`, as a scenario file writes it."""
    total = int(offset.total_seconds())
    return f"+{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


Offset = Annotated[
    timedelta, BeforeValidator(parse_offset), PlainSerializer(format_offset, return_type=str)
]
