"""A camera's ONVIF events in a cluster: the worker that owns the camera pulls them into the
alarm stream, and the leading API node's engine makes them alarms and incidents; the API node
shows the subscription's status as the worker reports it."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from csu.demo.dome.device import MOTION, OnvifDevice
from csu.demo.dome.thread import DeviceThread
from tests.cluster.processes import Cluster, cluster
from tests.conftest import empty_database
from tests.nats_server import NatsServer
from tests.web.conftest import PASSWORD, seed_accounts

pytestmark = pytest.mark.slow


@pytest.fixture
def device() -> Iterator[DeviceThread]:
    """The test camera, served from a thread of the test process."""
    thread = DeviceThread(OnvifDevice())
    with thread:
        yield thread


@pytest.fixture
def running(
    tmp_path: Path, nats_server: NatsServer, device: DeviceThread, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cluster]:
    """One worker and one API node; the camera's ONVIF password in their environment."""
    monkeypatch.setenv("CSU_TEST_ONVIF_PASSWORD", device.device.password)
    site = textwrap.dedent(
        f"""
        site: {{name: Testville, timezone: Europe/Paris}}
        cameras:
          - id: cam-dome
            name: Dome
            source: demo://street
            fps: 10
            recording: {{mode: "off"}}
            onvif: {{url: "{device.device.url}", username: csu,
                     password_env: CSU_TEST_ONVIF_PASSWORD}}
        """
    )
    with empty_database("postgres", tmp_path) as url:
        seed_accounts(url)
        with cluster(tmp_path, site, nats_server.url, url) as nodes:
            nodes.worker("w1")
            nodes.api("api1")
            yield nodes


def _onvif_source(api: str, auth: dict[str, str]) -> dict[str, Any]:
    sources = httpx.get(f"{api}/api/alarm-sources", headers=auth).json()
    source: dict[str, Any] = next(s for s in sources if s["kind"] == "onvif")
    return source


def _motion(api: str, auth: dict[str, str]) -> dict[str, Any] | None:
    response = httpx.get(f"{api}/api/alarms", params={"source": "cam-dome"}, headers=auth)
    assert response.status_code == 200, response.text
    alarms = [item["alarm"] for item in response.json()["items"]]
    return next(
        (
            a
            for a in alarms
            if a["type"] == "video.motion" and a["status"] == "active" and a["incident_id"]
        ),
        None,
    )


def test_the_owning_worker_pulls_the_camera_s_events_into_the_cluster(
    running: Cluster, device: DeviceThread
) -> None:
    api = running.nodes["api1"].url
    login = {"username": "operator", "password": PASSWORD}
    token = httpx.post(f"{api}/api/auth/login", json=login, timeout=20).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 60
    while "PullMessages" not in device.device.requests:  # the worker took the camera
        assert time.monotonic() < deadline, device.device.requests
        time.sleep(0.2)
    while not _onvif_source(api, auth)["feed"]["connected"]:  # as the worker reports it
        assert time.monotonic() < deadline, _onvif_source(api, auth)
        time.sleep(0.2)
    device.raise_event(MOTION)
    while not (alarm := _motion(api, auth)):
        assert time.monotonic() < deadline, "no motion alarm from the worker"
        time.sleep(0.2)
    assert alarm["camera_id"] == "cam-dome"
