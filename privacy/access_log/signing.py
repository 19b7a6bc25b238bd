"""The Ed25519 key that signs checkpoints of the chain head: created once, kept private."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

log = logging.getLogger(__name__)

PUBLIC_SUFFIX = ".pub.pem"


class SigningKeyError(RuntimeError):
    """The key file is missing, unreadable or not an Ed25519 key."""


def key_id(public: Ed25519PublicKey) -> str:
    """A short, stable name for a public key: the first 16 hex digits of its SHA-256."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def fingerprint(public: Ed25519PublicKey) -> str:
    """What a privacy officer pins: SHA256: and the unpadded base64 of the key's DER SPKI.

    The same as `openssl pkey -pubin -in KEY.pub.pem -outform DER | openssl dgst -sha256 -binary
    | base64 | tr -d =`, so it can be checked without csu.
    """
    der = public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode().rstrip("=")


def raw_public(public: Ed25519PublicKey) -> str:
    """The 32 raw bytes of a public key, base64: how witness records carry it."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_from_raw(text: str) -> Ed25519PublicKey | None:
    """The key raw_public wrote, or None when the text is not one."""
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(text, validate=True))
    except ValueError:
        return None


class CheckpointVerifier:
    """Checks signatures made by one key."""

    def __init__(self, public: Ed25519PublicKey) -> None:
        self.public = public
        self.key_id = key_id(public)
        self.fingerprint = fingerprint(public)

    def valid(self, signature_hex: str, message: bytes) -> bool:
        """True when the signature is this key's over the message."""
        try:
            self.public.verify(bytes.fromhex(signature_hex), message)
        except (InvalidSignature, ValueError):
            return False
        return True


class CheckpointSigner(CheckpointVerifier):
    """Signs checkpoint messages with the site's private key."""

    def __init__(self, private: Ed25519PrivateKey) -> None:
        super().__init__(private.public_key())
        self._private = private

    def sign(self, message: bytes) -> str:
        """The hex Ed25519 signature of the message."""
        return self._private.sign(message).hex()


def load_or_create_signer(path: Path) -> CheckpointSigner:
    """The signer from the PEM file at path, generated there first (mode 0600) if absent."""
    if not path.exists():
        _create(path)
    return CheckpointSigner(_read_private(path))


def load_verifier(path: Path) -> CheckpointVerifier:
    """A verifier from a private key PEM, or from a public key PEM (the `.pub.pem` beside it)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read signing key {path}: {exc.strerror}") from exc
    if b"PRIVATE KEY" in data:
        return CheckpointVerifier(_read_private(path).public_key())
    try:
        public = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SigningKeyError(f"{path} is not a PEM public key") from exc
    if not isinstance(public, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return CheckpointVerifier(public)


def key_ring(*verifiers: CheckpointVerifier) -> dict[str, CheckpointVerifier]:
    """Verifiers by key id."""
    return {v.key_id: v for v in verifiers}


def _read_private(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(f"cannot read signing key {path}: {exc.strerror}") from exc
    if path.stat().st_mode & 0o077:
        log.warning("signing key %s is readable by other users; chmod 600 it", path)
    try:
        private = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(f"{path} is not an unencrypted PEM private key") from exc
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 key")
    return private


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        # O_EXCL: when two processes start at once, one key wins and the other reads it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # The public half lets a privacy officer verify the log without holding the secret.
    with contextlib.suppress(OSError):
        public_path(path).write_bytes(public)
    log.info("created access-log signing key %s (id %s)", path, key_id(private.public_key()))


def public_path(private_path: Path) -> Path:
    """Where the public half of a generated key is written."""
    return private_path.with_name(private_path.name.removesuffix(".pem") + PUBLIC_SUFFIX)
