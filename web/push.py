"""The one way csu pushes to a WebSocket: what waits in a mailbox, at most once a window, until
the reader leaves or its session ends. Consoles and wall displays both go through it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from fastapi import WebSocket, WebSocketDisconnect

from csu.mailbox import Mailbox

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


async def push(
    websocket: WebSocket,
    mailbox: Mailbox[K, V],
    render: Callable[[list[V]], list[str]],
    *,
    window_s: float = 0.0,
    on_text: Callable[[str], None] | None = None,
) -> None:
    """Send what `mailbox` holds, rendered, until the socket closes.

    The first value after a quiet spell goes out at once; during a burst at most one send per
    `window_s`, and whatever arrives meanwhile is merged into it. Texts the reader sends are
    handed to `on_text`; reading is also how its leaving is noticed.
    """
    reader = asyncio.create_task(_read(websocket, on_text))
    loop = asyncio.get_running_loop()
    last_sent = -window_s
    try:
        while not reader.done():
            waiter = asyncio.create_task(mailbox.wait())
            await asyncio.wait({waiter, reader}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if reader.done():
                break
            await asyncio.sleep(max(0.0, last_sent + window_s - loop.time()))
            last_sent = loop.time()
            for text in render(mailbox.take()):
                await websocket.send_text(text)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the reader left mid-send, or the socket was closed for it (session ended)
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await reader


def session_ended(websocket: WebSocket) -> Callable[[str], Awaitable[None]]:
    """What the rights watch calls when the reader's session ends: the socket is closed, 1008."""

    async def end(why: str) -> None:
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close(code=1008, reason=f"session ended: {why}"[:120])

    return end


async def _read(websocket: WebSocket, on_text: Callable[[str], None] | None) -> None:
    while True:
        text = await websocket.receive_text()
        if on_text is not None:
            on_text(text)
