"""The kinds of refusal: every package's request errors are one of them, and web answers each
kind with one HTTP status (web/errors.py), so no route translates errors by hand.

A refusal a person may read names its catalogue text too (area `errors`) with the facts it
needs: `NotFound(english, key="errors.no_footage", camera=..., start=..., end=...)`. `str()` stays
the English sentence (logs, the command line and API clients read it as before); web words the
key in the reader's language, a datetime on the site's clock and a `Term` by its own text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Term:
    """A parameter that is a catalogue text itself (a right's name, one problem of several):
    worded in the reader's language with the refusal; a list of them is joined by '; '."""

    key: str
    params: Mapping[str, object] = field(default_factory=dict)


def term(key: str, **params: object) -> Term:
    """A Term with its parameters given by name."""
    return Term(key, params)


@dataclass(frozen=True)
class FieldProblem:
    """One of pydantic's error details (type, loc, msg, ctx) as a parameter: web words it as it
    words a request's own validation problems."""

    error: Mapping[str, object]


class DomainError(Exception):
    """A request the domain refuses; the message names the problem for whoever asked."""

    # Set where asking again later may succeed: how many seconds to wait.
    retry_after_s: int | None = None

    def __init__(self, message: str = "", *, key: str | None = None, **params: object) -> None:
        super().__init__(message)
        # The catalogue text for people, with its parameters; None: the message is all there is.
        self.key = key
        self.params = params


class Malformed(DomainError):
    """The request itself is wrong (a range that ends before it starts, an offer that is no SDP)."""


class Unauthenticated(DomainError):
    """Who is asking could not be established."""


class Forbidden(DomainError):
    """The one asking may not do this."""


class NotFound(DomainError):
    """The thing asked about does not exist (or is not the asker's to know of)."""


class Conflict(DomainError):
    """The thing is not in a state that allows this (closed, released, already open)."""


class Invalid(DomainError):
    """The request is understood but its content is refused (a layout, a password, a name)."""


class InvalidValue(Invalid, ValueError):
    """A value a pydantic validator refuses (pydantic names the field; web words the key)."""


class TooMany(DomainError):
    """Too many requests of this kind for now."""


class Unavailable(DomainError):
    """The service cannot serve this now (stopped, unreachable, not started yet)."""
