"""On a cluster, a dome an administrator adds on the API node is moved through it and its events
pulled by the worker that takes it, without a restart; retired, its PTZ is refused on the API
node and the worker closes its subscription."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.thread import DeviceThread
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
PTZ = "/api/cameras/cam-dome/ptz"


@pytest.fixture
def dome() -> Iterator[DeviceThread]:
    """The test dome, served from a thread of this process (the nodes reach it over TCP)."""
    thread = DeviceThread(OnvifDevice())
    with thread:
        yield thread


@pytest.fixture
def running(tmp_path: Path, nats_server: NatsServer) -> Iterator[Cluster]:
    """One worker and one API node."""
    with empty_database("postgres", tmp_path) as url:
        seed_accounts(url)
        with cluster(tmp_path, SITE, nats_server.url, url) as nodes:
            nodes.worker("w1")
            nodes.api("api1")
            yield nodes


def test_an_added_dome_is_moved_and_subscribed_on_its_worker_until_retired(
    running: Cluster, dome: DeviceThread
) -> None:
    api = running.nodes["api1"].url
    admin, operator = _login(api, "admin"), _login(api, "operator")
    device = dome.device
    camera = {
        "id": "cam-dome",
        "name": "Dome",
        "source": "demo://street",
        "fps": 10,
        "recording": {"mode": "off"},
        "onvif": {"url": device.url, "username": device.username, "password": device.password},
    }
    answer = httpx.post(
        f"{api}/api/admin/cameras",
        headers=admin,
        json={"camera": camera, "reason": "new dome"},
        timeout=20,
    )
    assert answer.status_code == 201, answer.text
    _wait_for(lambda: _owners(api, admin).get("cam-dome") == "w1", 30, "cam-dome taken")
    _wait_for(lambda: bool(device.subscriptions), 30, "the worker subscribed")

    def moved() -> bool:
        body = {"action": "move", "pan": 0.5}
        answer = httpx.post(f"{api}{PTZ}", headers=operator, json=body, timeout=20)
        return answer.status_code == 200

    _wait_for(moved, 30, "moved through the API node")
    _wait_for(lambda: device.head is not None and bool(device.head.moves), 30, "the dome moved")

    answer = httpx.post(
        f"{api}/api/admin/cameras/cam-dome/retire",
        headers=admin,
        json={"reason": "pole removed"},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    _wait_for(lambda: not device.subscriptions, 30, "the worker unsubscribed")

    def refused() -> bool:
        body = {"action": "move", "pan": -0.5}
        answer = httpx.post(f"{api}{PTZ}", headers=operator, json=body, timeout=20)
        return answer.status_code == 404

    _wait_for(refused, 30, "PTZ refused on the API node")
    assert "cam-dome" not in _owners(api, admin)
