"""csu nodes as real processes on one machine: a private NATS server, a private Mosquitto, API
nodes and workers.

One harness for the cluster tests (tests/cluster, tests/nats_server.py) and the cluster benchmarks;
the leading underscore keeps `python -m bench` from running it as a benchmark.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CSU = str(Path(sys.executable).with_name("csu"))


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- a private NATS server ----------------------------------------------------------------------


@dataclass(frozen=True)
class NatsServer:
    """A running private NATS server with JetStream; `url` is what clients connect to."""

    url: str
    port: int
    store: Path
    process: subprocess.Popen[bytes]


def nats_binary() -> str | None:
    """Where `nats-server` is (Debian puts it in /usr/sbin, often off a user's PATH), or None."""
    binary = shutil.which("nats-server") or "/usr/sbin/nats-server"
    return binary if Path(binary).exists() else None


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait until something listens on the loopback `port`; fail if `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{process.args!r} did not listen on {port} within {timeout} s")


def stop(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL if it has not exited within `timeout`."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def private_nats(folder: Path, port: int | None = None) -> Iterator[NatsServer]:
    """Start `nats-server -js` on loopback with its store in `folder`; stop it afterwards.

    Give `port` to restart a server on the port (and store) an earlier one used.
    """
    binary = nats_binary()
    if binary is None:
        raise FileNotFoundError("nats-server (Debian package nats-server) is not installed")
    port = port or free_port()
    store = folder / "jetstream"
    store.mkdir(parents=True, exist_ok=True)
    log = (folder / f"nats-{port}.log").open("ab")
    process = subprocess.Popen(
        [binary, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(store)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_listening(port, process, timeout=15.0)
        yield NatsServer(f"nats://127.0.0.1:{port}", port, store, process)
    finally:
        stop(process)
        log.close()


# --- a private Mosquitto ------------------------------------------------------------------------


@dataclass(frozen=True)
class Mosquitto:
    """A running private Mosquitto; `url` is what clients connect to."""

    url: str
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def private_mosquitto(folder: Path) -> Iterator[Mosquitto]:
    """Start Mosquitto on loopback with no limit on queued or in-flight messages (csu's docs ask
    for it with `ack: stored`; Mosquitto's default, 1,000 queued, drops the rest of an absent
    subscriber's share, acknowledged to the publisher already); stop it afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = folder / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\nmax_inflight_messages 0\n"
    )
    with (folder / "mosquitto.log").open("ab") as log:
        process = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=log, stderr=log)
    try:
        wait_listening(port, process, timeout=10.0)
        yield Mosquitto(f"mqtt://127.0.0.1:{port}", port, process)
    finally:
        stop(process)


# --- csu nodes ----------------------------------------------------------------------------------


@dataclass
class Node:
    """A running csu process and where it answers."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def kill(self) -> None:
        """kill -9: no goodbye, no lease released."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A clean stop (SIGTERM), killed if it hangs."""
        stop(self.process, timeout=20)

    def tail(self) -> str:
        """The end of the node's log, for a failing assertion's message."""
        return self.log.read_text(errors="replace")[-4000:]


@dataclass
class Cluster:
    """Nodes sharing one NATS server, one PostgreSQL schema and one site file."""

    folder: Path
    site_file: Path
    nats_url: str
    database_url: str
    nodes: dict[str, Node] = field(default_factory=dict)

    def env(self, name: str) -> dict[str, str]:
        """The environment of one node: shared services, its own data folder."""
        return os.environ | {
            "CSU_NATS_URL": self.nats_url,
            "CSU_DATABASE_URL": self.database_url,
            "CSU_DATA_DIR": str(self.folder / name),
            "CSU_NODE_NAME": name,
            # One access-log key for the whole cluster: whichever node leads signs checkpoints.
            "CSU_ACCESS_LOG_SIGNING_KEY": str(self.folder / "keys" / "access-log-ed25519.pem"),
            "CSU_LOG_LEVEL": "INFO",
        }

    def worker(self, name: str) -> Node:
        """Start `csu worker` named `name` and wait until it answers."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        args = ["worker", "--config", str(self.site_file), "--name", name, "--advertise", url]
        return self._start(name, url, [*args, "--port", str(port)])

    def api(self, name: str) -> Node:
        """Start `csu serve` as an API node named `name` and wait until it answers."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        return self._start(
            name, url, ["serve", "--config", str(self.site_file), "--port", str(port)]
        )

    def _start(self, name: str, url: str, args: list[str]) -> Node:
        log = self.folder / f"{name}.log"
        out = log.open("ab")
        env = self.env(name)
        if args[0] == "serve":
            env["CSU_PUBLIC_URL"] = url
        process = subprocess.Popen([CSU, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
        out.close()
        node = Node(name, url, process, log)
        self.nodes[name] = node
        wait_healthy(node)
        return node

    def stop(self) -> None:
        """Stop every node still running."""
        for node in self.nodes.values():
            node.stop()


def wait_healthy(node: Node, timeout: float = 90.0) -> None:
    """Wait until the node's /healthz answers 200 (start-up migrates, opens models...)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            raise AssertionError(
                f"{node.name} exited with {node.process.returncode}:\n{node.tail()}"
            )
        try:
            if httpx.get(f"{node.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{node.name} never became healthy:\n{node.tail()}")


@contextmanager
def cluster(folder: Path, site_text: str, nats_url: str, database_url: str) -> Iterator[Cluster]:
    """A cluster's shared parts; every node started in it is stopped afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    site_file = folder / "site.yaml"
    site_file.write_text(site_text)
    running = Cluster(folder, site_file, nats_url, database_url)
    try:
        yield running
    finally:
        running.stop()
