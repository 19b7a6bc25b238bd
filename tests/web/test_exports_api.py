"""Evidence exports over HTTP: export right, reason, logged before the work, a signed folder."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig
from csu.settings import Settings
from tests.video.segments import record_segments, video_frames
from tests.web.conftest import login, seed_accounts, services_of
from video.evidence.verify import verify_folder

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def body(start_s: float, end_s: float, **extra: Any) -> dict[str, Any]:
    """An export request for cam-street relative to T0."""
    return {
        "camera_id": "cam-street",
        "start": (T0 + timedelta(seconds=start_s)).isoformat(),
        "end": (T0 + timedelta(seconds=end_s)).isoformat(),
        **extra,
    }


@pytest.fixture
def client(
    database_url: str, site: SiteConfig, tmp_path: Path, shared_data: Path
) -> Iterator[TestClient]:
    """The app, its database index holding 8 s of a real street clip in 4 s segments."""
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    segments = record_segments(
        video_frames(shared_data / "video" / "intel_car-detection.mp4", limit=100),
        settings.recordings_dir() / "cam-street",
        camera_id="cam-street",
        start=T0,
        fps=12.5,
        segment_s=4.0,
    )
    with TestClient(create_app(settings, site)) as test_client:
        for segment in segments:
            services_of(test_client).recordings.index.add(segment)
        yield test_client


def until_finished(client: TestClient, export_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll the export's state until done or failed."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        state: dict[str, Any] = client.get(f"/api/exports/{export_id}", headers=headers).json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"export {export_id} still {state['state']}")


def test_a_supervisor_exports_and_the_folder_verifies(client: TestClient, tmp_path: Path) -> None:
    """202 with an id, logged with span, reason and requisition; done: a verifying folder."""
    headers = login(client, "supervisor")
    response = client.post(
        "/api/exports",
        json=body(1, 6, reason="assault report", requisition="PV 2026/77", recipient="OPJ Durand"),
        headers=headers,
    )
    assert response.status_code == 202, response.text
    created = response.json()
    assert created["state"] in ("pending", "running", "done")
    assert created["purpose"] == "judicial" and created["rendition"] == "zones"
    [entry] = [e for e in services_of(client).access_log.entries() if e.action == "video.export"]
    assert (entry.user, entry.camera_id, entry.outcome) == ("supervisor", "cam-street", "granted")
    assert (entry.reason, entry.requisition) == ("assault report", "PV 2026/77")
    assert entry.span_start is not None and entry.span_start.replace(tzinfo=UTC) == T0 + timedelta(
        seconds=1
    )
    done = until_finished(client, created["id"], headers)
    assert done["state"] == "done", done["error"]
    folder = Path(done["folder"])
    assert folder == tmp_path / "var" / "exports" / created["id"]
    assert done["files"] == ["cam-street_20261125T100001Z_20261125T100006Z.mp4"]
    assert done["footage_end"] == "2026-11-25T10:00:06Z"
    verdict = verify_folder(folder, tmp_path / "var" / "keys" / "evidence-ed25519.pub.pem")
    assert verdict.ok and verdict.files == 1 and verdict.pinned
    # The log ties the signed manifest to the request: its hash is in the chain.
    [logged] = [
        e for e in services_of(client).access_log.entries() if e.action == "video.export.done"
    ]
    details = json.loads(logged.details)
    assert details["export_id"] == created["id"]
    assert (
        details["manifest_sha256"]
        == hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    )
    assert (logged.user, logged.requisition) == ("supervisor", "PV 2026/77")
    assert logged.seq is not None and entry.seq is not None and logged.seq > entry.seq


def test_the_export_right_and_a_reason_are_required(client: TestClient) -> None:
    """An operator may play back but not export; no reason is 400 naming it."""
    operator = login(client, "operator")
    refused = client.post("/api/exports", json=body(0, 5, reason="curious"), headers=operator)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "no export right on camera 'cam-street'"
    supervisor = login(client, "supervisor")
    blank = client.post("/api/exports", json=body(0, 5), headers=supervisor)
    assert blank.status_code == 400
    assert blank.json()["detail"] == "reason: a reason is required to export recorded video"
    too_long = client.post("/api/exports", json=body(0, 90_000, reason="x"), headers=supervisor)
    assert too_long.json()["detail"] == "range: 90000 s asked, at most 86400 s at once"
    bad_purpose = client.post(
        "/api/exports", json=body(0, 5, reason="x", purpose="curiosity"), headers=supervisor
    )
    assert bad_purpose.status_code == 422
    assert "purpose" in bad_purpose.json()["detail"]
    actions = [
        (e.user, e.outcome)
        for e in services_of(client).access_log.entries()
        if e.action == "video.export"
    ]
    assert actions == [("operator", "denied")]


def test_export_state_is_for_export_holders_and_failures_name_the_range(
    client: TestClient,
) -> None:
    """Unknown id 404; an operator may not read a job; nothing recorded: failed, naming it."""
    supervisor = login(client, "supervisor")
    assert (
        client.get("/api/exports/20261125T100000Z-00000000", headers=supervisor).status_code == 404
    )
    created = client.post(
        "/api/exports", json=body(600, 660, reason="too late"), headers=supervisor
    ).json()
    failed = until_finished(client, created["id"], supervisor)
    assert failed["state"] == "failed" and failed["folder"] is None and failed["files"] == []
    assert failed["error"] == (
        "nothing recorded for camera 'cam-street' from 2026-11-25T10:10:00+00:00"
        " to 2026-11-25T10:11:00+00:00"
    )
    response = client.get(f"/api/exports/{created['id']}", headers=login(client, "operator"))
    assert response.status_code == 403
    [refusal] = [
        e
        for e in services_of(client).access_log.entries()
        if e.action == "video.export" and e.outcome == "denied"
    ]
    assert (refusal.user, refusal.camera_id) == ("operator", "cam-street")
    assert json.loads(refusal.details) == {
        "export": created["id"],
        "request": "export state",
        "why": "the operator role has no export right",
    }
