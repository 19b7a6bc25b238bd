"""The whole app records: a continuous camera and an events camera whose incident gets a clip."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.video.recording_checks import ZONE, assert_zone_masked, decode
from tests.video.test_recording import small_demo
from tests.web.conftest import login, seed_accounts, services_of
from video.recording.index import Segment

ZONE_YAML = json.dumps([[list(p) for p in ZONE]])
SITE = textwrap.dedent(
    f"""
    site: {{name: Testville, timezone: Europe/Paris}}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        location: {{lat: 47.47, lon: -0.55}}
        view: {{bearing_deg: 90, fov_deg: 60, range_m: 50}}
        recording: {{mode: events, segment_s: 2, pre_alarm_s: 2, post_alarm_s: 2}}
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        privacy_zones: {ZONE_YAML}
        recording: {{mode: continuous, segment_s: 2}}
    """
)


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    """Poll until the condition holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def segments(client: TestClient, camera_id: str) -> list[Segment]:
    """Everything indexed for a camera today."""
    index = services_of(client).recordings.index
    now = datetime.now(UTC)
    return index.between(camera_id, now - timedelta(hours=1), now + timedelta(hours=1))


@pytest.mark.slow
def test_continuous_and_event_recording_with_an_incident_clip(
    database_url: str, tmp_path: Path
) -> None:
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    app = create_app(settings, parse_site(SITE), camera_opener=small_demo)
    with TestClient(app) as client:
        headers = login(client, "operator")
        wait_until(lambda: len(segments(client, "cam-plaza")) >= 1, 15)
        assert segments(client, "cam-street") == [], "events mode records nothing idle"
        time.sleep(2.5)  # fill the pre-alarm buffer
        occurred = datetime.now(UTC)
        alarm = {
            "source": "hypervisor",
            "external_id": "LUM-REC-1",
            "type": "lighting.feeder_down",
            "severity": "high",
            "occurred_at": occurred.isoformat(),
            "location": {"type": "Point", "coordinates": [-0.5499, 47.47]},
            "description": "Feeder 12 down",
        }
        posted = client.post("/api/alarms", json=alarm, headers=headers)
        assert posted.status_code == 201, posted.text
        incident_id = posted.json()["alarms"][0]["incident_id"]
        detail = client.get(f"/api/incidents/{incident_id}", headers=headers).json()
        (clip,) = [e for e in detail["timeline"] if e["kind"] == "clip"]
        assert clip["data"]["camera_id"] == "cam-street"
        start = datetime.fromisoformat(clip["data"]["start"])
        end = datetime.fromisoformat(clip["data"]["end"])
        assert (start, end) == (occurred - timedelta(seconds=2), occurred + timedelta(seconds=2))
        done = end - timedelta(seconds=0.3)  # the last frame before `end`, give or take
        wait_until(lambda: any(s.end >= done for s in segments(client, "cam-street")), 15)
        listed = client.get(
            "/api/cameras/cam-street/recordings",
            params={"start": start.isoformat(), "end": end.isoformat()},
            headers=headers,
        ).json()
        # The clip is on disk from before the alarm to after it, in one span.
        (span,) = listed["spans"]
        assert datetime.fromisoformat(span["start"]) == start
        assert datetime.fromisoformat(span["end"]) >= done
        stopping = datetime.now(UTC)
    # Stopping the app closes the open continuous segment into the index.
    with TestClient(create_app(settings, parse_site(SITE), camera_opener=small_demo)) as again:
        plaza = segments(again, "cam-plaza")
        assert plaza[-1].end >= stopping - timedelta(seconds=0.5)
        first = decode(plaza[0])
        assert first.first_is_key
        assert_zone_masked(first.images[0])
