"""The sign-in service on a real database: a bounded pool, and outcomes the route can answer."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from csu.bus import EventBus
from csu.db import Database
from csu.events import Event
from csu.identity import service as identity
from csu.identity.login_throttle import Refusal
from csu.identity.logins import Busy, Granted, LoginService, WrongCredentials
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
