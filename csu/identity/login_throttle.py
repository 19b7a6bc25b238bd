"""Failed-login throttling: growing delays per account and per address, and temporary locks.

Three counts are kept: failures for an account (from anywhere), from an address (for any name)
and for an account from one address. Past a few free failures each count asks for a growing
delay before the next try. An address, or an account from one address, is then locked for a
while; an account alone never is, or anyone could lock the operators out during a crisis from
a few addresses (a distributed guesser is slowed to one try per `max_delay_s` instead).
Attempts past the free ones are also checked one at a time, so concurrent requests cannot all
slip in before the first failure is counted.

Pure state with explicit monotonic times; the web process keeps one in memory (see README for
why not in the database). Every call is made from the event loop.
"""

from __future__ import annotations

import ipaddress
import math
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from csu.backoff import Backoff

MAX_KEYS = 100_000


class Scope(StrEnum):
    """What a count is kept for."""

    ACCOUNT = "account"
    ADDRESS = "address"
    ACCOUNT_FROM_ADDRESS = "account from address"


@dataclass(frozen=True)
class ThrottleRule:
    """How failures of one count turn into a wait before the next try."""

    free: int
    base_delay_s: float
    max_delay_s: float
    lock_after: int | None
    lock_s: float
    forget_after_s: float

    def wait_after(self, failures: int) -> float:
        """Seconds the next try must wait after this many failures."""
        if self.lock_after is not None and failures >= self.lock_after:
            return self.lock_s
        if failures < self.free:
            return 0.0
        return Backoff(self.base_delay_s, self.max_delay_s).ceiling(failures - self.free)


RULES = {
    Scope.ACCOUNT: ThrottleRule(5, 1.0, 30.0, None, 0.0, 3600.0),
    Scope.ADDRESS: ThrottleRule(10, 1.0, 60.0, 30, 900.0, 3600.0),
    Scope.ACCOUNT_FROM_ADDRESS: ThrottleRule(5, 1.0, 60.0, 10, 900.0, 3600.0),
}

_WHERE = {
    Scope.ACCOUNT: "for this account",
    Scope.ADDRESS: "from this address",
    Scope.ACCOUNT_FROM_ADDRESS: "for this account from this address",
}


@dataclass
class _Count:
    failures: int = 0
    pending: int = 0
    last_failure: float = -math.inf
    blocked_until: float = -math.inf


@dataclass(frozen=True)
class Refusal:
    """A try refused before its password is checked."""

    scope: Scope
    retry_after_s: int
    locked: bool = False
    # Refused only because an earlier try of the same count is still being checked.
    waiting: bool = False

    @property
    def reason(self) -> str:
        """The refusal in words, with when to try again."""
        where, again = _WHERE[self.scope], f"try again in {self.retry_after_s} s"
        if self.waiting:
            return f"another sign-in {where} is being checked: {again}"
        state = "locked" if self.locked else "slowed down"
        return f"too many failed sign-ins {where}: {state}, {again}"


@dataclass(frozen=True)
class Settled:
    """The outcome of a checked try: whether a lock began with it."""

    locked: bool


Key = tuple[Scope, str]


def address_key(address: str | None) -> str:
    """What an address is counted as: itself, or its /64 for IPv6 (one host holds a /64)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class LoginThrottle:
    """The three counts of every name and address that failed recently (bounded in memory)."""

    def __init__(self, rules: dict[Scope, ThrottleRule] = RULES, max_keys: int = MAX_KEYS) -> None:
        self._rules = rules
        self._max_keys = max_keys
        self._counts: OrderedDict[Key, _Count] = OrderedDict()

    def admit(self, username: str, address: str | None, now: float) -> Refusal | None:
        """Let a try through (it must then be settled or released), or say why not."""
        keys = self._keys(username, address)
        counts = [self._count(key, now) for key in keys]
        refusals = [
            refusal
            for key, count in zip(keys, counts, strict=True)
            if (refusal := self._refusal(key[0], count, now)) is not None
        ]
        if refusals:
            return max(refusals, key=lambda r: (r.locked, r.retry_after_s))
        for count in counts:
            count.pending += 1
        return None

    def settle(self, username: str, address: str | None, *, success: bool, now: float) -> Settled:
        """Count the outcome of an admitted try."""
        locked = False
        for key in self._keys(username, address):
            count = self._count(key, now)
            count.pending = max(0, count.pending - 1)
            if success:
                if key[0] is not Scope.ADDRESS:  # a success must not clear an address's guesses
                    count.failures, count.blocked_until = 0, -math.inf
                continue
            rule = self._rules[key[0]]
            count.failures += 1
            count.last_failure = now
            count.blocked_until = max(count.blocked_until, now + rule.wait_after(count.failures))
            locked |= rule.lock_after is not None and count.failures == rule.lock_after
        return Settled(locked)

    def release(self, username: str, address: str | None, now: float) -> None:
        """Forget an admitted try that was never checked (the server was too busy)."""
        for key in self._keys(username, address):
            count = self._count(key, now)
            count.pending = max(0, count.pending - 1)

    def __len__(self) -> int:
        return len(self._counts)

    def _refusal(self, scope: Scope, count: _Count, now: float) -> Refusal | None:
        rule = self._rules[scope]
        if now < count.blocked_until:
            locked = rule.lock_after is not None and count.failures >= rule.lock_after
            return Refusal(scope, math.ceil(count.blocked_until - now), locked)
        # Past the free failures, one try at a time: its outcome sets the next delay.
        if count.pending >= max(1, rule.free - count.failures):
            return Refusal(scope, 1, waiting=True)
        return None

    def _keys(self, username: str, address: str | None) -> list[Key]:
        where = address_key(address)
        return [
            (Scope.ACCOUNT, username),
            (Scope.ADDRESS, where),
            (Scope.ACCOUNT_FROM_ADDRESS, f"{username}\n{where}"),
        ]

    def _count(self, key: Key, now: float) -> _Count:
        count = self._counts.get(key)
        if count is None:
            count = self._counts[key] = _Count()
            while len(self._counts) > self._max_keys:
                self._counts.popitem(last=False)  # the least recently seen
        else:
            self._counts.move_to_end(key)
        quiet = now - count.last_failure >= self._rules[key[0]].forget_after_s
        if quiet and count.pending == 0 and now >= count.blocked_until:
            count.failures = 0
        return count
