"""Leases on a real JetStream key-value bucket: one holder at a time, expiry, hand-over."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime
from pathlib import Path

from nats.aio.client import Client

from csu.cluster import kv as buckets
from csu.cluster.leases import LeaseBook, holders, released
from csu.cluster.nodes import NodeInfo, beat, nodes
from csu.nats_client import connect
from tests.nats_server import NatsServer, private_nats


async def _books(url: str, ttl: float) -> tuple[Client, LeaseBook, LeaseBook]:
    client = await connect(url, "test")
    kv = await buckets.bucket(client, "leases_test", ttl)
    return client, LeaseBook(kv, "w1", ttl), LeaseBook(kv, "w2", ttl)


def test_one_holder_at_a_time_until_the_lease_runs_out(nats_server: NatsServer) -> None:
    async def scenario() -> None:
        client, w1, w2 = await _books(nats_server.url, ttl=2.0)
        assert await w1.claim("camera.c1")
        assert not await w2.claim("camera.c1")
        # Renewed, the lease outlives its TTL.
        for _ in range(3):
            await asyncio.sleep(1.0)
            assert await w1.renew() == []
        assert not await w2.claim("camera.c1")
        # w1 "dies": no more renewals; after the TTL the key is free.
        started = time.monotonic()
        while not await w2.claim("camera.c1"):
            assert time.monotonic() - started < 10, "lease never expired"
            await asyncio.sleep(0.2)
        assert 1.0 <= time.monotonic() - started <= 6.0
        # w1 comes back and learns its lease is gone.
        assert await w1.renew() == ["camera.c1"]
        assert w1.held() == set()
        await client.close()

    asyncio.run(scenario())


def test_a_released_lease_is_free_at_once_and_marked_handed_over(
    nats_server: NatsServer,
) -> None:
    async def scenario() -> None:
        client, w1, w2 = await _books(nats_server.url, ttl=30.0)
        assert await w1.claim("camera.c1")
        await w1.release("camera.c1")
        raw = await buckets.entries(client.jetstream(), "leases_test")
        assert holders(raw) == {} and released(raw) == {"camera.c1"}
        assert await w2.claim("camera.c1")
        assert holders(await buckets.entries(client.jetstream(), "leases_test")) == {
            "camera.c1": "w2"
        }
        await client.close()

    asyncio.run(scenario())


def test_a_restarted_holder_takes_its_own_lease_back(nats_server: NatsServer) -> None:
    async def scenario() -> None:
        client, w1, _ = await _books(nats_server.url, ttl=30.0)
        assert await w1.claim("camera.c1")
        again = LeaseBook(w1._kv, "w1", 30.0)
        assert await again.claim("camera.c1")
        assert await again.renew() == []
        await client.close()

    asyncio.run(scenario())


def test_the_registry_forgets_a_silent_node(nats_server: NatsServer) -> None:
    async def scenario() -> None:
        client = await connect(nats_server.url, "test")
        kv = await buckets.bucket(client, buckets.NODES, 1.5)
        info = NodeInfo(name="w1", role="worker", url="http://x", last_seen=datetime.now(UTC))
        await beat(kv, info)
        assert [n.name for n in await nodes(client.jetstream())] == ["w1"]
        await kv.put("worker.bad", b"\xff not json")
        assert [n.name for n in await nodes(client.jetstream())] == ["w1"]
        await asyncio.sleep(3.0)
        assert await nodes(client.jetstream()) == []
        await client.close()

    asyncio.run(scenario())


def test_a_holder_cut_off_from_nats_counts_its_leases_lost_after_a_ttl(tmp_path: Path) -> None:
    async def scenario(server: NatsServer) -> None:
        client, w1, _ = await _books(server.url, ttl=2.0)
        assert await w1.claim("camera.c1")
        server.process.kill()  # NATS gone: renewals fail
        server.process.wait()
        await asyncio.sleep(0.5)
        assert await w1.renew() == []  # not lost yet: another cannot have taken it so soon
        await asyncio.sleep(2.0)
        assert await w1.renew() == ["camera.c1"]  # a TTL without renewal: someone else may
        assert w1.held() == set()
        with contextlib.suppress(OSError):  # the connection to the dead server is gone
            await client.close()

    with private_nats(tmp_path / "nats") as server:
        asyncio.run(scenario(server))
