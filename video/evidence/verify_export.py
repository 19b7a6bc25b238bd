#!/usr/bin/env python3
"""Check a csu evidence export, a folder or its zip, without csu.

This file is the one checking core: csu's `csu export verify` imports it, and every export
carries a copy (listed in its signed manifest, so a changed copy shows in any other check). It
needs Python 3.10+ and either the `cryptography` package or the `openssl` command (3.0+); set
VERIFY_EXPORT_BACKEND=openssl or =cryptography to choose. It imports nothing from csu.

    python3 verify_export.py EXPORT_DIR_OR_ZIP [--public-key SITE_KEY.pub.pem]

Exit 0: intact; 1: one line per difference; 2: the export cannot be checked (not an export, an
unsafe zip, an unreadable key, no way to check a signature).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import hashlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol, TypeGuard

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "evidence-key.pub.pem"
VERIFIER = "verify_export.py"
INSTRUCTIONS = "VERIFY.txt"
KIT = frozenset({VERIFIER, INSTRUCTIONS})
BACKEND_ENV = "VERIFY_EXPORT_BACKEND"
# Bounds on what a zip may ask of the checker, so that a crafted one cannot exhaust it.
MAX_MEMBERS = 10_000
MAX_TOTAL_BYTES = 1 << 40
MAX_RATIO = 100  # exports are stored, not compressed: a high ratio is a bomb, not a video
MAX_SMALL_BYTES = 16 << 20  # manifest, signature, key
_CHUNK = 1 << 20
# DER of an Ed25519 SubjectPublicKeyInfo: this prefix, then the 32 raw key bytes (RFC 8410).
_ED25519_SPKI = bytes.fromhex("302a300506032b6570032100")


class Unreadable(Exception):
    """The export cannot be checked at all; one line per reason."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class PublicKey:
    """An Ed25519 public key as the site names it."""

    der: bytes

    @property
    def raw(self) -> bytes:
        return self.der[len(_ED25519_SPKI) :]

    @property
    def key_id(self) -> str:
        """csu's short name: the first 16 hex digits of the raw key's SHA-256."""
        return hashlib.sha256(self.raw).hexdigest()[:16]

    @property
    def fingerprint(self) -> str:
        """What the site hands over: SHA256: and the unpadded base64 of the DER key's SHA-256."""
        digest = hashlib.sha256(self.der).digest()
        return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")

    def pem(self) -> bytes:
        body = base64.b64encode(self.der).decode()
        return f"-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----\n".encode()


def parse_public_key(pem: bytes) -> PublicKey | None:
    """The Ed25519 key of a PEM public key, or None when it is not one."""
    text = pem.decode("ascii", "replace")
    begin, end = "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----"
    if begin not in text or end not in text.split(begin, 1)[1]:
        return None
    body = "".join(text.split(begin, 1)[1].split(end, 1)[0].split())
    try:
        der = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(der) != len(_ED25519_SPKI) + 32 or not der.startswith(_ED25519_SPKI):
        return None
    return PublicKey(der)


def backend() -> str:
    """`cryptography` when importable (or asked for), else `openssl`."""
    chosen = os.environ.get(BACKEND_ENV, "").strip().lower()
    if chosen in ("cryptography", "openssl"):
        return chosen
    try:
        import cryptography.hazmat.primitives.asymmetric.ed25519  # noqa: F401
    except ImportError:
        return "openssl"
    return "cryptography"


