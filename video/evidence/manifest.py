"""The evidence manifest: what was exported, by whom and why, signed with the evidence key.

The signature covers manifest.json's bytes exactly as written (sorted keys, UTF-8), so any
changed byte shows. It is stored raw in manifest.sig, which `openssl pkeyutl -verify -rawin`
checks as well as `csu export verify`, and the public key ships in the folder; a recipient
pins the key it got from the site by another channel (`--public-key`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from csu.settings import EVIDENCE_KEY_FILE
from privacy.access_log.signing import CheckpointSigner, load_or_create_signer

FORMAT = "csu-evidence/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "evidence-key.pub.pem"
# Not the access-log key: evidence goes to third parties who pin it, and either key can then
# be rotated (or leak) without touching the other.
KEY_FILE = EVIDENCE_KEY_FILE
_CHUNK = 1 << 20


def evidence_key_path(data_dir: Path) -> Path:
    """The site's evidence signing key (created on first export, mode 0600)."""
    return data_dir / KEY_FILE


def evidence_signer(data_dir: Path) -> CheckpointSigner:
    """The evidence signer, its key generated on first use."""
    return load_or_create_signer(evidence_key_path(data_dir))


@dataclass(frozen=True)
class FileEntry:
    """One delivered file as the manifest lists it."""

    name: str
    sha256: str
    size_bytes: int
    media_type: str = "video/mp4"


def file_entry(path: Path, media_type: str = "video/mp4", *, root: Path | None = None) -> FileEntry:
    """Hash and size a delivered file, named by its path under `root` (a case's clips/...),
    or by its own name."""
    name = path.relative_to(root).as_posix() if root is not None else path.name
    return FileEntry(name, sha256_of(path), path.stat().st_size, media_type)


def sha256_of(path: Path) -> str:
    """The file's SHA-256, hex, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def canonical_bytes(manifest: dict[str, Any]) -> bytes:
    """The one byte form a manifest is written and signed in."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with a Z, to the millisecond."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_signed(folder: Path, manifest: dict[str, Any], signer: CheckpointSigner) -> None:
    """Write manifest.json, its raw Ed25519 signature and the public key into the folder."""
    data = canonical_bytes({**manifest, "signing_key_id": signer.key_id})
    (folder / MANIFEST).write_bytes(data)
    (folder / SIGNATURE).write_bytes(bytes.fromhex(signer.sign(data)))
    public = signer.public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (folder / PUBLIC_KEY).write_bytes(public)
