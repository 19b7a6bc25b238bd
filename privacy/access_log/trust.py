"""Which keys verification trusts: those pinned out of band, never every key found in a folder.

Anyone who can write the data folder can drop a key there, or use one that already is (the
evidence-export key). A key counts only when its fingerprint was handed to the privacy officer
(`--fingerprint`, `CSU_ACCESS_LOG_KEY_FINGERPRINT`) or its public half given by hand
(`--public-key`). Keys found in the folder or in witness records are only candidates: their bytes
are used when their fingerprint is pinned. With no pin at all, only the configured key counts,
and the report says the key is unpinned.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from privacy.access_log.signing import (
    PUBLIC_SUFFIX,
    CheckpointVerifier,
    SigningKeyError,
    load_verifier,
    public_path,
)


@dataclass(frozen=True)
class KeyTrust:
    """The keys whose checkpoints count, by key id, and what the report should say about them."""

    keys: dict[str, CheckpointVerifier]
    pinned: bool
    notes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    by_fingerprint: dict[str, str] = field(default_factory=dict)  # key id -> fingerprint


def decide_trust(
    *,
    pins: Iterable[str],
    given: Sequence[CheckpointVerifier],
    configured: CheckpointVerifier | None,
    candidates: Iterable[CheckpointVerifier] = (),
    refused: Iterable[CheckpointVerifier] = (),
) -> KeyTrust:
    """Trust the pinned keys (fingerprints or keys given by hand), else the configured key only."""
    pinned = set(pins) | {v.fingerprint for v in given}
    notes: list[str] = []
    if pinned:
        pool = [*given, *candidates, *([configured] if configured else [])]
        chosen = _unique(v for v in pool if v.fingerprint in pinned)
        found = {v.fingerprint for v in chosen}
        notes += [
            f"pinned key {pin}: no public key for it here or in the witness (give it with"
            " --public-key)"
            for pin in sorted(pinned - found)
        ]
    else:
        chosen = [configured] if configured else []
        if configured:
            notes.append(
                f"signing key not pinned: trusting only the configured key {configured.fingerprint}"
                " (pin it with --fingerprint or CSU_ACCESS_LOG_KEY_FINGERPRINT)"
            )
    evidence = {v.fingerprint for v in refused}
    problems = tuple(
        f"key {v.fingerprint} is the evidence-export key: it never signs the access log"
        for v in chosen
        if v.fingerprint in evidence
    )
    kept = [v for v in chosen if v.fingerprint not in evidence]
    return KeyTrust(
        keys={v.key_id: v for v in kept},
        pinned=bool(pinned),
        notes=tuple(notes),
        problems=problems,
        by_fingerprint={v.key_id: v.fingerprint for v in kept},
    )


def _unique(verifiers: Iterable[CheckpointVerifier]) -> list[CheckpointVerifier]:
    seen: dict[str, CheckpointVerifier] = {}
    for v in verifiers:
        seen.setdefault(v.fingerprint, v)
    return list(seen.values())


def configured_verifier(path: Path) -> CheckpointVerifier | None:
    """The configured key (private, or its public half beside it), None when neither exists."""
    for candidate in (path, public_path(path)):
        if candidate.exists():
            return load_verifier(candidate)
    return None


def folder_candidates(path: Path) -> list[CheckpointVerifier]:
    """Public keys beside the configured one (a rotated key's half): used only when pinned."""
    found = []
    if path.parent.is_dir():
        for file in sorted(path.parent.glob("*" + PUBLIC_SUFFIX)):
            try:
                found.append(load_verifier(file))
            except SigningKeyError:
                continue  # a stray file is not a reason to fail; an unpinned key counts for nothing
    return found


def evidence_verifier(path: Path) -> CheckpointVerifier | None:
    """The evidence-export key, when the site has one: never trusted for the access log."""
    try:
        return configured_verifier(path)
    except SigningKeyError:
        return None
