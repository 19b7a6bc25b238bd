"""Administrators add, edit and retire cameras over HTTP: refusals name the problem, every change
is in the access log with its reason, and the running cameras follow."""

from __future__ import annotations

import time
from typing import Any

import cv2
import numpy as np
from fastapi.testclient import TestClient
from sqlmodel import select

from privacy.access_log import AccessLogEntry
from privacy.masking import MASK_COLOUR
from tests.web.conftest import login, services_of

URL = "/api/admin/cameras"
ZONE = [[0.5, 0.5], [0.9, 0.5], [0.9, 0.9], [0.5, 0.9]]
NORTH = {
    "id": "cam-north",
    "name": "North gate",
    "source": "demo://plaza",
    "location": {"lat": 47.475, "lon": -0.555},
    "retention_days": 7,
    "privacy_zones": [ZONE],
    "recording": {"mode": "off"},
}


def wait_for(
    client: TestClient, headers: dict[str, str], camera_id: str, status: str
) -> dict[str, Any]:
    """The camera as GET /api/cameras lists it once it has the status."""
    deadline = time.monotonic() + 20
    while True:
        found = {c["id"]: c for c in client.get("/api/cameras", headers=headers).json()}
        camera = found.get(camera_id)
        state = camera["status"] if camera else None
        if state == status or time.monotonic() > deadline:
            assert state == status, found
            return camera or {}
        time.sleep(0.2)


def logged(client: TestClient, action: str) -> list[AccessLogEntry]:
    with services_of(client).db.session() as session:
        return list(session.exec(select(AccessLogEntry).where(AccessLogEntry.action == action)))


def zone_masked(image: np.ndarray[Any, Any], inset: int = 6) -> bool:
    h, w = image.shape[:2]
    region = image[
        int(0.5 * h) + inset : int(0.9 * h) - inset, int(0.5 * w) + inset : int(0.9 * w) - inset
    ]
    return bool(np.all(np.abs(region.astype(int) - np.array(MASK_COLOUR)) <= 10))


def test_an_added_camera_comes_online_masked_and_its_edit_and_retirement_follow(
    client: TestClient,
) -> None:
    admin = login(client, "admin")
    answer = client.post(URL, headers=admin, json={"camera": NORTH, "reason": "new gate camera"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["origin"] == "added"
    wait_for(client, admin, "cam-north", "online")
    deadline = time.monotonic() + 10
    while (
        shot := client.get("/api/cameras/cam-north/snapshot.jpg", headers=admin)
    ).status_code != 200:
        assert time.monotonic() < deadline, shot.text
        time.sleep(0.2)
    image = cv2.imdecode(np.frombuffer(shot.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and zone_masked(image)
    (entry,) = logged(client, "admin.camera_added")
    assert (entry.user, entry.camera_id, entry.reason) == ("admin", "cam-north", "new gate camera")

    edited = {**NORTH, "name": "North gate (east)", "fps": 10}
    answer = client.put(
        f"{URL}/cam-north", headers=admin, json={"camera": edited, "reason": "renamed"}
    )
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 10  # the edit is applied when the bus delivers it
    while wait_for(client, admin, "cam-north", "online")["name"] != "North gate (east)":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert len(logged(client, "admin.camera_edited")) == 1

    answer = client.post(f"{URL}/cam-north/retire", headers=admin, json={"reason": "pole removed"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["origin"] == "retired" and not answer.json()["in_force"]
    # The retirement is applied when the bus delivers it: the pipeline stops, then the camera
    # leaves the list (a moment later, once its stop has been awaited).
    deadline = time.monotonic() + 10
    while "cam-north" in services_of(client).cameras.running() or any(
        c["id"] == "cam-north" for c in client.get("/api/cameras", headers=admin).json()
    ):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    (retired,) = logged(client, "admin.camera_retired")
    assert retired.reason == "pole removed"


def test_refusals_name_the_problem(client: TestClient) -> None:
    admin = login(client, "admin")
    cases = [
        (
            {"camera": {**NORTH, "source": "rtsp//10.0.0.1/s"}, "reason": "x"},
            422,
            "source: invalid",
        ),
        ({"camera": {**NORTH, "retention_days": 45}, "reason": "x"}, 422, "retention_days: must"),
        ({"camera": {**NORTH, "id": "Cam North"}, "reason": "x"}, 422, "id: must be 1 to 64"),
        ({"camera": {**NORTH, "lens": "wide"}, "reason": "x"}, 422, "unknown key 'lens'"),
        ({"camera": NORTH, "reason": "  "}, 422, "reason: required"),
        ({"camera": {**NORTH, "id": "cam-street"}, "reason": "x"}, 409, "exists already"),
    ]
    for body, status, words in cases:
        answer = client.post(URL, headers=admin, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert words in answer.json()["detail"], answer.text
    assert logged(client, "admin.camera_added") == []  # nothing refused was logged as done

    street = {"id": "cam-street", "name": "Street", "source": "demo://street", "privacy_zones": []}
    answer = client.put(f"{URL}/cam-street", headers=admin, json={"camera": street, "reason": "x"})
    assert answer.status_code == 422 and "privacy-zone editor" in answer.json()["detail"]
    answer = client.post(f"{URL}/cam-gone/retire", headers=admin, json={"reason": "x"})
    assert answer.status_code == 404 and "cam-gone" in answer.json()["detail"]
    operator = login(client, "operator")
    answer = client.post(URL, headers=operator, json={"camera": NORTH, "reason": "x"})
    assert answer.status_code == 403 and "camera-administration" in answer.json()["detail"]


def test_an_edit_of_a_seeded_camera_keeps_its_hidden_password_and_is_explained(
    client: TestClient,
) -> None:
    admin = login(client, "admin")
    registry = {e["id"]: e for e in client.get(f"{URL}/registry", headers=admin).json()}
    assert registry["cam-plaza"]["origin"] == "site"
    plaza = registry["cam-plaza"]["settings"]
    answer = client.put(
        f"{URL}/cam-plaza",
        headers=admin,
        json={"camera": {**plaza, "name": "Plaza (north side)"}, "reason": "signage"},
    )
    assert answer.status_code == 200, answer.text
    entry = answer.json()
    assert entry["origin"] == "edited" and "la modification l'emporte" in entry["explanation"]
    assert entry["settings"]["source"] == "demo://plaza"
    answer = client.post(f"{URL}/cam-plaza/retire", headers=admin, json={"reason": "moved"})
    assert answer.json()["origin"] == "retired"
    again = client.post(
        URL, headers=admin, json={"camera": {**NORTH, "id": "cam-plaza"}, "reason": "x"}
    )
    assert again.status_code == 409 and "recordings are kept" in again.json()["detail"]
