"""GET /api/incidents/search: open and closed incidents by time, place, type or service,
camera, status and text, within the reader's cameras; bad criteria refused by name."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import login
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_camera_scope import NEAR_PLAZA, NO_CAMERA, incident_of


def found(client: TestClient, headers: dict[str, str], **params: Any) -> list[int]:
    """The ids a search returns, newest first."""
    answer = client.get("/api/incidents/search", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [i["id"] for i in answer.json()["items"]]


def test_closed_incidents_are_found_by_text_type_place_camera_and_time(client: TestClient) -> None:
    operator = login(client, "operator")
    lamp = incident_of(
        client,
        operator,
        csu_alarm("S-1", type="lighting.lamp_off", description="Lampe 4411-07 éteinte"),
    )
    water = incident_of(
        client, operator, csu_alarm("S-2", type="water.main_burst", location=NEAR_PLAZA)
    )
    far = incident_of(
        client, operator, csu_alarm("S-3", type="lighting.feeder_down", location=NO_CAMERA)
    )
    note = {"action": "note", "text": "Patrouille 12 sur place, 100% des lampes rallumées"}
    assert (
        client.post(f"/api/incidents/{water}/actions", json=note, headers=operator).status_code
        == 200
    )
    for status in ("resolved", "closed"):
        change = {"action": "status", "status": status}
        answer = client.post(f"/api/incidents/{lamp}/actions", json=change, headers=operator)
        assert answer.status_code == 200, answer.text

    assert found(client, operator, closed=True) == [lamp]
    assert set(found(client, operator, closed=False)) >= {water, far}
    assert found(client, operator, text="4411-07") == [lamp]
    assert found(client, operator, text="patrouille 12") == [water]  # what a person wrote
    assert found(client, operator, text="100%") == [water]  # % is a character, not a wildcard
    assert found(client, operator, text="_") == []
    assert found(client, operator, type="water.main_burst") == [water]
    assert set(found(client, operator, domain="lighting")) == {lamp, far}
    assert found(client, operator, camera="cam-plaza") == [water]
    lon, lat = NO_CAMERA["coordinates"]
    assert found(client, operator, lat=lat, lon=lon, radius_m=200) == [far]
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert found(client, operator, since=later) == []
    assert set(found(client, operator, until=later)) >= {lamp, water, far}

    first = client.get("/api/incidents/search", params={"limit": 2}, headers=operator).json()
    assert len(first["items"]) == 2 and first["next_before_id"] == first["items"][-1]["id"]
    rest = found(client, operator, before_id=first["next_before_id"])
    assert not set(rest) & {i["id"] for i in first["items"]}


def test_a_reader_finds_only_incidents_of_their_cameras(client: TestClient) -> None:
    operator, street = login(client, "operator"), login(client, "street-only")
    plaza = incident_of(client, operator, csu_alarm("S-P", location=NEAR_PLAZA))
    assert plaza in found(client, operator, camera="cam-plaza")
    assert plaza not in found(client, street)
    assert found(client, street, camera="cam-plaza") == []


def test_bad_criteria_are_refused_by_name(client: TestClient) -> None:
    operator = login(client, "operator")
    cases = {
        "domain": {"domain": "astrology"},
        "lat": {"lat": 47.4, "lon": -0.55},
        "radius_m": {"lat": 47.4, "lon": -0.55, "radius_m": -1},
        "since": {"since": "2026-12-07T10:00:00"},
        "limit": {"limit": 100000},
        "unknown": {"colour": "red"},
        "before_id": {"before_id": 2**64},
    }
    for name, params in cases.items():
        answer = client.get("/api/incidents/search", params=params, headers=operator)
        assert answer.status_code == 422, (name, answer.text)
    assert (
        client.get(
            "/api/incidents/search", params={"text": "a" * 201}, headers=operator
        ).status_code
        == 422
    )
    client.cookies.clear()  # signing in above left a session cookie
    assert client.get("/api/incidents/search").status_code == 401
