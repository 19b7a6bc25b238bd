"""The cluster under test: a private NATS and Mosquitto, API nodes on one MQTT share group."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bench._cluster import Cluster, Node, cluster, private_mosquitto, private_nats
from bench.alarms.measure import CpuWatch
from bench.alarms.report import emit as emit_line
from bench.alarms.server import login, py_spy

USERNAME, PASSWORD = "bench-supervisor", "quay-lamp-river-7"
POLL_S = 0.1
T = TypeVar("T")


def emit(**fields: Any) -> None:
    """One JSON result line."""
    emit_line("cluster_alarms", **fields)


def site_yaml(broker: str, topic: str) -> str:
    """One MQTT alarm source, shared by the API nodes."""
    return (
        "site: {name: Bench Angers, timezone: Europe/Paris}\n"
        "alarm_sources:\n"
        f"  - {{id: bench, kind: mqtt, url: '{broker}', topic: '{topic}', mqtt_version: '5',"
        " share_group: csu}\n"
    )


@dataclass
class Stack:
    """The running cluster and the processes whose CPU is reported."""

    nodes: Cluster
    broker: str
    topic: str
    nats_url: str = ""
    pids: dict[str, int] = field(default_factory=dict)

    def api_nodes(self) -> list[Node]:
        """The API nodes, api1 first."""
        return list(self.nodes.nodes.values())

    def roots(self) -> dict[str, int]:
        """Each node's and service's process, by role."""
        return {n.name: n.process.pid for n in self.api_nodes()} | self.pids


def token(node: Node) -> str:
    """The supervisor's bearer token on `node`."""
    return login(node.url, USERNAME, PASSWORD)


def leader(node: Node, bearer: str) -> str | None:
    """Which node leads, as `node` says (None: it does not answer)."""
    try:
        response = httpx.get(
            f"{node.url}/api/cluster", headers={"Authorization": f"Bearer {bearer}"}, timeout=2
        )
        found: str | None = response.json()["engine"]["leader"]
        return found
    except (httpx.HTTPError, ValueError, KeyError):
        return None


def wait_for(check: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll `check` until it returns something true."""
    deadline = time.monotonic() + timeout
    while not (found := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout} s")
        time.sleep(POLL_S)
    return found


@contextlib.contextmanager
def running(folder: Path, database_url: str, count: int) -> Iterator[Stack]:
    """NATS, a broker, and `count` API nodes, api1 leading."""
    topic = f"csu-bench/{uuid.uuid4().hex[:8]}/alarms"
    with (
        private_nats(folder / "nats") as nats,
        private_mosquitto(folder / "mqtt") as broker,
        cluster(folder / "nodes", site_yaml(broker.url, topic), nats.url, database_url) as nodes,
    ):
        first = nodes.api("api1")
        bearer = token(first)
        wait_for(lambda: leader(first, bearer) == "api1", 30, "api1 leads")
        for n in range(2, count + 1):
            nodes.api(f"api{n}")
        pids = {"nats": nats.process.pid, "mosquitto": broker.process.pid}
        yield Stack(nodes, broker.url, topic, nats.url, pids)


def watch(stack: Stack, **extra: int) -> CpuWatch:
    """CPU of each node, service, load process and of PostgreSQL, and the machine's."""
    trees = stack.roots() | extra
    return CpuWatch(trees=trees, named=("postgres",), machine=True, every_s=0.25, rescan_s=0.25)


def spy(prefix: Path, node: Node, seconds: float, what: str = "") -> Any:
    """py-spy on one node, what holds the GIL by thread: collapsed stacks, <prefix>-<node>.txt."""
    out = f"{prefix}-{what}{node.name}.txt"
    return py_spy(node.process.pid, out, "--rate", "100", "--threads", "-d", str(int(seconds)))
