"""Downloading an export: one zip streamed to whoever may export the camera, logged first."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.app_services import AppServices
from csu.config import SiteConfig
from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.settings import Settings
from privacy.access_log.service import AccessLog, AccessLogUnavailable
from tests.video.segments import record_segments, video_frames
from tests.web.conftest import PASSWORD, login, seed_accounts, served, services_of
from tests.web.test_exports_api import T0, body, client, until_finished  # noqa: F401 (fixture)

HANDOVER = {"requisition": "PV 2026/77", "recipient": "OPJ Durand"}
REPO = Path(__file__).resolve().parents[2]


def finished_export(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:  # noqa: F811
    """A done export of 5 s of cam-street."""
    created = client.post(
        "/api/exports", json=body(1, 6, reason="assault report"), headers=headers
    ).json()
    done = until_finished(client, created["id"], headers)
    assert done["state"] == "done", done["error"]
    return done


def downloads(client: TestClient) -> list[Any]:  # noqa: F811
    """The access log's download entries, oldest first."""
    entries = services_of(client).access_log.entries()
    return [e for e in entries if e.action == "video.export.download"]


def test_the_zip_holds_the_folder_and_verifies(client: TestClient, tmp_path: Path) -> None:  # noqa: F811
    """200 zip of every file of the folder under the export's id; unzipped, it verifies; the
    log has the download with requisition, recipient and the manifest's hash."""
    supervisor = login(client, "supervisor")
    done = finished_export(client, supervisor)
    assert done["progress"] == 100
    folder = Path(done["folder"])
    response = client.get(
        f"/api/exports/{done['id']}/download", params=HANDOVER, headers=supervisor
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == f'attachment; filename="{done["id"]}.zip"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.testzip() is None
        names = sorted(archive.namelist())
        assert names == sorted(f"{done['id']}/{p.name}" for p in folder.iterdir())
        for path in folder.iterdir():
            assert archive.read(f"{done['id']}/{path.name}") == path.read_bytes()
        archive.extractall(tmp_path / "received")
    verified = subprocess.run(
        [
            sys.executable,
            "-m",
            "csu.cli",
            "export",
            "verify",
            str(tmp_path / "received" / done["id"]),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    [entry] = downloads(client)
    assert (entry.user, entry.camera_id, entry.outcome) == ("supervisor", "cam-street", "granted")
    assert (entry.requisition, entry.reason) == ("PV 2026/77", "assault report")
    details = json.loads(entry.details)
    assert details["export_id"] == done["id"] and details["recipient"] == "OPJ Durand"
    manifest = (folder / "manifest.json").read_bytes()
    assert details["manifest_sha256"] == hashlib.sha256(manifest).hexdigest()
    assert sorted(details["files"]) == sorted(p.name for p in folder.iterdir())


def test_a_log_that_cannot_be_written_serves_nothing(client: TestClient) -> None:  # noqa: F811
    """The entry comes first: without it, a 503 and no byte of the zip."""
    supervisor = login(client, "supervisor")
    done = finished_export(client, supervisor)
    with pytest.MonkeyPatch.context() as patch:

        def unavailable(*_: Any, **__: Any) -> None:
            raise AccessLogUnavailable("the database is away")

        patch.setattr(AccessLog, "append", unavailable)
        url = f"/api/exports/{done['id']}/download"
        response = client.get(url, params=HANDOVER, headers=supervisor)
    assert response.status_code == 503
    assert b"PK" not in response.content
    assert downloads(client) == []


@pytest.fixture
def server(
    database_url: str, site: SiteConfig, tmp_path: Path, shared_data: Path
) -> Iterator[tuple[str, AppServices]]:
    """The app under uvicorn (real sockets, real streaming) with 8 s of cam-street recorded."""
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
    app = create_app(settings, site)
    with served(app) as base:
        services: AppServices = app.state.services
        for segment in segments:
            services.recordings.index.add(segment)
        yield base, services


def test_a_large_export_streams_and_is_logged_before_its_first_byte(
    server: tuple[str, AppServices],
) -> None:
    """A 512 MiB export goes out in blocks without the server holding it (under 32 MiB traced
    while it streams); a client gone after the headers is in the log all the same."""
    base, services = server
    with httpx.Client(base_url=base, timeout=60) as http:
        token = http.post("/api/auth/login", json={"username": "supervisor", "password": PASSWORD})
        supervisor = {"Authorization": f"Bearer {token.json()['access_token']}"}
        created = http.post("/api/exports", json=body(1, 6, reason="assault"), headers=supervisor)
        export_id = created.json()["id"]
        job = services.exports.wait(export_id, timeout=60)
        assert job is not None and job.folder is not None and job.state.value == "done"
        with (job.folder / "zz-large.bin").open("wb") as large:  # sparse: no disk, read as zeros
            large.truncate(512 << 20)
        url = f"/api/exports/{export_id}/download"
        logged = []
        with http.stream("GET", url, params=HANDOVER, headers=supervisor) as response:
            assert response.status_code == 200
            logged.append(len(_downloads(services)))  # headers only: no byte of the body read
        tracemalloc.start()
        try:
            with http.stream("GET", url, params=HANDOVER, headers=supervisor) as response:
                sizes = [len(chunk) for chunk in response.iter_raw()]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert logged == [1]
    assert sum(sizes) > 512 << 20 and len(sizes) > 100
    assert peak < 32 << 20, f"{peak >> 20} MiB traced while streaming"
    assert len(_downloads(services)) == 2


def _downloads(services: AppServices) -> list[Any]:
    return [e for e in services.access_log.entries() if e.action == "video.export.download"]


def test_the_export_right_a_requisition_and_a_recipient_are_required(
    client: TestClient,  # noqa: F811
) -> None:
    """An operator is refused (logged); a supervisor without requisition or recipient gets a
    400 naming what is missing, in the page's language; an unfinished export is a 409."""
    supervisor = login(client, "supervisor")
    done = finished_export(client, supervisor)
    url = f"/api/exports/{done['id']}/download"
    refused = client.get(url, params=HANDOVER, headers=login(client, "operator"))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "no export right on camera 'cam-street'"
    # Refused as a look at the export is: under the export right, naming the download.
    [denied] = [e for e in services_of(client).access_log.entries() if e.outcome == "denied"]
    assert (denied.action, denied.user, denied.camera_id) == (
        "video.export",
        "operator",
        "cam-street",
    )
    assert json.loads(denied.details) == {
        "export": done["id"],
        "request": "export download",
        "why": "the operator role has no export right",
    }
    nothing = client.get(url, headers=supervisor)
    assert nothing.status_code == 400
    assert nothing.json()["detail"] == (
        "requisition: a requisition reference is required to download an export;"
        " recipient: the recipient is required to download an export"
    )
    blank = client.get(
        url, params={"requisition": "PV 2026/77", "recipient": "  "}, headers=supervisor
    )
    assert blank.status_code == 400
    assert blank.json()["detail"] == "recipient: the recipient is required to download an export"
    french = client.get(
        url, params={"recipient": "OPJ Durand"}, headers={**supervisor, "Accept-Language": "fr"}
    )
    assert french.status_code == 400
    assert french.json()["detail"] == (
        "réquisition : la référence de la réquisition est obligatoire pour télécharger"
        " une extraction"
    )
    failed = client.post(
        "/api/exports", json=body(600, 660, reason="too late"), headers=supervisor
    ).json()
    until_finished(client, failed["id"], supervisor)
    late = client.get(f"/api/exports/{failed['id']}/download", params=HANDOVER, headers=supervisor)
    assert late.status_code == 409
    assert late.json()["detail"] == f"export '{failed['id']}' is failed: nothing to download"
    assert downloads(client) == []  # nothing was handed over


def test_the_list_holds_the_exports_of_cameras_one_may_export(
    client: TestClient,  # noqa: F811
    database_url: str,
) -> None:
    """Newest first with progress; a supervisor of another camera and an operator get none."""
    db = Database(database_url)
    with db.session() as session:
        identity.create_user(
            session,
            username="plaza-sup",
            role=Role.SUPERVISOR,
            password=PASSWORD,
            cameras=["cam-plaza"],
        )
    db.dispose()
    supervisor = login(client, "supervisor")
    first = finished_export(client, supervisor)
    second = client.post(
        "/api/exports", json=body(2, 4, reason="second look"), headers=supervisor
    ).json()
    until_finished(client, second["id"], supervisor)
    listed = client.get("/api/exports", headers=supervisor).json()
    assert [(e["id"], e["state"], e["progress"]) for e in listed] == [
        (second["id"], "done", 100),
        (first["id"], "done", 100),
    ]
    assert client.get("/api/exports?limit=1", headers=supervisor).json()[0]["id"] == second["id"]
    for other in ("plaza-sup", "operator"):
        assert client.get("/api/exports", headers=login(client, other)).json() == []
