"""The sign-in service on a real database: a bounded pool, and outcomes the route can answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from csu.bus import EventBus
from csu.db import Database
from csu.events import Event
from csu.identity import service as identity
from csu.identity.login_throttle import Refusal
from csu.identity.logins import (
    BadCredentials,
    Busy,
    Granted,
    LoginService,
    MustChange,
    NewPasswordRefused,
    PasswordChangeRequired,
    WrongCredentials,
)
from csu.identity.roles import Role

PASSWORD = "a-good-passphrase"


async def test_past_the_pool_and_its_queue_a_try_is_refused_unchecked(db: Database) -> None:
    """One checker and one waiting place: of six tries at once, four are told the server is busy."""
    with db.session() as s:
        for n in range(6):
            identity.create_user(s, username=f"user{n}", role=Role.OPERATOR, password=PASSWORD)
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(Event, seen.append)
    await bus.start()
    logins = LoginService(db, bus, session_lifetime=timedelta(hours=1), workers=1, max_waiting=1)
    await logins.start()
    try:
        outcomes = await asyncio.gather(
            *(logins.attempt(f"user{n}", PASSWORD, f"192.0.2.{n}") for n in range(6))
        )
        assert [type(o) for o in outcomes] == [Granted, Granted, Busy, Busy, Busy, Busy]
        # Busy tries were never counted: each account may try again at once.
        again = await logins.attempt("user5", PASSWORD, "192.0.2.5")
        assert isinstance(again, Granted)
        wrong = await logins.attempt("user0", "not-my-password", "192.0.2.0")
        assert isinstance(wrong, WrongCredentials)
    finally:
        await logins.stop()
        await bus.stop()
    assert [e.topic for e in seen].count("identity.login_succeeded") == 3
    failures = [e for e in seen if e.topic == "identity.login_failures"]
    assert len(failures) == 1  # told at shutdown, nothing lost


async def test_a_refused_try_is_never_checked(db: Database) -> None:
    """While throttled, even the right password is not looked at."""
    with db.session() as s:
        identity.create_user(s, username="alice", role=Role.OPERATOR, password=PASSWORD)
    bus = EventBus()
    await bus.start()
    logins = LoginService(db, bus, session_lifetime=timedelta(hours=1), clock=lambda: 100.0)
    try:
        for _ in range(5):
            assert isinstance(
                await logins.attempt("alice", "wrong-wrong", "192.0.2.9"), WrongCredentials
            )
        refused = await logins.attempt("alice", PASSWORD, "192.0.2.9")
        assert isinstance(refused, Refusal) and refused.retry_after_s == 1
    finally:
        await logins.stop()
        await bus.stop()


async def test_a_reset_password_opens_nothing_until_a_new_one_is_chosen(db: Database) -> None:
    """The one-time password is right but answers 'change it'; the change is checked by the
    rule, opens a session and is published for the access log."""
    temporary = "one-time-Qx7rTz"
    with db.session() as s:
        user = identity.create_user(s, username="alice", role=Role.OPERATOR, password=PASSWORD)
        identity.reset_password(s, user=user, temporary=temporary)
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(Event, seen.append)
    await bus.start()
    logins = LoginService(db, bus, session_lifetime=timedelta(hours=1))
    try:
        assert isinstance(await logins.attempt("alice", temporary, None), MustChange)
        with pytest.raises(PasswordChangeRequired, match="choose a new one"):
            await logins.sign_in("alice", temporary, None)
        with pytest.raises(NewPasswordRefused, match="new_password must be at least 12"):
            await logins.sign_in("alice", temporary, None, new_password="short")
        with pytest.raises(NewPasswordRefused, match="must differ from the current password"):
            await logins.sign_in("alice", temporary, None, new_password=temporary)
        with pytest.raises(BadCredentials):
            await logins.sign_in("alice", "not-the-one-time", None, new_password="a fresh one 42")
        granted = await logins.sign_in(
            "alice", temporary, "192.0.2.4", new_password="a fresh one 42"
        )
        assert granted.password_changed
        with db.session() as s:
            assert identity.user_for_token(s, token=granted.token) is not None
        again = await logins.sign_in("alice", "a fresh one 42", None)
        assert not again.password_changed
        assert isinstance(await logins.attempt("alice", temporary, None), WrongCredentials)
        await bus.drain(5.0)
    finally:
        await logins.stop()
        await bus.stop()
    topics = [e.topic for e in seen]
    assert topics.count("identity.password_changed") == 1
    assert topics.count("identity.login_succeeded") == 2
