"""Snapshots and privacy-zone edits: masked pixels, rights, and the access log written first."""

from __future__ import annotations

import json
import time
from pathlib import Path

import cv2
import numpy as np
import sqlalchemy as sa
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig
from csu.settings import Settings
from privacy.masking import MASK_COLOUR
from tests.web.conftest import login, services_of

STREET_ZONE = (0.04, 0.09, 0.46, 0.51)  # x0, y0, x1, y1 of the site's zone on cam-street


def _snapshot(
    client: TestClient, headers: dict[str, str], camera: str = "cam-street"
) -> np.ndarray:
    deadline = time.monotonic() + 10
    while True:
        response = client.get(f"/api/cameras/{camera}/snapshot.jpg", headers=headers)
        if response.status_code != 503 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def _region(
    image: np.ndarray, box: tuple[float, float, float, float], inset: int = 4
) -> np.ndarray:
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box
    return image[
        int(y0 * h) + inset : int(y1 * h) - inset, int(x0 * w) + inset : int(x1 * w) - inset
    ]


def _is_mask(region: np.ndarray, tolerance: int = 10) -> bool:
    return bool(np.all(np.abs(region.astype(int) - np.array(MASK_COLOUR)) <= tolerance))


def _log(client: TestClient) -> list[dict[str, object]]:
    return [e.model_dump() for e in services_of(client).access_log.entries()]


def test_snapshot_is_masked_and_logged(client: TestClient) -> None:
    """Inside the zone every pixel is the mask; outside it is the camera's picture."""
    image = _snapshot(client, login(client, "operator"))
    assert image.shape == (720, 1280, 3)
    assert _is_mask(_region(image, STREET_ZONE))
    sky = _region(image, (0.47, 0.0, 0.53, 0.08), inset=1)  # between the facades: open sky
    assert np.all(np.abs(sky.astype(int) - np.array([235, 200, 160])) <= 12)
    entries = [e for e in _log(client) if e["action"] == "video.snapshot"]
    assert (
        entries and entries[-1]["user"] == "operator" and entries[-1]["camera_id"] == "cam-street"
    )
    assert entries[-1]["outcome"] == "granted"
    assert json.loads(str(entries[-1]["details"]))["rendition"] == "zones"


def test_snapshot_rights(client: TestClient) -> None:
    """No video for the privacy officer, none outside one's cameras; both denials logged."""
    denied = client.get(
        "/api/cameras/cam-street/snapshot.jpg", headers=login(client, "privacy_officer")
    )
    assert denied.status_code == 403
    assert denied.json() == {"detail": "no snapshot right on camera 'cam-street'"}
    other = client.get("/api/cameras/cam-plaza/snapshot.jpg", headers=login(client, "street-only"))
    assert other.status_code == 403
    expired = client.get("/api/cameras/cam-street/snapshot.jpg", headers=login(client, "expired"))
    assert expired.status_code == 403
    missing = client.get("/api/cameras/cam-nowhere/snapshot.jpg", headers=login(client, "operator"))
    assert missing.status_code == 404 and missing.json() == {
        "detail": "unknown camera 'cam-nowhere'"
    }
    denials = [(e["user"], e["camera_id"]) for e in _log(client) if e["outcome"] == "denied"]
    assert ("privacy_officer", "cam-street") in denials
    assert ("street-only", "cam-plaza") in denials
    assert ("expired", "cam-street") in denials


def test_nothing_is_served_when_the_log_cannot_be_written(client: TestClient) -> None:
    """A failing access-log write blocks the snapshot: 503 and no image."""
    headers = login(client, "operator")
    _snapshot(client, headers)
    with services_of(client).db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE access_log"))
    response = client.get("/api/cameras/cam-street/snapshot.jpg", headers=headers)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert "access log write failed" in response.json()["detail"]


NEW_ZONE = [[[0.6, 0.6], [0.9, 0.6], [0.9, 0.95], [0.6, 0.95]]]


def test_admin_edits_zones_live_and_the_edit_is_logged(client: TestClient) -> None:
    """PUT adding a zone: the next frames mask the new area; reason, before/after are logged."""
    admin = login(client, "admin")
    before = client.get("/api/cameras/cam-street/privacy-zones", headers=admin).json()["zones"]
    assert len(before) == 1
    after = before + NEW_ZONE
    response = client.put(
        "/api/cameras/cam-street/privacy-zones",
        headers=admin,
        json={"zones": after, "reason": "a new window"},
    )
    assert response.status_code == 200, response.text
    time.sleep(0.3)  # a few frames at 25 fps
    image = _snapshot(client, admin)
    assert _is_mask(_region(image, (0.6, 0.6, 0.9, 0.95)))
    assert _is_mask(_region(image, STREET_ZONE))
    edits = [e for e in _log(client) if e["action"] == "privacy.zone_edit"]
    assert len(edits) == 1 and edits[0]["user"] == "admin"
    assert edits[0]["reason"] == "a new window"
    details = json.loads(str(edits[0]["details"]))
    assert details == {"before": before, "after": after, "effect": "applied", "unmasked_share": 0}


def test_zone_edit_needs_the_right_and_valid_polygons(client: TestClient) -> None:
    """Operators cannot edit zones; malformed polygons get a 422 naming the problem."""
    operator = login(client, "operator")
    refused = client.put(
        "/api/cameras/cam-street/privacy-zones",
        headers=operator,
        json={"zones": NEW_ZONE, "reason": "x"},
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "no privacy-zone-edit right on camera 'cam-street'"
    admin = login(client, "admin")
    two_points = client.put(
        "/api/cameras/cam-street/privacy-zones",
        headers=admin,
        json={"zones": [[[0.1, 0.1], [0.2, 0.2]]], "reason": "x"},
    )
    assert two_points.status_code == 422
    assert (
        "body.zones.0" in two_points.json()["detail"]
        and "at least 3" in two_points.json()["detail"]
    )
    outside = client.put(
        "/api/cameras/cam-street/privacy-zones",
        headers=admin,
        json={"zones": [[[0.1, 0.1], [1.5, 0.1], [0.1, 0.5]]], "reason": "x"},
    )
    assert outside.status_code == 422 and "less than or equal to 1" in outside.json()["detail"]


def test_saved_zones_survive_a_restart(
    client: TestClient, database_url: str, site: SiteConfig, tmp_path: Path
) -> None:
    """Zones saved through the API are in force again after the app restarts."""
    admin = login(client, "admin")
    assert (
        client.put(
            "/api/cameras/cam-plaza/privacy-zones",
            headers=admin,
            json={"zones": NEW_ZONE, "reason": "shop flat"},
        ).status_code
        == 200
    )
    client.__exit__(None, None, None)
    settings = Settings(data_dir=tmp_path / "var2", database_url=database_url)
    with TestClient(create_app(settings, site)) as again:
        zones = again.get(
            "/api/cameras/cam-plaza/privacy-zones", headers=login(again, "admin")
        ).json()
        assert zones == {
            "camera_id": "cam-plaza",
            "zones": NEW_ZONE,
            "space": "picture",
            "pose": None,
            "pose_unknown": None,
            "outlines": None,
        }
        image = _snapshot(again, login(again, "operator"), "cam-plaza")
        assert _is_mask(_region(image, (0.6, 0.6, 0.9, 0.95)))
