"""The hash chain as pure functions: a canonical form and the SHA-256 that links entries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
CHAINED_FIELDS = (
    "seq",
    "at",
    "action",
    "user",
    "role",
    "camera_id",
    "span_start",
    "span_end",
    "reason",
    "requisition",
    "client",
    "outcome",
    "details",
)


TIME_FIELDS = frozenset({"at", "span_start", "span_end"})


def _time(value: datetime | str | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        # Raw SQLite rows carry times as text; parse so both read paths hash alike.
        value = datetime.fromisoformat(value)
    # SQLite returns naive datetimes; every stored time is UTC, so naive means UTC.
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: dict[str, Any]) -> bytes:
    """The bytes that are hashed: sorted-key JSON of the chained fields, times in UTC."""
    doc = {}
    for name in CHAINED_FIELDS:
        value = fields.get(name)
        doc[name] = _time(value) if name in TIME_FIELDS else value
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and this entry's canonical form."""
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical(fields))
    return digest.hexdigest()


def first_break(entries: Iterable[dict[str, Any]]) -> tuple[int | None, str] | None:
    """The first entry (seq, why) where the chain does not hold, or None when intact.

    Catches an edited field (hash mismatch), a deleted or reordered entry (seq gap or prev_hash
    mismatch). Truncating the tail needs a signed head to detect; the verifier adds that.
    """
    prev, expected_seq = GENESIS, None
    for entry in entries:
        seq = entry.get("seq")
        if expected_seq is not None and seq != expected_seq:
            return seq, f"expected entry {expected_seq}, found {seq} (deleted or reordered)"
        if entry.get("prev_hash") != prev:
            return seq, "previous-hash link broken (an entry before it was removed or changed)"
        if entry_hash(prev, entry) != entry.get("hash"):
            return seq, "content does not match its hash (edited)"
        prev = str(entry["hash"])
        expected_seq = (seq or 0) + 1
    return None
