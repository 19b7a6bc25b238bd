"""Tickets: signed, addressed to one worker, short-lived, used once."""

from __future__ import annotations

import pytest

from csu.cluster.tickets import (
    TICKET_LIFETIME_S,
    ReplayGuard,
    TicketRefused,
    issue,
    new_key,
    read,
)

KEY = new_key()


def _ticket(**changes: object) -> str:
    fields: dict[str, object] = {
        "user": "op1",
        "token_hash": "h" * 64,
        "camera": "cam-1",
        "rendition": "zones",
        "worker": "w1",
        "now": 1000.0,
    }
    fields.update(changes)
    return issue(KEY, **fields)  # type: ignore[arg-type]


def test_a_ticket_reads_back_what_was_issued() -> None:
    ticket = read(KEY, _ticket(), worker="w1", now=1001.0)
    assert (ticket.user, ticket.camera, ticket.rendition, ticket.worker) == (
        "op1",
        "cam-1",
        "zones",
        "w1",
    )
    assert ticket.expires == 1000.0 + TICKET_LIFETIME_S


def test_another_key_is_a_forgery() -> None:
    with pytest.raises(TicketRefused, match="signature"):
        read(new_key(), _ticket(), worker="w1", now=1001.0)


def test_an_edited_body_is_a_forgery() -> None:
    body, mac = _ticket().split(".")
    other_body, _ = _ticket(camera="cam-2").split(".")
    with pytest.raises(TicketRefused, match="signature"):
        read(KEY, f"{other_body}.{mac}", worker="w1", now=1001.0)
    assert body != other_body


def test_an_expired_ticket_is_refused() -> None:
    with pytest.raises(TicketRefused, match="expired"):
        read(KEY, _ticket(), worker="w1", now=1000.0 + TICKET_LIFETIME_S)


def test_a_ticket_for_another_worker_is_refused() -> None:
    with pytest.raises(TicketRefused, match="worker 'w1'"):
        read(KEY, _ticket(), worker="w2", now=1001.0)


@pytest.mark.parametrize(
    "token", ["", ".", "a.b.c", "x" * 5000, "\ud800.abc", "é.é", "!!!.???", "e30.e30"]
)
def test_garbage_is_refused_cleanly(token: str) -> None:
    with pytest.raises(TicketRefused):
        read(KEY, token, worker="w1", now=1001.0)


def test_a_ticket_is_used_once() -> None:
    guard = ReplayGuard()
    ticket = read(KEY, _ticket(), worker="w1", now=1001.0)
    guard.use(ticket, now=1001.0)
    with pytest.raises(TicketRefused, match="already used"):
        guard.use(ticket, now=1002.0)
    guard.use(read(KEY, _ticket(), worker="w1", now=1001.0), now=1002.0)


def test_every_other_spelling_of_a_ticket_is_refused() -> None:
    # 32 signature bytes are 43 base64url characters, the last carrying 2 unused bits: a
    # lenient decoder reads several spellings as one signature.
    body, mac = _ticket().split(".")
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    spellings = [mac[:-1] + c for c in last if c != mac[-1]]
    for spelling in spellings:
        with pytest.raises(TicketRefused):
            read(KEY, f"{body}.{spelling}", worker="w1", now=1001.0)
    assert read(KEY, f"{body}.{mac}", worker="w1", now=1001.0).camera == "cam-1"
