"""Text a database can store: no lone surrogate (no UTF-8 encoding exists) and no NUL.

A JSON escape such as `\\ud800` decodes to a str that cannot be encoded to UTF-8, so neither
SQLite nor PostgreSQL takes it; PostgreSQL text refuses NUL (`\\u0000`) besides. Adapters refuse
such documents by name (`unstorable`); what csu writes of its own beside a payload (a header, a
topic, an error message) is repaired instead (`storable`), since the payload must be kept.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ELLIPSIS = "…"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored ("contains a lone surrogate \\ud800 at offset 3"), or None."""
    if value.isascii():  # the usual case, checked at C speed
        at = value.find("\x00")
        return None if at < 0 else f"contains a NUL character (\\u0000) at offset {at}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"contains a lone surrogate \\u{ord(value[exc.start]):04x} at offset {exc.start}"
    at = value.find("\x00")
    return None if at < 0 else f"contains a NUL character (\\u0000) at offset {at}"


def unstorable(document: Any) -> str | None:
    """The first string of a decoded JSON document (keys included) that cannot be stored, named
    by its path ("data[0].description: contains ..."), or None when every one can."""
    stack: list[tuple[str, Any]] = [("", document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                return f"{path or 'body'}: {problem}"
        elif isinstance(value, dict):
            items = list(value.items())
            for key, item in reversed(items):  # reversed: the first member is reported first
                name = str(key)
                problem = text_problem(name)
                if problem is not None:
                    return f"{path or 'body'}: a member name {problem}"
                stack.append((f"{path}.{name}" if path else name, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{n}]", item) for n, item in reversed(list(enumerate(value))))
    return None


def storable(value: str, limit: int | None = None) -> str:
    """`value` with each lone surrogate and NUL replaced by U+FFFD, cut to `limit` characters."""
    if not value.isascii() or "\x00" in value:
        value = _UNSTORABLE.sub(REPLACEMENT, value)
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + _ELLIPSIS
    return value


def storable_document(document: Any) -> Any:
    """A decoded JSON-like document whose every string (keys too) is `storable`."""
    if isinstance(document, str):
        return storable(document)
    if isinstance(document, dict):
        return {storable(str(k)): storable_document(v) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [storable_document(v) for v in document]
    return document


def _refuse_unstorable(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# Free text taken from a request: refused with a 422 naming the field when no database could
# store it, rather than failing at the write.
StorableText = Annotated[str, AfterValidator(_refuse_unstorable)]
