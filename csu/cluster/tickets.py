"""Signed tickets: an API node's word to a camera worker that this login may see this camera.

A ticket is the JSON of `Ticket` and an HMAC-SHA256 over it, both base64url, joined by a dot.
It names the worker it is for, expires within seconds and carries a nonce the worker accepts
once, so a ticket copied from a URL or a log is worth nothing elsewhere or later.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from csu.errors import Forbidden

TICKET_LIFETIME_S = 30.0
# A ticket is a query parameter: anything longer than this is not one of ours.
MAX_TICKET_CHARS = 2048


class TicketRefused(Forbidden):
    """The ticket is forged, expired, replayed, malformed or for another worker."""

    def __init__(self, message: str) -> None:
        # The message says which, for logs and tools; a person is told to reload, whichever.
        super().__init__(message, key="errors.live.ticket")


class Ticket(BaseModel):
    """Who may open which camera in which rendition, on which worker, until when."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user: str
    token_hash: str = Field(description="The login session the view belongs to (ends with it).")
    action: str = Field(description="What it allows: video.live, video.snapshot, video.playback.")
    camera: str
    rendition: str
    worker: str
    expires: float
    nonce: str
    client: str | None = Field(
        default=None,
        description="The address the API node was asked from, for the worker's access log when"
        " the API node forwards the request itself (PTZ).",
    )


def issue(
    key: bytes,
    *,
    user: str,
    token_hash: str,
    camera: str,
    rendition: str,
    worker: str,
    action: str = "video.live",
    client: str | None = None,
    now: float | None = None,
) -> str:
    """A fresh ticket, signed with the cluster's key."""
    ticket = Ticket(
        user=user,
        token_hash=token_hash,
        action=action,
        camera=camera,
        rendition=rendition,
        worker=worker,
        expires=(time.time() if now is None else now) + TICKET_LIFETIME_S,
        nonce=secrets.token_urlsafe(16),
        client=client,
    )
    body = ticket.model_dump_json().encode()
    return f"{_b64(body)}.{_b64(_mac(key, body))}"


def read(
    key: bytes, token: str, *, worker: str, now: float | None = None, check_expiry: bool = True
) -> Ticket:
    """The ticket, if its signature holds, it is for `worker` and it has not expired.

    `check_expiry=False` serves to close a session the ticket opened, hours later.
    """
    if len(token) > MAX_TICKET_CHARS or token.count(".") != 1:
        raise TicketRefused("malformed ticket")
    body_text, mac_text = token.split(".")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except (binascii.Error, ValueError):
        raise TicketRefused("malformed ticket") from None
    if not hmac.compare_digest(mac, _mac(key, body)):
        raise TicketRefused("ticket signature does not match")
    try:
        ticket = Ticket.model_validate_json(body)
    except ValidationError:
        raise TicketRefused("malformed ticket") from None
    if ticket.worker != worker:
        raise TicketRefused(f"ticket is for worker '{ticket.worker}', not this one")
    if check_expiry and (time.time() if now is None else now) >= ticket.expires:
        raise TicketRefused("ticket expired")
    return ticket


@dataclass
class ReplayGuard:
    """The nonces already used, each kept until its ticket would have expired anyway."""

    _used: dict[str, float] = field(default_factory=dict)

    def use(self, ticket: Ticket, now: float | None = None) -> None:
        """Accept the ticket's nonce once; TicketRefused the second time."""
        moment = time.time() if now is None else now
        self._used = {n: exp for n, exp in self._used.items() if exp > moment}
        if ticket.nonce in self._used:
            raise TicketRefused("ticket already used")
        self._used[ticket.nonce] = ticket.expires


def new_key() -> bytes:
    """A fresh signing key for a new cluster."""
    return secrets.token_bytes(32)


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, body, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text.isascii():
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # One spelling per ticket: the decoder ignores the last character's unused bits, so an
    # edited ticket could otherwise read as the one it was made from.
    if _b64(data) != text:
        raise ValueError("not the canonical base64url of its bytes")
    return data
