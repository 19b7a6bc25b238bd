"""Sign-ins: throttled, checked in a small pool of their own, failures tallied for the log.

Argon2 takes about a tenth of a second of CPU and 64 MiB per check. Run on the shared thread
pool, 60 concurrent logins took every core (and 4 GB) and /healthz answered in 6 s. Here two
threads check passwords; up to `max_waiting` more tries wait their turn, and past that a try is
refused at once (the server is busy) instead of queueing without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from csu.bus import EventBus
from csu.db import Database
from csu.errors import Forbidden, Invalid, TooMany, Unauthenticated, Unavailable, term
from csu.identity import service as identity
from csu.identity.events import LoginFailures, LoginSucceeded, PasswordChanged
from csu.identity.login_tally import FailedLoginTally
from csu.identity.login_throttle import LoginThrottle, Refusal
from csu.identity.models import utcnow
from csu.identity.password_rule import password_terms, weak_password

log = logging.getLogger(__name__)

CHECK_WORKERS = 2
MAX_WAITING = 64
FLUSH_EVERY_S = 10.0
PASSWORD_CHECK_NICENESS = 10


@dataclass(frozen=True)
class Granted:
    """The credentials were right: a new session."""

    token: str
    role: str
    password_changed: bool = False


@dataclass(frozen=True)
class MustChange:
    """The credentials were right, but an administrator reset the password: no session until the
    user sets a new one."""


@dataclass(frozen=True)
class WrongCredentials:
    """Unknown name, wrong password or closed account (never said which)."""


@dataclass(frozen=True)
class Busy:
    """Too many sign-ins are being checked at once; nothing was checked."""

    retry_after_s: int = 2


LoginOutcome = Granted | MustChange | WrongCredentials | Refusal | Busy


class SignInRefused(TooMany):
    """Too many failed sign-ins: this try was refused before its password was checked."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(
            refusal.reason,
            key="errors.sign_in.waiting"
            if refusal.waiting
            else "errors.sign_in.locked"
            if refusal.locked
            else "errors.sign_in.slowed",
            seconds=refusal.retry_after_s,
        )
        self.retry_after_s = refusal.retry_after_s


class SignInBusy(Unavailable):
    """Too many sign-ins are being checked at once; nothing was checked."""

    def __init__(self, busy: Busy) -> None:
        super().__init__(
            f"too many sign-ins are being checked at once: try again in {busy.retry_after_s} s",
            key="errors.sign_in.busy",
            seconds=busy.retry_after_s,
        )
        self.retry_after_s = busy.retry_after_s


class BadCredentials(Unauthenticated):
    """Unknown name, wrong password or closed account (never said which)."""


class PasswordChangeRequired(Forbidden):
    """The password was reset by an administrator: the user must choose a new one first."""


class NewPasswordRefused(Invalid, ValueError):
    """The new password breaks the password rule or repeats the current one; says how."""


