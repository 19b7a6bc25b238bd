"""The one way csu connects to NATS: a node's patient connection, or a passer-by's single try."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from nats.aio.client import Client

log = logging.getLogger(__name__)

Hook = Callable[[], Awaitable[None]]


def servers(url: str) -> list[str]:
    """The server URLs of a `CSU_NATS_URL`: one, or several separated by commas."""
    return [part.strip() for part in url.split(",") if part.strip()]


async def connect(
    url: str,
    name: str,
    *,
    patient: bool = True,
    first_within_s: float = 10.0,
    on_lost: Hook | None = None,
    on_back: Hook | None = None,
) -> Client:
    """A connection to NATS, or ConnectionError naming the server.

    A node is patient: once connected it reconnects forever, so it outlives any NATS restart;
    only the first connection is bounded, so a wrong URL is said at start instead of hanging.
    A passer-by (a command, a one-off read) tries once and is told why it failed.
    """
    client = Client()

    async def disconnected() -> None:
        if client.is_closed:  # nats-py calls this on close() too
            return
        log.warning("NATS connection %s to %s lost; reconnecting", name, url)
        if on_lost is not None:
            await on_lost()

    async def reconnected() -> None:
        log.info("NATS connection %s to %s back", name, url)
        if on_back is not None:
            await on_back()

    async def error(exc: Exception) -> None:
        if patient:  # a passer-by's caller reports its failure itself, once
            log.warning("NATS connection %s: %s", name, exc)

    options: dict[str, object] = (
        {"max_reconnect_attempts": -1, "reconnect_time_wait": 0.5}
        if patient
        else {"allow_reconnect": False}
    )
    try:
        # With unbounded reconnects nats-py retries a first connection forever.
        async with asyncio.timeout(first_within_s):
            await client.connect(
                servers(url),
                name=name,
                # A node retries every attempt; a passer-by has one, the whole time.
                connect_timeout=2 if patient else max(1, int(first_within_s)),
                disconnected_cb=disconnected,
                reconnected_cb=reconnected,
                error_cb=error,
                **options,  # type: ignore[arg-type]
            )
    except TimeoutError:
        with contextlib.suppress(Exception):
            await client.close()
        raise ConnectionError(f"NATS at {url} not reachable in {first_within_s:g} s") from None
    return client
