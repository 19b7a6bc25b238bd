"""One leader among API nodes: the first takes the lease, a standby takes over when it stops."""

from __future__ import annotations

import asyncio
import time

from csu.cluster.leadership import Leadership
from csu.cluster.runtime import ClusterNode, NodeSettings
from tests.nats_server import NatsServer


def test_a_standby_leads_once_the_leader_stops_renewing(nats_server: NatsServer) -> None:
    async def scenario() -> None:
        duties: list[str] = []
        nodes, leaders = [], []
        for name in ("api1", "api2"):
            node = ClusterNode(NodeSettings(nats_server.url, name, "api", lease_ttl_s=2.0))
            await node.start()

            async def lead(name: str = name) -> None:
                duties.append(f"{name} leads")

            async def follow(name: str = name) -> None:
                duties.append(f"{name} follows")

            leadership = Leadership(node, lead=lead, follow=follow, round_s=0.2)
            await leadership.start()
            nodes.append(node)
            leaders.append(leadership)
            await asyncio.sleep(0.5)  # api1 first
        await asyncio.sleep(1.0)
        assert duties == ["api1 leads"]
        assert [lead.leading for lead in leaders] == [True, False]
        assert (await nodes[1].view()).leader == "api1"

        # api1 freezes (no more renewals, no goodbye): api2 leads within the lease time.
        assert leaders[0]._task is not None
        leaders[0]._task.cancel()
        frozen = time.monotonic()
        while not leaders[1].leading:
            assert time.monotonic() - frozen < 10, "no takeover"
            await asyncio.sleep(0.1)
        assert time.monotonic() - frozen <= 5.0
        assert duties[-1] == "api2 leads"
        # api1 wakes up and learns it no longer leads.
        await leaders[0].round()
        assert not leaders[0].leading and duties[-1] == "api1 follows"

        # A clean stop hands the lease over at once.
        await leaders[1].stop()
        await leaders[0].round()
        assert leaders[0].leading
        for node in nodes:
            await node.stop()

    asyncio.run(scenario())