class LoginService:
    """Checks credentials off the event loop, throttles failures and tallies them."""

    def __init__(
        self,
        db: Database,
        bus: EventBus,
        *,
        session_lifetime: timedelta,
        workers: int = CHECK_WORKERS,
        max_waiting: int = MAX_WAITING,
        clock: Callable[[], float] = time.monotonic,
        wallclock: Callable[[], datetime] = utcnow,
        counted: Callable[[str], None] = lambda _outcome: None,
    ) -> None:
        self._db = db
        self._counted = counted
        self._bus = bus
        self._lifetime = session_lifetime
        self._pool = ThreadPoolExecutor(
            workers, thread_name_prefix="password-check", initializer=_lower_priority
        )
        self._capacity = workers + max_waiting
        self._in_pool = 0
        self._clock = clock
        self._wallclock = wallclock
        self.throttle = LoginThrottle()
        self.tally = FailedLoginTally()
        self._flusher: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start closing the tally's windows as they end."""
        self._flusher = asyncio.create_task(self._flush_forever(), name="login-tally")

    async def stop(self) -> None:
        """Tell every open tally (nothing is lost at shutdown) and stop the pool."""
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        for event in self.tally.drain(self._wallclock()):
            self._bus.publish(event)
        with contextlib.suppress(TimeoutError):
            await self._bus.drain(5.0)  # the access log has them before the bus stops
        self._pool.shutdown(wait=False, cancel_futures=True)

    def close_windows(self, now: datetime | None = None) -> int:
        """Tell the tallies whose window has ended; returns how many."""
        events = self.tally.due(now or self._wallclock())
        for event in events:
            self._bus.publish(event)
        return len(events)

    async def sign_in(
        self, username: str, password: str, client: str | None, *, new_password: str | None = None
    ) -> Granted:
        """A new session for the right credentials, with the password replaced by new_password
        if given; else SignInRefused (throttled), SignInBusy, BadCredentials,
        PasswordChangeRequired (reset: a new password first) or NewPasswordRefused. Each checked
        outcome is counted (success, throttled, failure)."""
        if new_password is not None:
            _check_new_password(username, password, new_password)
        outcome = await self.attempt(username, password, client, new_password=new_password)
        if isinstance(outcome, Busy):
            raise SignInBusy(outcome)
        self._counted(_COUNTED[type(outcome)])
        if isinstance(outcome, Refusal):
            raise SignInRefused(outcome)
        if isinstance(outcome, WrongCredentials):
            raise BadCredentials("wrong username or password", key="errors.sign_in.wrong")
        if isinstance(outcome, MustChange):
            raise PasswordChangeRequired(
                "password change required: an administrator reset this password; choose a new"
                " one (POST /api/auth/password) before signing in",
                key="errors.sign_in.change_password",
            )
        return outcome

    async def attempt(
        self, username: str, password: str, client: str | None, *, new_password: str | None = None
    ) -> LoginOutcome:
        """Check a sign-in (and a password change); the outcome says what to answer."""
        refusal = self.throttle.admit(username, client, self._clock())
        if refusal is not None:
            self.tally.refused(username, address=client, now=self._wallclock())
            return refusal
        if self._in_pool >= self._capacity:
            self.throttle.release(username, client, self._clock())
            return Busy()
        self._in_pool += 1
        try:
            loop = asyncio.get_running_loop()
            known, granted = await loop.run_in_executor(
                self._pool, self._check, username, password, new_password
            )
        except BaseException:
            self.throttle.release(username, client, self._clock())
            raise
        finally:
            self._in_pool -= 1
        success = granted is not None
        settled = self.throttle.settle(username, client, success=success, now=self._clock())
        if isinstance(granted, Granted):
            if granted.password_changed:
                self._bus.publish(PasswordChanged(username=username, client=client))
            self._bus.publish(LoginSucceeded(username=username, role=granted.role, client=client))
        if granted is not None:
            return granted
        now = self._wallclock()
        self.tally.failed(username, known=known, address=client, now=now)
        if settled.locked:
            self._publish(self.tally.close(username, address=client, now=now))
        return WrongCredentials()

    def _check(
        self, username: str, password: str, new_password: str | None
    ) -> tuple[bool, Granted | MustChange | None]:
        # On a password-check thread: the session holds a connection for one Argon2 check only.
        with self._db.session() as session:
            user = identity.authenticate(session, username=username, password=password)
            if user is None:
                return identity.get_user(session, username=username) is not None, None
            if new_password is not None:
                # Ends the account's other sessions: whoever knew the old password is out.
                identity.set_password(session, user=user, password=new_password)
            elif user.must_change_password:
                return True, MustChange()
            token = identity.issue_token(session, user=user, lifetime=self._lifetime)
            return True, Granted(token, user.role, password_changed=new_password is not None)

    def _publish(self, event: LoginFailures | None) -> None:
        if event is not None:
            self._bus.publish(event)

    async def _flush_forever(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_EVERY_S)
            self.close_windows()


_COUNTED: dict[type[LoginOutcome], str] = {
    Granted: "success",
    MustChange: "success",
    Refusal: "throttled",
    WrongCredentials: "failure",
}


def _check_new_password(username: str, password: str, new_password: str) -> None:
    # Before any Argon2 work: the rule depends on nothing but the name asked for.
    problems = password_terms(new_password, username=username)
    if new_password == password:
        problems.append(
            ("must differ from the current password", term("errors.password.same_as_current"))
        )
    if problems:
        refused = weak_password("new_password", problems)
        raise NewPasswordRefused(str(refused), key=refused.key, **refused.params)


def _lower_priority() -> None:
    # Argon2's own threads inherit this: the event loop (and so /healthz, alarms, video
    # signalling) gets a core first whenever both want one.
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PASSWORD_CHECK_NICENESS)
