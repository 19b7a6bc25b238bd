"""End to end: a real RTSP camera is recorded, played back, exported, and the export verified."""

from __future__ import annotations

import io
import json
import shutil
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import parse_site
from csu.settings import Settings
from tests.video.recording_checks import ZONE, assert_zone_masked
from tests.video.rtsp_server import RtspServer
from tests.video.test_evidence_export import flip_byte, run_verify
from tests.web.conftest import login, seed_accounts, services_of
from video.recording.index import Segment


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    """Poll until the condition holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.2)


def indexed(client: TestClient) -> list[Segment]:
    """What the recorder has indexed for the camera in the last hour."""
    now = datetime.now(UTC)
    return services_of(client).recordings.index.between("cam-rtsp", now - timedelta(hours=1), now)


def decode(data: bytes | Path) -> list[av.VideoFrame]:
    """Every frame of an MP4 file or of MP4 bytes."""
    with av.open(io.BytesIO(data) if isinstance(data, bytes) else str(data)) as container:
        return list(container.decode(video=0))


def finished(client: TestClient, export_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll an export until done or failed."""
    state: dict[str, Any] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state = client.get(f"/api/exports/{export_id}", headers=headers).json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"export still {state.get('state')}")


@pytest.mark.slow
def test_rtsp_to_recorder_to_playback_to_export_to_verify(
    rtsp_server: RtspServer, database_url: str, tmp_path: Path
) -> None:
    """Three 2 s segments from a live RTSP camera, played back and exported; verify holds."""
    site = parse_site(
        textwrap.dedent(
            f"""
            site: {{name: Testville, timezone: Europe/Paris}}
            cameras:
              - id: cam-rtsp
                name: Quai Ligny
                source: {rtsp_server.url}
                fps: 10
                location: {{lat: 47.47, lon: -0.55}}
                privacy_zones: [{json.dumps([list(p) for p in ZONE])}]
                recording: {{mode: continuous, segment_s: 2}}
            """
        )
    )
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    with TestClient(create_app(settings, site)) as client:
        wait_until(lambda: len(indexed(client)) >= 3, 40)
        segments = indexed(client)
        start, end = segments[0].start + timedelta(seconds=1), segments[2].end
        span = {"start": start.isoformat(), "end": end.isoformat()}

        played = client.get(
            "/api/cameras/cam-rtsp/playback.mp4",
            params={**span, "reason": "incident check"},
            headers=login(client, "operator"),
        )
        assert played.status_code == 200, played.text
        frames = decode(played.content)
        assert frames[0].key_frame
        # From the keyframe at or before start: at least the 10 fps of the range, whole.
        assert len(frames) >= 10 * (end - start).total_seconds() - 2
        assert_zone_masked(np.asarray(frames[-1].to_ndarray(format="bgr24"), np.uint8))

        supervisor = login(client, "supervisor")
        created = client.post(
            "/api/exports",
            json={**span, "camera_id": "cam-rtsp", "reason": "theft", "requisition": "PV 9"},
            headers=supervisor,
        )
        assert created.status_code == 202, created.text
        done = finished(client, created.json()["id"], supervisor)
        assert done["state"] == "done", done["error"]

    folder = Path(done["folder"])
    [name] = done["files"]
    exported = decode(folder / name)
    assert len(exported) == json.loads((folder / "manifest.json").read_text())["frames"]
    for frame in exported[:: max(1, len(exported) // 5)]:
        assert_zone_masked(np.asarray(frame.to_ndarray(format="bgr24"), np.uint8))
    key = settings.data_dir / "keys" / "evidence-ed25519.pub.pem"
    intact = run_verify(folder, "--public-key", str(key))
    assert intact.returncode == 0, intact.stdout + intact.stderr
    tampered = tmp_path / "tampered"
    shutil.copytree(folder, tampered)
    flip_byte(tampered / name, (tampered / name).stat().st_size - 100)
    result = run_verify(tampered, "--public-key", str(key))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [f"{name}: SHA-256 differs from the manifest (altered)"]
