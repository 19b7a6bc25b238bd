"""What follows an administrator's camera change at once, without a restart: account grants
(an added camera is granted at once, a retired one no more) and incident coverage (an added
camera covers alarms at its place, a retired one no longer does)."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from tests.web.conftest import login, services_of
from tests.web.test_admin_cameras_api import NORTH, URL
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_users_api import grants

# Far from the test site's two cameras (about 1.5 km): only this camera can see its place.
EAST = {
    "id": "cam-east",
    "name": "East square",
    "source": "demo://plaza",
    "location": {"lat": 47.49, "lon": -0.57},
    "view": {"bearing_deg": 0, "fov_deg": 360, "range_m": 40},
    "recording": {"mode": "off"},
}
NEAR_EAST = {"type": "Point", "coordinates": [-0.57, 47.4902]}  # about 22 m north of it


def covered_by(client: TestClient, camera_id: str, present: bool) -> None:
    """Wait until the incident engine's coverage has (or has not) the camera."""
    deadline = time.monotonic() + 10
    while (camera_id in services_of(client).incidents.engine.correlator.cameras) != present:
        assert time.monotonic() < deadline, f"coverage never {'had' if present else 'lost'} it"
        time.sleep(0.05)


def incident_cameras(client: TestClient, headers: dict[str, str], alarm: dict[str, Any]) -> Any:
    answer = client.post("/api/alarms", json=alarm, headers=headers)
    assert answer.status_code == 201, answer.text
    incident_id = answer.json()["alarms"][0]["incident_id"]
    return client.get(f"/api/incidents/{incident_id}", headers=headers).json()["cameras"]


def test_an_added_camera_is_granted_at_once_and_a_retired_one_no_more(
    client: TestClient,
) -> None:
    admin = login(client, "admin")
    added = client.post(URL, headers=admin, json={"camera": NORTH, "reason": "new gate"})
    assert added.status_code == 201, added.text
    # At once: no restart, no wait for the cameras to start.
    answer = client.put(
        "/api/users/street-only/grants", json=grants("cam-street", "cam-north"), headers=admin
    )
    assert answer.status_code == 200, answer.text
    assert {g["camera_id"] for g in answer.json()["grants"]} == {"cam-street", "cam-north"}
    street = login(client, "street-only")
    deadline = time.monotonic() + 20
    while "cam-north" not in {c["id"] for c in client.get("/api/cameras", headers=street).json()}:
        assert time.monotonic() < deadline
        time.sleep(0.2)

    retired = client.post(f"{URL}/cam-north/retire", headers=admin, json={"reason": "removed"})
    assert retired.status_code == 200, retired.text
    refused = client.put("/api/users/operator/grants", json=grants("cam-north"), headers=admin)
    assert refused.status_code == 422 and "unknown camera 'cam-north'" in refused.text
    refused = client.post(
        "/api/users",
        headers=admin,
        json={
            "username": "north.watch",
            "password": "a-long-password-7",
            "role": "operator",
            "cameras": ["cam-north"],
        },
    )
    assert refused.status_code == 422 and "unknown camera 'cam-north'" in refused.text
    # A grant already held may stay: the retired camera's recordings are kept to retention.
    kept = client.put(
        "/api/users/street-only/grants", json=grants("cam-street", "cam-north"), headers=admin
    )
    assert kept.status_code == 200, kept.text


def test_an_added_camera_covers_alarms_at_its_place_and_a_retired_one_no_more(
    client: TestClient,
) -> None:
    admin, operator = login(client, "admin"), login(client, "operator")
    before = csu_alarm("EAST-1", type="traffic.jam", location=NEAR_EAST)
    assert incident_cameras(client, operator, before) == []

    added = client.post(URL, headers=admin, json={"camera": EAST, "reason": "new square"})
    assert added.status_code == 201, added.text
    covered_by(client, "cam-east", True)
    alarm = csu_alarm("EAST-2", location=NEAR_EAST)
    assert incident_cameras(client, operator, alarm) == ["cam-east"]

    retired = client.post(f"{URL}/cam-east/retire", headers=admin, json={"reason": "removed"})
    assert retired.status_code == 200, retired.text
    covered_by(client, "cam-east", False)
    after = csu_alarm("EAST-3", type="water.flood_sensor", location=NEAR_EAST)
    assert incident_cameras(client, operator, after) == []


def pushed_until(client: TestClient, headers: dict[str, str], camera_id: str, status: int) -> Any:
    """Lay the wall out on the camera until the answer has the status (the change travels by
    the bus)."""
    tile = {"x": 0, "y": 0, "w": 2, "h": 2, "kind": "camera", "camera_id": camera_id}
    deadline = time.monotonic() + 10
    while True:
        answer = client.put(
            "/api/walls/csu-main/layout",
            json={"tiles": [{**tile, "pinned": True}]},
            headers=headers,
        )
        if answer.status_code == status or time.monotonic() > deadline:
            assert answer.status_code == status, answer.text
            return answer.json()
        time.sleep(0.1)


def test_walls_show_an_added_camera_and_refuse_a_retired_one(client: TestClient) -> None:
    admin, operator = login(client, "admin"), login(client, "operator")
    added = client.post(URL, headers=admin, json={"camera": NORTH, "reason": "new gate"})
    assert added.status_code == 201, added.text
    shown = pushed_until(client, operator, "cam-north", 200)
    assert "cam-north" in [t.get("camera_id") for t in shown["layout"]["tiles"]], shown

    retired = client.post(f"{URL}/cam-north/retire", headers=admin, json={"reason": "removed"})
    assert retired.status_code == 200, retired.text
    refused = pushed_until(client, operator, "cam-north", 422)
    assert "unknown camera 'cam-north'" in str(refused)
