"""The one NATS connection: a node's outlives a server restart; a bad address is said, not hung."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest
from nats.errors import Error as NatsError

from csu.nats_client import connect, servers
from tests.nats_server import NatsServer, private_nats


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_servers_are_split_on_commas() -> None:
    assert servers(" nats://a:4222, nats://b:4222 ,") == ["nats://a:4222", "nats://b:4222"]


def test_a_patient_connection_to_nowhere_ends_with_the_address() -> None:
    url = f"nats://127.0.0.1:{_free_port()}"
    started = time.monotonic()
    with pytest.raises(ConnectionError, match=url):
        asyncio.run(connect(url, "test", first_within_s=1.5))
    assert time.monotonic() - started < 30


def test_a_passer_by_tries_once() -> None:
    url = f"nats://127.0.0.1:{_free_port()}"
    with pytest.raises((ConnectionError, NatsError, OSError)):
        asyncio.run(connect(url, "test", patient=False, first_within_s=2))


def test_a_node_outlives_a_server_restart(nats_server: NatsServer) -> None:
    events: list[str] = []

    async def lost() -> None:
        events.append("lost")

    async def back() -> None:
        events.append("back")

    async def scenario() -> None:
        client = await connect(nats_server.url, "test", on_lost=lost, on_back=back)
        try:
            nats_server.process.terminate()
            nats_server.process.wait(timeout=30)
            await _until(lambda: "lost" in events)
            with private_nats(nats_server.store.parent, nats_server.port):
                await _until(lambda: "back" in events)
                reply = await client.request("$JS.API.INFO", b"", timeout=10)
                assert b"memory" in reply.data
        finally:
            await client.close()

    asyncio.run(scenario())
    assert events[:2] == ["lost", "back"]


async def _until(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
