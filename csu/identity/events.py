"""Identity events: the access log (privacy package) stores them."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from csu.events import Event, Reach


class LoginSucceeded(Event):
    """A user logged in."""

    topic: ClassVar[str] = "identity.login_succeeded"
    # Local: the access log (one chain for the cluster) records it once, where it happened.
    reach: ClassVar[Reach] = "local"
    username: str
    role: str
    client: str | None


class PasswordChanged(Event):
    """A user replaced their own password (after an administrator's reset, or of their accord)."""

    topic: ClassVar[str] = "identity.password_changed"
    reach: ClassVar[Reach] = "local"  # as LoginSucceeded: logged once
    username: str
    client: str | None


class LoginFailures(Event):
    """Failed logins of one account (or of names with no account) from one address, tallied.

    One per window instead of one per failure, so that guessing cannot flood the access log.
    """

    topic: ClassVar[str] = "identity.login_failures"
    reach: ClassVar[Reach] = "local"  # as LoginSucceeded: logged once
    username: str | None = Field(description="The account tried; None for names with none.")
    client: str | None = Field(description="The address; None for the overflow of many.")
    failures: int = Field(description="Wrong credentials in the window.")
    refused: int = Field(description="Tries refused unchecked while throttled.")
    first_at: datetime
    last_at: datetime
    locked: bool = Field(description="The window closed because a lock began.")
    tried_names: list[str] = Field(description="A few of the names with no account tried.")


class UserCreated(Event):
    """An account was created (CLI, demo or administration)."""

    topic: ClassVar[str] = "identity.user_created"
    reach: ClassVar[Reach] = "local"  # as LoginSucceeded: logged once
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
    # Live: a right ended on an API node must end the streams camera workers serve under it,
    # at once. A node away at that moment finds it by its periodic check of the database, and
    # a restarted node holds no stream, so nothing is gained by keeping it.
    reach: ClassVar[Reach] = "live"
    username: str
    reason: str
