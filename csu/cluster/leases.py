"""Leases in a key-value bucket whose TTL is the lease time: claim by compare-and-set, renew, lose.

A holder claims a key by creating it (the create fails if anyone holds it) and renews it by
updating it on the revision it last wrote; a holder that dies stops renewing and the bucket's TTL
removes the key, after which anyone may create it again. A holder cut off from NATS counts its
leases lost once a TTL has passed since its last renewal, because by then another may hold them.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from nats.errors import Error as NatsError
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeaseValue:
    """What a lease key holds: who holds it and since when."""

    holder: str
    since: str

    def encode(self) -> bytes:
        """The key's value."""
        return json.dumps({"holder": self.holder, "since": self.since}).encode()

    @classmethod
    def decode(cls, raw: bytes) -> LeaseValue | None:
        """The value, or None when it is not one of ours (never trust the wire)."""
        try:
            data = json.loads(raw)
            return cls(str(data["holder"]), str(data["since"]))
        except (ValueError, KeyError, TypeError):
            return None


def holders(raw: dict[str, bytes]) -> dict[str, str]:
    """Key -> holder name, from a bucket's entries (released and unreadable ones skipped)."""
    found = {}
    for key, value in raw.items():
        lease = LeaseValue.decode(value)
        if lease is not None and lease.holder:
            found[key] = lease.holder
    return found


def released(raw: dict[str, bytes]) -> set[str]:
    """The keys given up on purpose (not lost by a holder's death) and not yet retaken."""
    return {k for k, v in raw.items() if (lease := LeaseValue.decode(v)) and not lease.holder}


@dataclass
class _Held:
    revision: int
    value: LeaseValue
    renewed_at: float


class LeaseBook:
    """The leases one holder has in one bucket, with their revisions."""

    def __init__(self, kv: KeyValue, holder: str, ttl_s: float) -> None:
        self._kv = kv
        self.holder = holder
        self.ttl_s = ttl_s
        self._held: dict[str, _Held] = {}

    def held(self) -> set[str]:
        """The keys this holder holds now."""
        return set(self._held)

    async def claim(self, key: str) -> bool:
        """Take `key` if nobody holds it (or we held it before a restart); True if ours now."""
        if key in self._held:
            return True
        value = LeaseValue(self.holder, datetime.now(UTC).isoformat())
        revision: int | None
        try:
            revision = await self._kv.create(key, value.encode())
        except KeyWrongLastSequenceError:
            revision = await self._reclaim(key, value)
        if revision is None:
            return False
        self._held[key] = _Held(revision, value, time.monotonic())
        return True

    async def _reclaim(self, key: str, value: LeaseValue) -> int | None:
        # A key given up (no holder) is free; one still naming us is ours from before a
        # restart. Either is taken on its revision, so that two claimants cannot both win.
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:
            return None
        current = LeaseValue.decode(entry.value or b"")
        if current is None or current.holder not in ("", self.holder) or entry.revision is None:
            return None
        try:
            return await self._kv.update(key, value.encode(), last=entry.revision)
        except KeyWrongLastSequenceError:
            return None

    async def renew(self) -> list[str]:
        """Renew every lease; returns the keys lost (taken, expired, or unrenewable for a TTL)."""
        lost = []
        now = time.monotonic()
        for key, held in list(self._held.items()):
            try:
                held.revision = await self._kv.update(key, held.value.encode(), last=held.revision)
                held.renewed_at = now
            except KeyWrongLastSequenceError:
                lost.append(key)
            except (NatsError, TimeoutError, OSError) as exc:
                # Unreachable is not lost yet; past a TTL someone else may hold it.
                if now - held.renewed_at >= self.ttl_s:
                    lost.append(key)
                else:
                    log.warning("lease %s not renewed (%s); retrying", key, exc)
        for key in lost:
            del self._held[key]
        return lost

    async def release(self, key: str) -> None:
        """Give `key` up now, so that another may take it without waiting for the TTL.

        The key is left with no holder rather than deleted: the next holder can tell a camera
        handed over from one whose worker died.
        """
        held = self._held.pop(key, None)
        if held is None:
            return
        given_up = LeaseValue("", datetime.now(UTC).isoformat())
        try:
            await self._kv.update(key, given_up.encode(), last=held.revision)
        except (NatsError, TimeoutError, OSError, KeyWrongLastSequenceError) as exc:
            log.info("lease %s not released (%s); it expires by itself", key, exc)

    async def release_all(self) -> None:
        """Give every lease up (a clean stop)."""
        for key in list(self._held):
            await self.release(key)
