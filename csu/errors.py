"""The kinds of refusal: every package's request errors are one of them, and web answers each
kind with one HTTP status (web/errors.py), so no route translates errors by hand."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; the message names the problem for whoever asked."""

    # Set where asking again later may succeed: how many seconds to wait.
    retry_after_s: int | None = None


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


class TooMany(DomainError):
    """Too many requests of this kind for now."""


class Unavailable(DomainError):
    """The service cannot serve this now (stopped, unreachable, not started yet)."""