def signature_valid(key: PublicKey, signature: bytes, message: bytes, how: str) -> bool:
    """Whether signature is key's Ed25519 signature over message."""
    if how == "cryptography":
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            Ed25519PublicKey.from_public_bytes(key.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True
    return _openssl_valid(key, signature, message)


def _openssl_valid(key: PublicKey, signature: bytes, message: bytes) -> bool:
    with tempfile.TemporaryDirectory(prefix="verify-export-") as tmp:
        paths = {n: Path(tmp, n) for n in ("key.pem", "message", "signature")}
        paths["key.pem"].write_bytes(key.pem())
        paths["message"].write_bytes(message)
        paths["signature"].write_bytes(signature)
        command = ["openssl", "pkeyutl", "-verify", "-pubin", "-rawin"]
        command += ["-inkey", str(paths["key.pem"]), "-in", str(paths["message"])]
        command += ["-sigfile", str(paths["signature"])]
        try:
            done = subprocess.run(command, capture_output=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Unreadable([f"cannot check the signature: openssl failed ({exc})"]) from exc
    return done.returncode == 0


class Bundle(Protocol):
    """The files of an export, a folder or a zip alike, by relative POSIX name."""

    def names(self) -> dict[str, str | None]: ...  # name: None for a plain file, else why not

    def size(self, name: str) -> int: ...

    def open(self, name: str) -> IO[bytes]: ...


def safe_name(name: object) -> TypeGuard[str]:
    """A relative POSIX path with no empty, `.` or `..` part, no drive and no backslash."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return False
    path = PurePosixPath(name)
    if path.is_absolute() or ":" in path.parts[0]:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


class FolderBundle:
    """An export as a folder on disk."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def names(self) -> dict[str, str | None]:
        found: dict[str, str | None] = {}
        for directory, subdirs, files in os.walk(self.root):
            base = Path(directory)
            for name in files + [d for d in subdirs if (base / d).is_symlink()]:
                path = base / name
                why = "a symbolic link, not a file" if path.is_symlink() else None
                if why is None and not path.is_file():
                    why = "not a regular file"
                found[path.relative_to(self.root).as_posix()] = why
        return found

    def size(self, name: str) -> int:
        return (self.root / name).stat().st_size

    def open(self, name: str) -> IO[bytes]:
        return (self.root / name).open("rb")


class ZipBundle:
    """An export as its zip (`<id>/...` or flat), read in place: nothing is extracted."""

    def __init__(self, archive: zipfile.ZipFile, label: str) -> None:
        self.archive = archive
        infos = archive.infolist()
        problems = _unsafe_members(infos, label)
        if problems:
            raise Unreadable(problems)
        files = {i.filename: i for i in infos if not i.is_dir()}
        self.prefix = _top_folder(set(files), label)
        inside = {n: i for n, i in files.items() if n.startswith(self.prefix)}
        self.infos = {n[len(self.prefix) :]: i for n, i in inside.items()}
        self.outside = sorted(set(files) - set(inside))

    def names(self) -> dict[str, str | None]:
        found: dict[str, str | None] = dict.fromkeys(self.infos)
        found.update(dict.fromkeys(self.outside, "outside the export's folder"))
        return found

    def size(self, name: str) -> int:
        return self.infos[name].file_size

    def open(self, name: str) -> IO[bytes]:
        return self.archive.open(self.infos[name])


def _unsafe_members(infos: list[zipfile.ZipInfo], label: str) -> list[str]:
    problems = []
    if len(infos) > MAX_MEMBERS:
        problems.append(f"{label}: {len(infos)} members, more than {MAX_MEMBERS} (refused)")
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        problems.append(f"{label}: {total} bytes unpacked, more than {MAX_TOTAL_BYTES} (refused)")
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if not safe_name(name.rstrip("/") if info.is_dir() else name):
            problems.append(f"{label}: member {name!r} is not a safe relative path (refused)")
        elif stat.S_ISLNK(info.external_attr >> 16):
            problems.append(f"{label}: member {name!r} is a symbolic link (refused)")
        elif info.flag_bits & 0x1:
            problems.append(f"{label}: member {name!r} is encrypted (refused)")
        elif info.file_size > _CHUNK and info.file_size > MAX_RATIO * info.compress_size:
            problems.append(f"{label}: member {name!r} unpacks {MAX_RATIO}x+ (zip bomb, refused)")
        elif name in seen:
            problems.append(f"{label}: member {name!r} appears twice (refused)")
        seen.add(name)
    return problems


def _top_folder(names: set[str], label: str) -> str:
    if MANIFEST in names:
        return ""
    tops = {n.split("/", 1)[0] for n in names if "/" in n}
    candidates = [t for t in sorted(tops) if f"{t}/{MANIFEST}" in names]
    if len(candidates) != 1:
        raise Unreadable([f"{label}: no {MANIFEST} at its top or in one folder (not an export)"])
    return candidates[0] + "/"


def _sha256(bundle: Bundle, name: str) -> str:
    digest = hashlib.sha256()
    with bundle.open(name) as stream:
        while block := stream.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def open_bundle(path: Path) -> Iterator[Bundle]:
    """The export at path, a folder or a zip; Unreadable when it is neither, or unsafe."""
    if path.is_dir():
        if not (path / MANIFEST).is_file():
            raise Unreadable([f"{path}: no {MANIFEST} (not an evidence export)"])
        yield FolderBundle(path)
        return
    if not path.exists():
        raise Unreadable([f"{path}: no such folder or zip file"])
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise Unreadable([f"{path}: neither a folder nor a readable zip ({exc})"]) from exc
    with archive:
        yield ZipBundle(archive, str(path))


@dataclass(frozen=True)
class Result:
    """What checking found: no problems means intact."""

    problems: tuple[str, ...]
    listed: tuple[str, ...]
    key: PublicKey | None
    pinned: bool
    backend: str

    @property
    def evidence_files(self) -> int:
        """The files listed, the verification kit aside."""
        return sum(1 for name in self.listed if name not in KIT)


def check(path: Path, pinned: PublicKey | None = None) -> Result:
    """Check the export at path against the pinned key, or else the key shipped in it."""
    with open_bundle(path) as bundle:
        return check_bundle(bundle, pinned)


def check_bundle(bundle: Bundle, pinned: PublicKey | None) -> Result:
    """Signature over the manifest, then every listed file; extra files named."""
    problems: list[str] = []
    members = bundle.names()
    how = backend()
    key = _key(bundle, members, pinned, problems)
    data = _small(bundle, MANIFEST)
    if SIGNATURE not in members:
        problems.append(f"{SIGNATURE}: missing (the manifest is unsigned)")
    elif key is not None and not signature_valid(key, _small(bundle, SIGNATURE), data, how):
        problems.append(
            f"{MANIFEST}: bad signature (the manifest was altered, or not signed by key"
            f" {key.key_id})"
        )
    manifest = _parse(data, problems)
    listed: list[str] = []
    if manifest is not None:
        # Extra files only mean something against a readable list of the expected ones.
        listed = _check_files(bundle, members, manifest, problems)
        expected = set(listed) | {MANIFEST, SIGNATURE, PUBLIC_KEY}
        problems += [
            f"{name}: {why or 'not listed in the manifest (extra file)'}"
            for name, why in sorted(members.items())
            if name not in expected or why
        ]
    return Result(tuple(problems), tuple(listed), key, pinned is not None, how)


def _small(bundle: Bundle, name: str) -> bytes:
    if bundle.size(name) > MAX_SMALL_BYTES:
        raise Unreadable([f"{name}: larger than {MAX_SMALL_BYTES} bytes (not an export)"])
    try:
        with bundle.open(name) as stream:
            return stream.read()
    except zipfile.BadZipFile as exc:  # a changed byte under the zip's own checksum
        raise Unreadable([f"{name}: unreadable in the zip ({exc}), altered"]) from exc


def _key(
    bundle: Bundle, members: dict[str, str | None], pinned: PublicKey | None, problems: list[str]
) -> PublicKey | None:
    shipped = None
    if PUBLIC_KEY in members and members[PUBLIC_KEY] is None:
        shipped = parse_public_key(_small(bundle, PUBLIC_KEY))
        if shipped is None:
            problems.append(f"{PUBLIC_KEY}: not an Ed25519 PEM public key")
    elif pinned is None:
        problems.append(f"{PUBLIC_KEY}: missing (give the site's key with --public-key)")
    if pinned is not None and shipped is not None and shipped.key_id != pinned.key_id:
        problems.append(f"{PUBLIC_KEY}: key {shipped.key_id} is not the pinned key {pinned.key_id}")
    return pinned or shipped


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


def _check_files(
    bundle: Bundle, members: dict[str, str | None], manifest: dict[str, Any], problems: list[str]
) -> list[str]:
    listed: list[str] = []
    for entry in manifest["files"]:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not safe_name(name) or name in listed:  # a repeated name would be checked once
            problems.append(f"{MANIFEST}: file entry {entry!r} has no safe relative file name")
            continue
        listed.append(name)
        problem = _file_problem(bundle, members, name, entry)
        if problem:
            problems.append(f"{name}: {problem}")
    return listed


def _file_problem(
    bundle: Bundle, members: dict[str, str | None], name: str, entry: dict[str, Any]
) -> str | None:
    if name not in members:
        return "missing"
    if members[name] is not None:
        return None  # named once, with the extra files
    size = bundle.size(name)
    if size != entry.get("size_bytes"):
        return f"size {size} bytes, the manifest says {entry.get('size_bytes')} (altered)"
    try:
        digest = _sha256(bundle, name)
    except (zipfile.BadZipFile, OSError) as exc:
        return f"unreadable ({exc}) (altered)"
    if digest != entry.get("sha256"):
        return "SHA-256 differs from the manifest (altered)"
    return None


def main(argv: list[str] | None = None) -> int:
    """Exit 0 intact, 1 with one line per difference, 2 when the export cannot be checked."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("export", type=Path, metavar="EXPORT_DIR_OR_ZIP")
    parser.add_argument("--public-key", type=Path, metavar="FILE", help="the site's key (PEM)")
    args = parser.parse_args(argv)
    try:
        pinned = None
        if args.public_key is not None:
            pinned = parse_public_key(args.public_key.read_bytes())
            if pinned is None:
                raise Unreadable([f"--public-key: {args.public_key} is not an Ed25519 PEM key"])
        result = check(args.export, pinned)
    except Unreadable as exc:
        for line in exc.errors:
            print(f"verify_export: {line}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"verify_export: {exc}", file=sys.stderr)
        return 2
    for line in result.problems:
        print(line)
    if result.problems:
        print(f"ALTERED / ALTÉRÉ: {len(result.problems)} problem(s) / problème(s)")
        return 1
    _report(args.export, result)
    return 0


def _report(path: Path, result: Result) -> None:
    key = result.key
    assert key is not None  # an intact export names its key
    which = ("pinned key", "clé épinglée") if result.pinned else ("key shipped in it", "clé jointe")
    print(
        f"INTACT: {path}: {len(result.listed)} files match the manifest, signed by the {which[0]}"
    )
    print(f"INTACT : {path} : {len(result.listed)} fichiers conformes, signés par la {which[1]}")
    print(f"key id / identifiant de clé: {key.key_id}")
    print(f"fingerprint / empreinte: {key.fingerprint}")
    print(f"signature checked with / vérifiée avec: {result.backend}")
    if not result.pinned:
        print("Compare the fingerprint with the one the site gave you by another channel.")
        print("Comparez l'empreinte à celle que le site vous a remise par un autre canal.")


if __name__ == "__main__":
    sys.exit(main())
