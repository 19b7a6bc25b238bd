"""Failed logins tallied per (account or "no account", address) and window, for the access log.

One access-log entry per failure let anyone flood the log (and grow it for a year) from the
login page. Failures are counted instead and told as one `LoginFailures` per pair when its
window closes, or at once when a lock begins. Names with no account share one pair per address
(a few of them kept as a sample), and past `max_pairs` open pairs the newcomers of a window are
folded into one per account-or-not with no address: whatever is sent, a window yields a bounded
number of entries.

Pure state with explicit times; every call is made from the event loop.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from csu.identity.events import LoginFailures

WINDOW = timedelta(minutes=5)
MAX_PAIRS = 200
MAX_NAMES = 5
MAX_KNOWN = 10_000

Pair = tuple[str | None, str | None]


@dataclass
class _Tally:
    first_at: datetime
    last_at: datetime
    failures: int = 0
    refused: int = 0
    names: list[str] = field(default_factory=list)


class FailedLoginTally:
    """Open windows of failed logins, each closed into one event."""

    def __init__(
        self, window: timedelta = WINDOW, max_pairs: int = MAX_PAIRS, max_names: int = MAX_NAMES
    ) -> None:
        self._window = window
        self._max_pairs = max_pairs
        self._max_names = max_names
        self._open: dict[Pair, _Tally] = {}
        # Accounts that exist, learnt from checked tries, so that a refused try (never checked)
        # is counted under its account; only real account names enter, so it stays small.
        self._known: OrderedDict[str, None] = OrderedDict()

    def failed(self, username: str, *, known: bool, address: str | None, now: datetime) -> None:
        """Count a wrong password or unknown name."""
        if known:
            self._known[username] = None
            self._known.move_to_end(username)
            if len(self._known) > MAX_KNOWN:
                self._known.popitem(last=False)
        self._tally(username, known, address, now).failures += 1

    def refused(self, username: str, *, address: str | None, now: datetime) -> None:
        """Count a try refused by the throttle (its password was never checked)."""
        self._tally(username, username in self._known, address, now).refused += 1

    def close(self, username: str, *, address: str | None, now: datetime) -> LoginFailures | None:
        """Close the pair's window now (a lock began), if it has one."""
        pair = self._pair(username, username in self._known, address)
        tally = self._open.pop(pair, None)
        return _event(pair, tally, locked=True, now=now) if tally else None

    def due(self, now: datetime) -> list[LoginFailures]:
        """Close every window that has run its length."""
        ended = [p for p, t in self._open.items() if now - t.first_at >= self._window]
        return [_event(p, self._open.pop(p), locked=False, now=now) for p in ended]

    def drain(self, now: datetime) -> list[LoginFailures]:
        """Close every window (at shutdown)."""
        closed = [_event(p, t, locked=False, now=now) for p, t in self._open.items()]
        self._open.clear()
        return closed

    def _pair(self, username: str, known: bool, address: str | None) -> Pair:
        return (username if known else None, address)

    def _tally(self, username: str, known: bool, address: str | None, now: datetime) -> _Tally:
        pair = self._pair(username, known, address)
        if pair not in self._open and len(self._open) >= self._max_pairs:
            pair = (pair[0], None)  # the overflow of this window: no address kept
        tally = self._open.get(pair)
        if tally is None:
            tally = self._open[pair] = _Tally(first_at=now, last_at=now)
        tally.last_at = now
        if not known and username not in tally.names and len(tally.names) < self._max_names:
            tally.names.append(username)
        return tally


def _event(pair: Pair, tally: _Tally, *, locked: bool, now: datetime) -> LoginFailures:
    return LoginFailures(
        username=pair[0],
        client=pair[1],
        failures=tally.failures,
        refused=tally.refused,
        first_at=tally.first_at,
        last_at=tally.last_at,
        locked=locked,
        tried_names=tally.names,
        at=now,
    )
