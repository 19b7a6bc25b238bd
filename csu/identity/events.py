"""Identity events: the access log (privacy package) stores them."""

from __future__ import annotations

from typing import ClassVar

from csu.events import Event


class LoginSucceeded(Event):
    """A user logged in."""

    topic: ClassVar[str] = "identity.login_succeeded"
    username: str
    role: str
    client: str | None


class LoginFailed(Event):
    """A login was refused; the username is as typed, it may not exist."""

    topic: ClassVar[str] = "identity.login_failed"
    username: str
    client: str | None
    reason: str


class UserCreated(Event):
    """An account was created (CLI, demo or administration)."""

    topic: ClassVar[str] = "identity.user_created"
    username: str
    role: str
    cameras: list[str]
    expires_at: str | None


class RightsEnded(Event):
    """Rights ended early: a logout, a deactivation, a change of authorisations.

    Whatever depends on them (live streams, event streams) is checked again at once; expiries
    need no event, they are found by the periodic check.
    """

    topic: ClassVar[str] = "identity.rights_ended"
    username: str
    reason: str
