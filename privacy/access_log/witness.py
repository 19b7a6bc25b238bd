"""Witness copies of the checkpoints: the file beside the data, and reading any witness back.

The local file catches whoever can change the database but not the data folder. Whoever can
write the folder can rewrite the file too: the remote witnesses (witness_remote) are for them,
and `csu audit verify --witness` reads what they hold, as a syslog capture or a JSON Lines file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from privacy.access_log.checkpoints import Checkpoint
from privacy.access_log.signing import CheckpointVerifier, public_from_raw

log = logging.getLogger(__name__)

# Where a checkpoint record shows in a line of someone else's log (syslog capture): its APP-NAME
# and the JSON object that follows.
APP_NAME = "csu-access-log"
_TEXT_FIELDS = ("hash", "signed_at", "kind", "key_id", "signature")


def witness_path(data_dir: Path) -> Path:
    """The append-only copy of every checkpoint, beside the database."""
    return data_dir / "access-log-checkpoints.jsonl"


class FileWitness:
    """Appends each checkpoint record to a local JSON Lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def witness(self, record: str) -> None:
        """Append one line; a failure is logged (the database row is already written)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(record + "\n")
        except OSError as exc:
            log.warning("cannot append to checkpoint witness %s: %s", self.path, exc)


@dataclass
class Witnessed:
    """What a witness holds: its checkpoints, the keys its records carry, unreadable lines."""

    checkpoints: list[Checkpoint] = field(default_factory=list)
    keys: list[CheckpointVerifier] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def merge(self, other: Witnessed) -> None:
        """Add another witness's findings."""
        self.checkpoints += other.checkpoints
        self.keys += other.keys
        self.errors += other.errors


def read_records(lines: Iterable[str], *, source: str, strict: bool) -> Witnessed:
    """Checkpoint records from lines: JSON Lines (strict: every line one) or a syslog capture.

    In a capture, lines that do not mention a checkpoint are other programs' and are skipped;
    one that does but cannot be read is reported, like any bad line of a JSON Lines file.
    """
    found = Witnessed()
    keys: dict[str, CheckpointVerifier] = {}
    for number, line in enumerate(lines, start=1):
        text = line.strip().strip("\x00")
        if not text or (not strict and APP_NAME not in text and '"signature"' not in text):
            continue
        doc = _json_object(text)
        checkpoint = _checkpoint(doc)
        if checkpoint is None:
            found.errors.append(f"{source}:{number}: not a checkpoint record")
            continue
        found.checkpoints.append(checkpoint)
        public = public_from_raw(str(doc.get("public_key", ""))) if doc else None
        if public is not None:
            verifier = CheckpointVerifier(public)
            keys.setdefault(verifier.fingerprint, verifier)
    found.keys = list(keys.values())
    return found


def read_witness_file(path: Path, *, strict: bool | None = None) -> Witnessed:
    """A witness file's records; JSON Lines files are strict, captures of syslog are not."""
    if not path.exists():
        return Witnessed()
    lenient = path.suffix not in (".jsonl", ".ndjson") if strict is None else not strict
    with path.open(encoding="utf-8", errors="replace") as lines:
        return read_records(lines, source=str(path), strict=not lenient)


def _json_object(text: str) -> dict[str, Any] | None:
    start = text.find("{")
    if start < 0:
        return None
    try:
        doc = json.loads(text[start:])
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _checkpoint(doc: dict[str, Any] | None) -> Checkpoint | None:
    if doc is None or type(doc.get("seq")) is not int:
        return None
    if not all(isinstance(doc.get(name), str) for name in _TEXT_FIELDS):
        return None
    return Checkpoint(doc["seq"], *(doc[name] for name in _TEXT_FIELDS))
