"""Check an evidence folder: signature over the manifest, then every file against it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from privacy.access_log.signing import CheckpointVerifier, SigningKeyError, load_verifier
from video.evidence.manifest import MANIFEST, PUBLIC_KEY, SIGNATURE, sha256_of


class VerifyUsageError(ValueError):
    """Verification cannot start (no folder, no manifest, unreadable key); one line per error."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Verdict:
    """What verification found: no problems means intact."""

    problems: tuple[str, ...]
    files: int
    key_id: str | None
    pinned: bool

    @property
    def ok(self) -> bool:
        """True when the folder is exactly what was signed."""
        return not self.problems


def verify_folder(folder: Path, public_key: Path | None = None) -> Verdict:
    """Verify the folder against the pinned key, or else the key shipped in it."""
    errors = []
    if not folder.is_dir():
        errors.append(f"{folder}: not a directory")
    elif not (folder / MANIFEST).is_file():
        errors.append(f"{folder}: no {MANIFEST} (not an evidence export)")
    pinned = None
    if public_key is not None:
        try:
            pinned = load_verifier(public_key)
        except SigningKeyError as exc:
            errors.append(f"--public-key: {exc}")
    if errors:
        raise VerifyUsageError(errors)
    problems: list[str] = []
    data = (folder / MANIFEST).read_bytes()
    verifier = _key(folder, pinned, problems)
    _check_signature(folder, data, verifier, problems)
    manifest = _parse(data, problems)
    listed: set[str] = set()
    if manifest is not None:
        # Extra files only mean something against a readable list of the expected ones.
        listed = _check_files(folder, manifest, problems)
        expected = listed | {MANIFEST, SIGNATURE, PUBLIC_KEY}
        extra = sorted(p.name for p in folder.iterdir() if p.name not in expected)
        problems += [f"{name}: not listed in the manifest (extra file)" for name in extra]
    return Verdict(
        tuple(problems),
        len(listed),
        verifier.key_id if verifier else None,
        pinned is not None,
    )


def _key(
    folder: Path, pinned: CheckpointVerifier | None, problems: list[str]
) -> CheckpointVerifier | None:
    shipped_path = folder / PUBLIC_KEY
    shipped = None
    if shipped_path.is_file():
        try:
            shipped = load_verifier(shipped_path)
        except SigningKeyError as exc:
            problems.append(f"{PUBLIC_KEY}: {exc}")
    elif pinned is None:
        problems.append(f"{PUBLIC_KEY}: missing (give the site's key with --public-key)")
    if pinned is not None and shipped is not None and shipped.key_id != pinned.key_id:
        problems.append(f"{PUBLIC_KEY}: key {shipped.key_id} is not the pinned key {pinned.key_id}")
    return pinned or shipped


def _check_signature(
    folder: Path, data: bytes, verifier: CheckpointVerifier | None, problems: list[str]
) -> None:
    path = folder / SIGNATURE
    if not path.is_file():
        problems.append(f"{SIGNATURE}: missing (the manifest is unsigned)")
        return
    if verifier is None:
        return
    if not verifier.valid(path.read_bytes().hex(), data):
        problems.append(
            f"{MANIFEST}: bad signature (the manifest was altered, or not signed by key"
            f" {verifier.key_id})"
        )


def _parse(data: bytes, problems: list[str]) -> dict[str, Any] | None:
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(f"{MANIFEST}: not valid JSON ({exc})")
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        problems.append(f"{MANIFEST}: no list of files")
        return None
    return manifest


def _check_files(folder: Path, manifest: dict[str, Any], problems: list[str]) -> set[str]:
    listed: set[str] = set()
    for entry in manifest["files"]:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or Path(name).name != name:
            problems.append(f"{MANIFEST}: file entry {entry!r} has no plain file name")
            continue
        listed.add(name)
        problem = _file_problem(folder / name, entry)
        if problem:
            problems.append(f"{name}: {problem}")
    return listed


def _file_problem(path: Path, entry: dict[str, Any]) -> str | None:
    if not path.is_file():
        return "missing"
    size = path.stat().st_size
    if size != entry.get("size_bytes"):
        return f"size {size} bytes, the manifest says {entry.get('size_bytes')} (altered)"
    if sha256_of(path) != entry.get("sha256"):
        return "SHA-256 differs from the manifest (altered)"
    return None
