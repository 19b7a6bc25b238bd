"""Bus subscribers that turn kernel events into access-log entries."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from csu.bus import EventBus
from csu.identity.events import LoginFailures, LoginSucceeded, PasswordChanged, UserCreated
from privacy.access_log.models import AccessRecord, Outcome
from privacy.access_log.service import AccessLog

USER_CREATED = "admin.user_created"
PASSWORD_CHANGED = "auth.password_changed"


def account_created_record(
    *,
    username: str,
    role: str,
    cameras: list[str],
    expires_at: str | None,
    actor: str | None,
    extra: dict[str, Any] | None = None,
) -> AccessRecord:
    """The entry for a new account and its camera authorisations."""
    details = {"username": username, "role": role, "cameras": cameras, "expires_at": expires_at}
    return AccessRecord(action=USER_CREATED, user=actor, details={**details, **(extra or {})})


def log_identity_events(bus: EventBus, access_log: AccessLog) -> list[Callable[[], None]]:
    """Log every login, tally of failed logins, password change and account creation; returns
    the unsubscribers."""

    async def on_login(event: LoginSucceeded) -> None:
        record = AccessRecord(
            action="auth.login", user=event.username, role=event.role, client=event.client
        )
        await asyncio.to_thread(access_log.append, record, at=event.at)

    async def on_failures(event: LoginFailures) -> None:
        # One entry per account (or names with no account) and address per window, not per try.
        record = AccessRecord(
            action="auth.login",
            user=event.username,
            client=event.client,
            outcome=Outcome.DENIED,
            details={
                "reason": "bad credentials",
                "failures": event.failures,
                "refused_while_throttled": event.refused,
                "first_at": event.first_at.isoformat(),
                "last_at": event.last_at.isoformat(),
                "locked": event.locked,
                "names_without_account": event.tried_names,
            },
        )
        await asyncio.to_thread(access_log.append, record, at=event.at)

    async def on_password(event: PasswordChanged) -> None:
        record = AccessRecord(action=PASSWORD_CHANGED, user=event.username, client=event.client)
        await asyncio.to_thread(access_log.append, record, at=event.at)

    async def on_user(event: UserCreated) -> None:
        record = account_created_record(
            username=event.username,
            role=event.role,
            cameras=event.cameras,
            expires_at=event.expires_at,
            actor=event.context.user,
        )
        await asyncio.to_thread(access_log.append, record, at=event.at)

    return [
        bus.subscribe(LoginSucceeded, on_login, name="access-log.login"),
        bus.subscribe(LoginFailures, on_failures, name="access-log.login-failures"),
        bus.subscribe(UserCreated, on_user, name="access-log.user-created"),
        bus.subscribe(PasswordChanged, on_password, name="access-log.password-changed"),
    ]
