"""Analytics events reach operators as alarms; their confirm/dismiss is logged and counted."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.video.conftest import wait_for
from tests.web.conftest import login, services_of
from video.analytics.events import VideoAnalyticsEvent

ZONE_TYPE = "video.analytics.zone_intrusion"


def raise_event(client: TestClient, kind: str = "zone_intrusion") -> None:
    """Publish an analytics event as a camera's analysis thread would."""
    event = VideoAnalyticsEvent(
        event_id=uuid.uuid4().hex,
        camera_id="cam-plaza",
        kind=kind,  # type: ignore[arg-type]
        rule="fountain",
        occurred_at=datetime.now(UTC),
        box=(0.4, 0.5, 0.45, 0.7),
        track="o0-3",
        snapshot="analytics/cam-plaza/2026-11-25/x.jpg",
        details={"frames": 2},
    )
    services_of(client).bus.publish_threadsafe(event)


def alarms_of(client: TestClient, headers: dict[str, str], alarm_type: str) -> list[Any]:
    """The stored alarms of one type."""
    response = client.get("/api/alarms", params={"type": alarm_type}, headers=headers)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def test_operator_confirms_and_dismisses_analytics_alerts(client: TestClient) -> None:
    headers = login(client, "operator")
    raise_event(client)
    assert wait_for(lambda: len(alarms_of(client, headers, ZONE_TYPE)) == 1, timeout=10)
    stored = alarms_of(client, headers, ZONE_TYPE)[0]
    assert stored["data"]["box"] == [0.4, 0.5, 0.45, 0.7]
    assert stored["data"]["snapshot"].endswith(".jpg") and stored["data"]["track"] == "o0-3"
    assert "à confirmer" in stored["alarm"]["description"]  # the site speaks French
    incident_id = stored["alarm"]["incident_id"]

    url = f"/api/incidents/{incident_id}/actions"
    body = {"action": "confirm", "text": "someone at the fountain"}
    response = client.post(url, json=body, headers=headers)
    assert response.status_code == 200, response.text
    detail = client.get(f"/api/incidents/{incident_id}", headers=headers).json()
    decision = [e for e in detail["timeline"] if e["kind"] == "analytics_decision"]
    assert len(decision) == 1 and decision[0]["author"] == "operator"
    assert decision[0]["data"]["decision"] == "confirmed"

    raise_event(client, "person_down")
    down = "video.analytics.person_down"
    assert wait_for(lambda: len(alarms_of(client, headers, down)) == 1, timeout=10)
    other = alarms_of(client, headers, down)[0]["alarm"]
    response = client.post(
        f"/api/incidents/{other['incident_id']}/actions",
        json={"action": "dismiss", "alarm_id": other["id"]},
        headers=headers,
    )
    assert response.status_code == 200, response.text

    stats = client.get("/api/analytics/stats", headers=headers)
    assert stats.status_code == 200, stats.text
    rules = stats.json()["rules"]
    assert rules[ZONE_TYPE] == {"raised": 1, "confirmed": 1, "dismissed": 0}
    assert rules[down] == {"raised": 1, "confirmed": 0, "dismissed": 1}
    assert stats.json()["cameras"] == []  # no camera of this site is authorised


def test_deciding_needs_an_analytics_alarm(client: TestClient) -> None:
    headers = login(client, "operator")
    alarm = {
        "source": "hypervisor",
        "external_id": "LUM-1",
        "type": "lighting.feeder_down",
        "occurred_at": datetime.now(UTC).isoformat(),
        "location": {"type": "Point", "coordinates": [-0.55, 47.47]},
    }
    created = client.post("/api/alarms", json=alarm, headers=login(client, "admin"))
    assert created.status_code in (200, 201, 202), created.text
    incident_id = alarms_of(client, headers, "lighting.feeder_down")[0]["alarm"]["incident_id"]
    response = client.post(
        f"/api/incidents/{incident_id}/actions", json={"action": "confirm"}, headers=headers
    )
    assert response.status_code == 409
    assert "no video analytics alarm" in response.json()["detail"]
