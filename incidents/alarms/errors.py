"""The one error every alarm adapter raises for input it cannot turn into alarms."""

from __future__ import annotations

from typing import Any

# Rejection messages go back to the sender in a 4xx body and into the raw-payload table:
# a quoted value is cut so that a megabyte of garbage does not come back in the answer.
_SHOWN_CHARS = 80


class AlarmParseError(ValueError):
    """A payload that is not a valid alarm; the message names the field and the problem."""


def shown(value: Any) -> str:
    """A short repr of an offending value for an error message."""
    text = repr(value)
    if len(text) > _SHOWN_CHARS:
        return text[: _SHOWN_CHARS - 3] + "..."
    return text


def type_name(value: Any) -> str:
    """The JSON name of a decoded value's type, for 'expected X, got Y' messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
