"""A short-lived memory of what a bearer token names (its user and rights), per request.

A hypervisor posting thousands of alarms a second would otherwise pay several database reads per
request to learn what it learnt a millisecond ago. Entries live a few seconds, so a revoked token
or a deactivated account stops working within that time even without an explicit `forget`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from csu.identity.service import token_digest

V = TypeVar("V")

DEFAULT_TTL_S = 5.0
MAX_ENTRIES = 1024


class TokenCache(Generic[V]):
    """token digest -> (value, expiry); thread-safe, bounded, time-limited."""

    def __init__(
        self, ttl_s: float = DEFAULT_TTL_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._entries: dict[str, tuple[V, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> V | None:
        """What is remembered for this token, if still fresh."""
        key = token_digest(token)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[1] <= self._clock():
                del self._entries[key]
                return None
            return entry[0]

    def put(self, token: str, value: V, *, ttl_s: float | None = None) -> None:
        """Remember what a token names, just checked against the database (for at most the
        cache's lifetime, less if `ttl_s` says so)."""
        lifetime = self._ttl_s if ttl_s is None else min(self._ttl_s, ttl_s)
        if lifetime <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()  # rare (1024 live machine tokens): start over
            self._entries[token_digest(token)] = (value, self._clock() + lifetime)

    def forget(self, token: str) -> None:
        """Drop a token at once (logout)."""
        with self._lock:
            self._entries.pop(token_digest(token), None)

    def clear(self) -> None:
        """Drop everything (a user's rights or status changed)."""
        with self._lock:
            self._entries.clear()
