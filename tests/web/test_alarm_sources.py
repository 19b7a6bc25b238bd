"""GET /api/alarm-sources and the feed gauges: whether the hypervisor feed is up, from the web."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from tests.conftest import require_service
from tests.web.conftest import SITE, login

RUN = uuid.uuid4().hex[:8]


@pytest.fixture
def site() -> SiteConfig:
    """The test site with an MQTT feed on the local Mosquitto and an HTTP source."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        if probe.connect_ex(("127.0.0.1", 1883)) != 0:
            require_service("Mosquitto at 127.0.0.1:1883")
    sources = (
        "alarm_sources:\n"
        f"  - {{id: hyp-{RUN}, kind: mqtt, url: 'mqtt://csu:s3cret@127.0.0.1:1883',"
        f" topic: 'csu-test/{RUN}/#'}}\n"
        "  - {id: parking, kind: http}\n"
    )
    return parse_site(SITE + sources)


def _sources(client: TestClient, headers: dict[str, str]) -> list[dict[str, object]]:
    response = client.get("/api/alarm-sources", headers=headers)
    assert response.status_code == 200, response.text
    body: list[dict[str, object]] = response.json()
    return body


def test_the_feed_s_status_reaches_the_api_and_the_gauges(client: TestClient) -> None:
    """The feed's thread connects; operators see it, and Prometheus too."""
    headers = login(client, "operator")
    deadline = time.monotonic() + 30
    while not (mqtt := _sources(client, headers)[0])["feed"]["connected"]:  # type: ignore[index]
        assert time.monotonic() < deadline, mqtt
        time.sleep(0.2)
    mqtt, http = _sources(client, headers)
    assert mqtt["id"] == f"hyp-{RUN}" and mqtt["kind"] == "mqtt" and mqtt["ack"] == "received"
    assert mqtt["url"] == "mqtt://csu:***@127.0.0.1:1883" and mqtt["topic"] == f"csu-test/{RUN}/#"
    feed = mqtt["feed"]
    assert isinstance(feed, dict) and feed["last_error"] is None and feed["connected_at"]
    assert http == {
        "id": "parking", "kind": "http", "url": None, "topic": None, "ack": "received",
        "mqtt_version": "5", "share_group": None, "feed": None,
    }  # fmt: skip
    metrics = client.get("/metrics").text
    assert f'csu_alarm_feed_up{{source="hyp-{RUN}"}} 1.0' in metrics
    assert f'csu_alarm_feed_received{{source="hyp-{RUN}"}}' in metrics


def test_only_those_who_read_alarms_see_the_sources(client: TestClient) -> None:
    assert client.get("/api/alarm-sources").status_code == 401
    officer = client.get("/api/alarm-sources", headers=login(client, "privacy_officer"))
    assert officer.status_code == 403 and "alarm-read" in officer.text
    assert len(_sources(client, login(client, "crisis"))) == 2
