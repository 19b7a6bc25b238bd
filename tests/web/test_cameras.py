"""GET /api/cameras: status from the running ingest workers, filtered by authorisation."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from tests.web.conftest import login


def _ids(client: TestClient, username: str) -> list[str]:
    response = client.get("/api/cameras", headers=login(client, username))
    assert response.status_code == 200
    return [c["id"] for c in response.json()]


def test_cameras_come_online_with_location_and_view(client: TestClient) -> None:
    """Demo cameras stream, so within a few seconds they are listed online with their geometry."""
    headers = login(client, "operator")
    deadline = time.monotonic() + 10
    while True:
        cameras = client.get("/api/cameras", headers=headers).json()
        if all(c["status"] == "online" for c in cameras) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [c["id"] for c in cameras] == ["cam-street", "cam-plaza"]
    street = cameras[0]
    assert street["status"] == "online", street
    assert street["fps"] > 12
    assert street["location"] == {"lat": 47.47, "lon": -0.55}
    assert street["view"] == {"bearing_deg": 90.0, "fov_deg": 60.0, "range_m": 50.0}
    assert street["retention_days"] == 15


def test_listing_follows_authorisations(client: TestClient) -> None:
    """Operators see their cameras; expired grants see none; admin and DPO see all metadata."""
    assert _ids(client, "street-only") == ["cam-street"]
    assert _ids(client, "expired") == []
    assert _ids(client, "privacy_officer") == ["cam-street", "cam-plaza"]
    assert _ids(client, "admin") == ["cam-street", "cam-plaza"]
