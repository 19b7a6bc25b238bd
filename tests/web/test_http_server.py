"""Slow request headers (slowloris) are cut off, and the server answers meanwhile."""

from __future__ import annotations

import selectors
import socket
import time
from pathlib import Path

import httpx
import pytest

from csu.app import create_app
from csu.config import SiteConfig
from csu.settings import Settings
from tests.web.conftest import served
from web.http_server import HEADER_TIMEOUT_S

pytestmark = pytest.mark.slow

HALF_SENT = 400
DEADLINE_S = 2.0


def _open_half_sent(port: int) -> list[socket.socket]:
    held = []
    for _ in range(HALF_SENT):
        conn = socket.create_connection(("127.0.0.1", port), timeout=10)
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never ends
        conn.setblocking(False)
        held.append(conn)
    return held


def _wait_until_closed(held: list[socket.socket], within_s: float) -> float:
    """Seconds until the server has closed every connection (or the limit)."""
    start, pending = time.monotonic(), set(held)
    selector = selectors.DefaultSelector()
    for conn in held:
        selector.register(conn, selectors.EVENT_READ)
    while pending and time.monotonic() - start < within_s:
        for key, _ in selector.select(timeout=0.5):
            conn = key.fileobj
            assert isinstance(conn, socket.socket)
            try:
                closed = conn.recv(4096) == b""
            except ConnectionResetError:
                closed = True
            if closed:
                selector.unregister(conn)
                pending.discard(conn)
    selector.close()
    return time.monotonic() - start if not pending else float("inf")


def test_half_sent_requests_are_closed_and_healthz_answers_meanwhile(
    database_url: str, site: SiteConfig, tmp_path: Path
) -> None:
    """400 requests whose headers never end: all closed after the deadline; /healthz is fast."""
    assert HEADER_TIMEOUT_S <= 30  # the production deadline is a bound too
    app = create_app(Settings(data_dir=tmp_path / "var", database_url=database_url), site)
    with served(app, header_timeout_s=DEADLINE_S) as base:
        port = int(base.rsplit(":", 1)[1])
        held = _open_half_sent(port)
        try:
            start = time.perf_counter()
            assert httpx.get(f"{base}/healthz", timeout=10).status_code == 200
            assert time.perf_counter() - start < 2.0
            took = _wait_until_closed(held, within_s=DEADLINE_S + 10)
            assert took < DEADLINE_S + 10, "half-sent requests were left open"
            # A client that sends its headers in time is served as ever, keep-alive included.
            with httpx.Client(base_url=base) as http:
                assert [http.get("/healthz").status_code for _ in range(3)] == [200] * 3
        finally:
            for conn in held:
                conn.close()
