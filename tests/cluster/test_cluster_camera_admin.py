"""A camera added on a cluster's API node is taken by a worker in the next ownership round and
served masked; retired, its worker gives it up and nobody takes it."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cluster.processes import Cluster, cluster
from tests.cluster.test_cluster_video import _login, _owners, _wait_for
from tests.conftest import empty_database
from tests.nats_server import NatsServer
from tests.web.conftest import seed_accounts

pytestmark = pytest.mark.slow

SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - {id: cam-street, name: Street, source: "demo://street", fps: 10, recording: {mode: "off"}}
    """
)
NORTH = {
    "id": "cam-north",
    "name": "North",
    "source": "demo://plaza",
    "fps": 10,
    "privacy_zones": [[[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]]],
    "recording": {"mode": "off"},
}


@pytest.fixture
def running(tmp_path: Path, nats_server: NatsServer) -> Iterator[Cluster]:
    """One worker and one API node."""
    with empty_database("postgres", tmp_path) as url:
        seed_accounts(url)
        with cluster(tmp_path, SITE, nats_server.url, url) as nodes:
            nodes.worker("w1")
            nodes.api("api1")
            yield nodes


def _status(api: str, auth: dict[str, str], camera: str) -> str | None:
    cameras = httpx.get(f"{api}/api/cameras", headers=auth, timeout=20).json()
    return next((c["status"] for c in cameras if c["id"] == camera), None)


def test_an_added_camera_is_taken_by_a_worker_and_a_retired_one_given_up(
    running: Cluster,
) -> None:
    api = running.nodes["api1"].url
    admin = _login(api, "admin")
    _wait_for(lambda: _owners(api, admin).get("cam-street") == "w1", 30, "cam-street served")
    answer = httpx.post(
        f"{api}/api/admin/cameras",
        headers=admin,
        json={"camera": NORTH, "reason": "new gate"},
        timeout=20,
    )
    assert answer.status_code == 201, answer.text
    _wait_for(lambda: _owners(api, admin).get("cam-north") == "w1", 30, "cam-north taken")
    _wait_for(lambda: _status(api, admin, "cam-north") == "online", 30, "cam-north online")

    answer = httpx.post(
        f"{api}/api/admin/cameras/cam-north/retire",
        headers=admin,
        json={"reason": "pole removed"},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    _wait_for(lambda: "cam-north" not in _owners(api, admin), 30, "cam-north given up")
    assert _status(api, admin, "cam-north") is None
    assert _owners(api, admin)["cam-street"] == "w1"
