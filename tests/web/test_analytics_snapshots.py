"""Analytics event snapshots over HTTP: the masked frame with its box, logged before it is sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from csu.identity import service as identity
from csu.identity.roles import Role
from privacy.access_log import AccessLogUnavailable
from tests.web.conftest import PASSWORD, login, services_of
from video.analytics.geometry import Box
from video.analytics.snapshots import save_snapshot
from video.scenes import make_scene

EVENT = "0123456789abcdef0123456789abcdef"
BOX = Box(0.25, 0.25, 0.5, 0.75)


def url(event_id: str = EVENT) -> str:
    """The snapshot address of an event."""
    return f"/api/analytics/events/{event_id}/snapshot.jpg"


@pytest.fixture
def frame(client: TestClient) -> np.ndarray:
    """A cam-plaza event's snapshot saved as the analysis worker saves it; the frame it shows."""
    image = make_scene("plaza", 640, 360).render(3.0)
    data_dir = services_of(client).settings.data_dir
    save_snapshot(data_dir, "cam-plaza", EVENT, image, BOX, datetime(2026, 11, 25, 9, tzinfo=UTC))
    return image


def snapshot_entries(client: TestClient) -> list[dict[str, object]]:
    """The access log's snapshot entries."""
    entries = [e.model_dump() for e in services_of(client).access_log.entries()]
    return [e for e in entries if e["action"] == "video.snapshot"]


def test_the_event_snapshot_is_served_with_its_box_and_logged(
    client: TestClient, frame: np.ndarray
) -> None:
    response = client.get(url(), headers=login(client, "operator"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape == frame.shape

    # the box's left edge is drawn red; the frame's own pixels away from it are kept
    def redness(picture: np.ndarray) -> float:
        strip = picture[100:260, 158:162].reshape(-1, 3).astype(int)
        return float((strip[:, 2] - strip[:, :2].mean(axis=1)).mean())

    assert redness(image) > 80 and redness(frame) < 20
    away = (slice(10, 60), slice(400, 600))
    assert np.abs(image[away].astype(int) - frame[away].astype(int)).mean() < 8  # JPEG q80
    entry = snapshot_entries(client)[-1]
    assert (entry["user"], entry["camera_id"], entry["outcome"]) == (
        "operator",
        "cam-plaza",
        "granted",
    )
    assert json.loads(str(entry["details"])) == {"analytics_event": EVENT, "rendition": "zones"}


def test_event_snapshot_rights_and_unknown_events(client: TestClient, frame: np.ndarray) -> None:
    other = client.get(url(), headers=login(client, "street-only"))
    assert other.status_code == 403
    assert other.json() == {"detail": "no snapshot right on camera 'cam-plaza'"}
    assert snapshot_entries(client)[-1]["outcome"] == "denied"
    headers = login(client, "operator")
    missing = client.get(url("f" * 32), headers=headers)
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"no snapshot kept for analytics event '{'f' * 32}'"}
    # not an event id: never a path into the data folder
    assert client.get(url("..%2F..%2Fsecret"), headers=headers).status_code == 404
    client.cookies.clear()  # the login's session cookie
    assert client.get(url()).status_code == 401


def test_an_anonymised_viewer_gets_no_event_snapshot(client: TestClient, frame: np.ndarray) -> None:
    with services_of(client).db.session() as session:
        identity.create_user(
            session,
            username="anon",
            role=Role.OPERATOR,
            password=PASSWORD,
            cameras=["*"],
            anonymised_view=True,
        )
    response = client.get(url(), headers=login(client, "anon"))
    assert response.status_code == 403
    assert "anonymised" in response.json()["detail"]
    entry = snapshot_entries(client)[-1]
    assert (entry["user"], entry["outcome"]) == ("anon", "denied")


def test_nothing_is_served_when_the_access_cannot_be_logged(
    client: TestClient, frame: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = login(client, "operator")

    def unavailable(*_args: object, **_kwargs: object) -> None:
        raise AccessLogUnavailable("access log down")

    monkeypatch.setattr(services_of(client).access_log, "append", unavailable)
    response = client.get(url(), headers=headers)
    assert response.status_code == 503
    assert response.content[:2] != b"\xff\xd8"  # no JPEG
