"""The HTTP server csu runs under: uvicorn, with a deadline for each request's headers.

uvicorn has no setting that bounds how long a client may take to send a request's headers
(`--timeout-request-start` is still an open item of its issue #157): its keep-alive timeout only
runs between requests and the first byte of a request clears it, and `limit_concurrency` refuses
newcomers instead of closing the slow ones. So 1,200 half-sent requests stayed open (a
slowloris holds sockets and memory for as long as it likes). csu passes uvicorn a protocol class
of its own, through uvicorn's `http` setting: its HTTP protocol (httptools) plus a timer armed
when a connection opens or a request begins and disarmed when the headers are complete. A
connection whose headers are late is closed. Bodies, responses and WebSockets are not timed.
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

# Generous for any client on a LAN or the Internet; a browser sends its headers in one packet.
HEADER_TIMEOUT_S = 10.0


class HeaderDeadlineProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol; a connection must finish each request's headers in time."""

    header_timeout_s: float = HEADER_TIMEOUT_S
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's headers."""
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self) -> None:
        """A request begins: its headers are timed (from the connection's start for the first)."""
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        """Headers in time: the request goes on untimed."""
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        """No timer outlives its connection."""
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout_s, self._headers_late)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _headers_late(self) -> None:
        self._deadline = None
        log.debug("closing a connection: request headers took over %s s", self.header_timeout_s)
        self.transport.close()


def header_deadline_protocol(
    header_timeout_s: float = HEADER_TIMEOUT_S,
) -> type[HeaderDeadlineProtocol]:
    """The protocol class to give uvicorn as `http=`, with this deadline."""
    return type(
        "HeaderDeadlineProtocol", (HeaderDeadlineProtocol,), {"header_timeout_s": header_timeout_s}
    )
