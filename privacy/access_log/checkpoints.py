"""Signed checkpoints of the chain head, kept in the database and sent to every witness."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

import sqlalchemy as sa

from csu.db import Database
from privacy.access_log.chain import canonical_time
from privacy.access_log.models import ChainCheckpoint
from privacy.access_log.signing import CheckpointSigner, CheckpointVerifier, raw_public

log = logging.getLogger(__name__)


class CheckpointKind(StrEnum):
    """Why a checkpoint was signed."""

    INTERVAL = "interval"
    START = "start"
    SHUTDOWN = "shutdown"
    # Signed just before pruning: it anchors the first entry that remains.
    PRUNE = "prune"


@dataclass(frozen=True)
class Checkpoint:
    """A signed (seq, hash) of the chain at one moment."""

    seq: int
    hash: str
    signed_at: str  # canonical UTC text, as signed
    kind: str
    key_id: str
    signature: str

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return checkpoint_message(self.seq, self.hash, self.signed_at, self.kind)

    def describe(self) -> str:
        """How reports name this checkpoint."""
        return f"checkpoint signed at {self.signed_at} ({self.kind})"


def checkpoint_message(seq: int, hash_: str, signed_at: str, kind: str) -> bytes:
    """The signed statement: a fixed text naming the entry, its hash, the time and the kind."""
    text = f"csu access-log checkpoint v1\nseq={seq}\nhash={hash_}\nat={signed_at}\nkind={kind}\n"
    return text.encode()


def witness_record(checkpoint: Checkpoint, key: CheckpointVerifier) -> str:
    """A checkpoint as witnesses keep it: one JSON object, with the signing key's fingerprint."""
    record = {
        **asdict(checkpoint),
        "key_fingerprint": key.fingerprint,
        "public_key": raw_public(key.public),
    }
    return json.dumps(record, sort_keys=True)


class Witness(Protocol):
    """Somewhere a copy of each checkpoint goes as it is made (a file, a syslog host, NATS)."""

    def witness(self, record: str) -> None:
        """Keep or send one witness record; must not raise for a witness that is away."""
        ...


class Checkpointer:
    """Signs the chain head into `chain_checkpoints`, then hands it to every witness."""

    def __init__(
        self, db: Database, signer: CheckpointSigner, witnesses: Sequence[Witness] = ()
    ) -> None:
        self._db = db
        self._signer = signer
        self._witnesses = tuple(witnesses)
        self._lock = threading.Lock()

    @property
    def signer(self) -> CheckpointSigner:
        """The key that signs."""
        return self._signer

    def checkpoint(self, kind: CheckpointKind = CheckpointKind.INTERVAL) -> Checkpoint | None:
        """Sign the current head; None when the log is empty or the head is already signed."""
        with self._lock:
            head = self._entry("SELECT seq, hash FROM access_log ORDER BY seq DESC LIMIT 1", {})
            if head is None:
                return None
            latest = self._entry(
                "SELECT seq, hash FROM chain_checkpoints ORDER BY seq DESC, id DESC LIMIT 1", {}
            )
            if latest == head and kind is not CheckpointKind.PRUNE:
                return None
            return self._sign(head[0], head[1], kind)

    def anchor(self, seq: int) -> Checkpoint:
        """Sign entry `seq` as the anchor of the entries after it, before those up to it go."""
        with self._lock:
            row = self._entry("SELECT seq, hash FROM access_log WHERE seq = :s", {"s": seq})
            if row is None:
                raise LookupError(f"no access-log entry {seq} to anchor")
            return self._sign(row[0], row[1], CheckpointKind.PRUNE)

    def _entry(self, sql: str, params: dict[str, int]) -> tuple[int, str] | None:
        with self._db.engine.connect() as conn:
            row = conn.execute(sa.text(sql), params).first()
        return (int(row[0]), str(row[1])) if row else None

    def _sign(self, seq: int, hash_: str, kind: CheckpointKind) -> Checkpoint:
        signed_at = canonical_time(datetime.now(UTC))
        assert signed_at is not None
        signature = self._signer.sign(checkpoint_message(seq, hash_, signed_at, kind.value))
        checkpoint = Checkpoint(seq, hash_, signed_at, kind.value, self._signer.key_id, signature)
        with self._db.session() as session:
            session.add(
                ChainCheckpoint(
                    seq=seq,
                    hash=hash_,
                    signed_at=datetime.fromisoformat(signed_at),
                    kind=kind.value,
                    key_id=checkpoint.key_id,
                    signature=signature,
                )
            )
        # After the database: a witnessed checkpoint always has its row, so one whose row is
        # gone means the row was deleted.
        record = witness_record(checkpoint, self._signer)
        for witness in self._witnesses:
            witness.witness(record)
        log.debug("signed %s at entry %d", checkpoint.describe(), seq)
        return checkpoint


def stored_checkpoints(db: Database) -> list[Checkpoint]:
    """Every checkpoint in the database, oldest first."""
    signed_at = (
        "signed_at"
        if db.is_sqlite
        else "to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    )
    sql = (
        f"SELECT seq, hash, {signed_at}, kind, key_id, signature FROM chain_checkpoints ORDER BY id"
    )
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(sql)).all()
    return [
        Checkpoint(int(r[0]), str(r[1]), _text_time(r[2]), str(r[3]), str(r[4]), str(r[5]))
        for r in rows
    ]


def _text_time(value: object) -> str:
    text = canonical_time(value if isinstance(value, datetime | str) else str(value))
    assert text is not None
    return text
