"""A short-lived memory of which user a bearer token names, for high-rate machine clients.

A hypervisor posting thousands of alarms a second would otherwise pay two database reads per
request to learn what it learnt a millisecond ago. Entries live a few seconds, so a revoked token
or a deactivated account stops working within that time even without an explicit `forget`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

from csu.identity.models import User

DEFAULT_TTL_S = 5.0
MAX_ENTRIES = 1024


class TokenCache:
    """token digest -> (user, expiry); thread-safe, bounded, time-limited."""

    def __init__(
        self, ttl_s: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, tuple[User, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> User | None:
        """The user remembered for this token, if still fresh."""
        key = _key(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[1] <= self._clock():
                del self._entries[key]
                return None
            return entry[0]

    def put(self, token: str, user: User) -> None:
        """Remember the user behind a token that was just checked against the database."""
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # rare (1024 live machine tokens): start over
            self._entries[_key(token)] = (user, self._clock() + self._ttl_s)

    def forget(self, token: str) -> None:
        """Drop a token at once (logout)."""
        with self._lock:
            self._entries.pop(_key(token), None)

    def clear(self) -> None:
        """Drop everything (a user's rights or status changed)."""
        with self._lock:
            self._entries.clear()


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
