"""`csu cluster status`: the cluster read from NATS, one line per node and per camera."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from csu.cli import main
from csu.cluster.leases import LeaseBook
from csu.cluster.runtime import LEADER_KEY, ClusterNode, NodeSettings, camera_key
from tests.nats_server import NatsServer

CSU = str(Path(sys.executable).with_name("csu"))


def test_status_prints_nodes_owners_and_leader(
    nats_server: NatsServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CSU_NATS_URL", nats_server.url)

    async def scenario() -> int:
        worker = ClusterNode(NodeSettings(nats_server.url, "w1", "worker", url="http://w1:8100"))
        api = ClusterNode(NodeSettings(nats_server.url, "api1", "api", url="http://api1:8000"))
        for node in (worker, api):
            await node.start()
        await LeaseBook(worker.leases, "w1", 5.0).claim(camera_key("cam-street"))
        await LeaseBook(api.leases, "api1", 5.0).claim(LEADER_KEY)
        # A stream of csu's with a consumer three messages behind.
        js = api.client.jetstream()
        await js.add_stream(name="CSU_TEST", subjects=["csu.test.>"])
        await js.add_consumer("CSU_TEST", durable_name="lagger")
        for n in range(3):
            await js.publish("csu.test.x", str(n).encode())
        try:
            # The command runs its own event loop: in a thread of its own, as from a shell.
            return await asyncio.to_thread(main, ["cluster", "status"])
        finally:
            for node in (worker, api):
                await node.stop()

    assert asyncio.run(scenario()) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "nœuds :"
    assert any(line.split()[:3] == ["api", "api1", "http://api1:8000"] for line in out)
    assert any(line.split()[:3] == ["worker", "w1", "http://w1:8100"] for line in out)
    assert any(line.split()[:2] == ["cam-street", "w1"] for line in out)
    assert any(line.split() == ["CSU_TEST", "lagger", "3", "en", "attente"] for line in out)
    assert out[-1] == "meneur du moteur : api1"


def test_status_without_a_cluster_is_a_usage_error(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "CSU_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [CSU, "cluster", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "CSU_NATS_URL n'est pas définie : ce n'est pas une grappe"


def test_status_of_an_unreachable_server_says_so(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "CSU_NATS_URL": "nats://127.0.0.1:9", "CSU_DATA_DIR": "x"}
    done = subprocess.run(
        [CSU, "cluster", "status"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.startswith("impossible de lire la grappe sur nats://127.0.0.1:9")


SITE = "site: {name: Testville, timezone: Europe/Paris}\ncameras: []\n"


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (
            ["worker", "--name", "w1", "--advertise", "http://w1:8100"],
            {},
            ["CSU_NATS_URL is not set: a cluster node needs the cluster's NATS server"],
        ),
        (
            ["worker", "--name", "W 1", "--advertise", "w1:8100"],
            {"CSU_NATS_URL": "nats://127.0.0.1:4222"},
            [
                "cluster mode needs PostgreSQL: set CSU_DATABASE_URL=postgresql+psycopg://..."
                " (every node shares it; SQLite is for the single process)",
                "--name 'W 1' : donnez un identifiant en minuscules (a-z, 0-9, - et _)",
                "--advertise 'w1:8100' : donnez l'adresse http(s)://hôte:port qu'utilisent les"
                " navigateurs",
            ],
        ),
        (
            ["serve"],
            {"CSU_NATS_URL": "nats://127.0.0.1:4222"},
            [
                "cluster mode needs PostgreSQL: set CSU_DATABASE_URL=postgresql+psycopg://..."
                " (every node shares it; SQLite is for the single process)"
            ],
        ),
    ],
)
def test_a_node_without_what_a_cluster_needs_says_so_in_one_line_each(
    tmp_path: Path, args: list[str], env: dict[str, str], expected: list[str]
) -> None:
    site = tmp_path / "site.yaml"
    site.write_text(SITE)
    command = [CSU, args[0], "--config", str(site), *args[1:]]
    base = {"PATH": "/usr/bin:/bin", "CSU_DATA_DIR": str(tmp_path / "var")}
    done = subprocess.run(command, env=base | env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == expected
