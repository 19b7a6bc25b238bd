"""Check an evidence export, a folder or its zip, with the core every export ships.

The checking itself is `video.evidence.verify_export`, the standalone script copied into each
export: csu and a court expert without csu run the same code, so the two cannot drift. This
module only adds csu's key loading (a private key file pins its public half too).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from privacy.access_log.signing import SigningKeyError, load_verifier
from video.evidence.verify_export import PublicKey, Unreadable, check, open_bundle, parse_public_key


class VerifyUsageError(ValueError):
    """Verification cannot start (no export, an unsafe zip, an unreadable key); one line each."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Verdict:
    """What verification found: no problems means intact."""

    problems: tuple[str, ...]
    files: int  # the evidence files listed, the shipped verifier and its instructions aside
    key_id: str | None
    fingerprint: str | None
    pinned: bool

    @property
    def ok(self) -> bool:
        """True when the export is exactly what was signed."""
        return not self.problems


def verify_export(path: Path, public_key: Path | None = None) -> Verdict:
    """Verify the folder or zip against the pinned key, or else the key shipped in it."""
    errors: list[str] = []
    pinned = None
    if public_key is not None:
        try:
            pinned = _pinned(public_key)
        except SigningKeyError as exc:
            errors.append(f"--public-key: {exc}")
    try:
        if errors:
            with open_bundle(path):
                pass  # only to name what is wrong with the export too
            raise VerifyUsageError(errors)
        result = check(path, pinned)
    except Unreadable as exc:
        raise VerifyUsageError(exc.errors + errors) from exc
    key = result.key
    return Verdict(
        result.problems,
        result.evidence_files,
        key.key_id if key else None,
        key.fingerprint if key else None,
        result.pinned,
    )


verify_folder = verify_export  # the name callers used before zips were accepted


def _pinned(path: Path) -> PublicKey:
    public = load_verifier(path).public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    key = parse_public_key(public)
    if key is None:  # load_verifier accepts Ed25519 keys only
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return key
