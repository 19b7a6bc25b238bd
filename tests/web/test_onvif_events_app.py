"""A camera's ONVIF events in the whole app: the test camera raises motion and tamper, csu pulls
them through the real client, and they become alarms and incidents on that camera; a camera
reboot is survived; the subscription's health is in /api/alarm-sources and /metrics."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from csu.demo.dome.device import MOTION, TAMPER, OnvifDevice
from csu.demo.dome.thread import DeviceThread
from tests.web.conftest import SITE, login, services_of

CAMERA = "cam-street"


@pytest.fixture
def device() -> Iterator[DeviceThread]:
    """The test camera, served from a thread of its own (the app runs on another loop)."""
    thread = DeviceThread(OnvifDevice())
    with thread:
        yield thread


@pytest.fixture
def site(device: DeviceThread, monkeypatch: pytest.MonkeyPatch) -> SiteConfig:
    """The test site whose street camera has ONVIF settings, its password in the environment."""
    monkeypatch.setenv("CSU_TEST_ONVIF_PASSWORD", device.device.password)
    onvif = (
        f"    onvif: {{url: '{device.device.url}', username: {device.device.username},"
        " password_env: CSU_TEST_ONVIF_PASSWORD}\n"
    )
    anchor = "    name: Street\n"
    assert anchor in SITE
    return parse_site(SITE.replace(anchor, anchor + onvif))


def _until(probe: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return found


def _active(client: TestClient, headers: dict[str, str], kind: str) -> dict[str, Any] | None:
    response = client.get("/api/alarms", params={"source": CAMERA}, headers=headers)
    assert response.status_code == 200, response.text
    alarms = [item["alarm"] for item in response.json()["items"]]
    return next(
        (a for a in alarms if a["type"] == kind and a["status"] == "active" and a["incident_id"]),
        None,
    )


def _onvif_source(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    sources = client.get("/api/alarm-sources", headers=headers).json()
    return next(s for s in sources if s["kind"] == "onvif")


def test_motion_and_tamper_become_alarms_and_incidents_and_a_reboot_is_survived(
    client: TestClient, device: DeviceThread
) -> None:
    headers = login(client, "operator")
    events = services_of(client).onvif
    assert events is not None
    _until(lambda: _onvif_source(client, headers)["feed"]["connected"])
    source = _onvif_source(client, headers)
    assert source["id"] == CAMERA and source["url"] == device.device.url
    # The camera's first answer, each property's state at rest, is no alarm and opens nothing.
    _until(lambda: events.status(CAMERA) and events.status(CAMERA).received >= 2)  # type: ignore[union-attr]
    alarms = client.get("/api/alarms", params={"source": CAMERA}, headers=headers).json()
    assert alarms["total"] == 0

    started = time.monotonic()
    device.raise_event(MOTION)
    motion = _until(lambda: _active(client, headers, "video.motion"))
    latency = time.monotonic() - started
    assert motion["camera_id"] == CAMERA and motion["source"] == CAMERA
    incident = client.get(f"/api/incidents/{motion['incident_id']}", headers=headers)
    assert incident.status_code == 200 and CAMERA in incident.text

    device.reboot()  # the camera forgets its subscription: csu creates a new one
    _until(lambda: (s := events.status(CAMERA)) and s.subscriptions == 2 and s.connected)
    device.raise_event(TAMPER)
    tamper = _until(lambda: _active(client, headers, "video.tamper"))
    assert tamper["camera_id"] == CAMERA and tamper["severity"] == "high"

    metrics = client.get("/metrics").text
    assert f'csu_onvif_events_up{{camera="{CAMERA}"}} 1.0' in metrics
    assert f'csu_onvif_subscriptions{{camera="{CAMERA}"}} 2.0' in metrics
    print(f"ONVIF motion to a listed alarm with its incident: {latency * 1000:.0f} ms")
