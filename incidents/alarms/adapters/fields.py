"""Reading fields of decoded JSON with messages that name the field and the problem."""

from __future__ import annotations

import json
from typing import Any

import orjson

from csu.text import unstorable
from incidents.alarms.errors import AlarmParseError, shown, type_name


def optional_str(payload: dict[str, Any], key: str, field: str | None = None) -> str | None:
    """A non-empty string at `key`, None when absent or null, else an AlarmParseError."""
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise AlarmParseError(f"{field or key}: expected a string, got {type_name(value)}")
    if not value.strip():
        raise AlarmParseError(f"{field or key}: must not be empty")
    return value.strip()


def required_str(payload: dict[str, Any], key: str, field: str | None = None) -> str:
    """A non-empty string at `key`, else an AlarmParseError saying it is required."""
    value = optional_str(payload, key, field)
    if value is None:
        raise AlarmParseError(f"{field or key}: required")
    return value


def one_of(value: str, allowed: tuple[str, ...], field: str) -> str:
    """`value` if it is one of `allowed`, else an AlarmParseError listing them."""
    if value not in allowed:
        raise AlarmParseError(f"{field}: {shown(value)} is not one of {', '.join(allowed)}")
    return value


def require_object(value: Any, what: str) -> dict[str, Any]:
    """`value` if it is a JSON object, else an AlarmParseError naming what was expected."""
    if not isinstance(value, dict):
        raise AlarmParseError(f"{what}: expected a JSON object, got {type_name(value)}")
    return value


def decoded_json(payload: Any, what: str) -> Any:
    """`payload` decoded when it is JSON text (bytes or str), else as it is (already decoded).

    A document with a string no database can store (a lone surrogate, a NUL) is refused, naming
    where that string is.
    """
    if not isinstance(payload, bytes | bytearray | str):
        return _storable(payload)
    try:
        decoded = orjson.loads(payload)
    except orjson.JSONDecodeError:
        # The standard decoder says exactly what is wrong, and takes the few things orjson
        # refuses that JSON allows (a byte-order mark, integers beyond 64 bits, lone surrogates).
        return _storable(_standard_json(payload, what))
    # orjson refuses lone surrogates: of what it takes, only the escape of NUL cannot be stored.
    # Looking for the escape costs a few hundred nanoseconds; walking every document, microseconds.
    escaped_nul = "\\u0000" in payload if isinstance(payload, str) else b"\\u0000" in payload
    return _storable(decoded) if escaped_nul else decoded


def _storable(document: Any) -> Any:
    problem = unstorable(document)
    if problem is not None:
        raise AlarmParseError(problem)
    return document


def _standard_json(payload: bytes | bytearray | str, what: str) -> Any:
    try:
        text = payload if isinstance(payload, str) else bytes(payload).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AlarmParseError(f"not valid JSON: the body is not UTF-8 ({exc.reason})") from None
    if not text.strip():
        raise AlarmParseError(f"empty body: expected {what}")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise AlarmParseError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise AlarmParseError("not valid JSON: nested too deeply") from None


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python's decoder takes them unless told not to, and they
    # would poison the stored alarm (PostgreSQL refuses them) and every range check.
    raise AlarmParseError(f"not valid JSON: {name} is not a JSON value")
