"""Cases over HTTP: an incident's three covering cameras, its timeline, notes and crisis log in one
signed zip, downloaded, verified by csu and by the shipped verifier in a clean venv."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import cryptography
import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig, parse_site
from csu.db import Database
from csu.identity import service as identity
from csu.identity.roles import Role
from csu.settings import Settings
from tests.video.segments import record_segments, video_frames
from tests.web.conftest import PASSWORD, login, seed_accounts, services_of
from tests.web.test_alarms_api import csu_alarm
from tests.web.test_export_progress_ws import Listener
from tests.web.test_exports_api import T0, until_finished
from video.events import CameraStatusChanged

REPO = Path(__file__).resolve().parents[2]
CAMERAS = ("cam-street", "cam-corner", "cam-bus")
HANDOVER = {"requisition": "PV 2026/91", "recipient": "OPJ Martin"}
# Three cameras looking at the same corner (csu_alarm's point, 47.47 N 0.5499 W), one far away.
SITE = textwrap.dedent(
    """
    site: {name: Testville, timezone: Europe/Paris}
    cameras:
      - id: cam-street
        name: Street
        source: demo://street
        location: {lat: 47.47, lon: -0.55}
        view: {bearing_deg: 90, fov_deg: 60, range_m: 50}
        recording: {mode: "off"}
      - id: cam-corner
        name: Corner
        source: demo://corner
        location: {lat: 47.4702, lon: -0.5499}
        view: {bearing_deg: 180, fov_deg: 60, range_m: 60}
        recording: {mode: "off"}
      - id: cam-bus
        name: Bus stop
        source: demo://bus
        location: {lat: 47.47, lon: -0.5496}
        view: {bearing_deg: 270, fov_deg: 60, range_m: 60}
        recording: {mode: "off"}
      - id: cam-plaza
        name: Plaza
        source: demo://plaza
        location: {lat: 47.48, lon: -0.56}
        view: {bearing_deg: 180, fov_deg: 70, range_m: 80}
        recording: {mode: "off"}
    """
)


@pytest.fixture
def site() -> SiteConfig:
    """Three cameras on one corner and one elsewhere."""
    return parse_site(SITE)


@pytest.fixture
def client(
    database_url: str, site: SiteConfig, tmp_path: Path, shared_data: Path
) -> Iterator[TestClient]:
    """The app with 8 s of a real street clip recorded by each of the three corner cameras, and
    a supervisor granted two of the three."""
    seed_accounts(database_url)
    db = Database(database_url)
    with db.session() as s:
        identity.create_user(
            s,
            username="two-cameras",
            role=Role.SUPERVISOR,
            password=PASSWORD,
            cameras=["cam-street", "cam-corner"],
        )
    db.dispose()
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    frames = video_frames(shared_data / "video" / "intel_car-detection.mp4", limit=100)
    recorded = [
        record_segments(
            frames,
            settings.recordings_dir() / camera,
            camera_id=camera,
            start=T0,
            fps=12.5,
            segment_s=4.0,
        )
        for camera in CAMERAS
    ]
    with TestClient(create_app(settings, site)) as test_client:
        for segments in recorded:
            for segment in segments:
                services_of(test_client).recordings.index.add(segment)
        yield test_client


@pytest.fixture(scope="module")
def clean_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv (no system site packages, run with -I) holding `cryptography` alone: pip
    installs it from the indexes it is configured with (a local one here), quickly failing an
    unreachable one; with no index at all, the wheel-less copy of this checkout's installed
    cryptography, cffi and pycparser packages goes into the venv instead."""
    venv = tmp_path_factory.mktemp("expert") / "venv"
    subprocess.run(["python3.11", "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "cryptography"],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_DEFAULT_TIMEOUT": "15", "PIP_RETRIES": "0"},
        timeout=300,
        check=False,
    )
    if installed.returncode != 0:
        site = Path(cryptography.__file__).parents[1]
        target = venv / "lib" / "python3.11" / "site-packages"
        for name in ("cryptography", "cffi", "pycparser"):
            shutil.copytree(site / name, target / name)
        for backend in site.glob("_cffi_backend*.so"):
            shutil.copy(backend, target)
    probe = [str(python), "-I", "-c", "import cryptography, sys; print(cryptography.__file__)"]
    where = subprocess.run(probe, capture_output=True, text=True, check=True, timeout=60)
    assert where.stdout.startswith(str(venv)), where.stdout  # its own, not this checkout's
    return python


def incident_with_story(client: TestClient) -> int:
    """An incident on the corner (its three covering cameras), a note, and a crisis decision."""
    operator = login(client, "operator")
    posted = client.post("/api/alarms", json=csu_alarm("CASE-1"), headers=operator)
    assert posted.status_code == 201, posted.text
    incident = int(posted.json()["alarms"][0]["incident_id"])
    cameras = client.get(f"/api/incidents/{incident}", headers=operator).json()["cameras"]
    assert sorted(cameras) == sorted(CAMERAS)
    note = {"action": "note", "text": "Deux individus, blouson rouge"}
    noted = client.post(f"/api/incidents/{incident}/actions", json=note, headers=operator)
    assert noted.status_code == 200, noted.text
    cell = login(client, "crisis")
    crisis = client.post(
        "/api/crises", json={"title": "Rixe", "incidents": [incident]}, headers=cell
    )
    assert crisis.status_code == 201, crisis.text
    decision = {"text": "Patrouille dépêchée", "incident_id": incident}
    logged = client.post(f"/api/crises/{crisis.json()['id']}/log", json=decision, headers=cell)
    assert logged.status_code == 201, logged.text
    return incident


def case_body(incident: int, **extra: Any) -> dict[str, Any]:
    """A covering case of the incident over 5 s of the recorded footage."""
    return {
        "incident_id": incident,
        "covering": True,
        "start": (T0 + timedelta(seconds=1)).isoformat(),
        "end": (T0 + timedelta(seconds=6)).isoformat(),
        "reason": "rixe, plainte déposée",
        **HANDOVER,
        **extra,
    }


def made_case(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    """A done three-camera case of an incident."""
    incident = incident_with_story(client)
    created = client.post("/api/cases", json=case_body(incident), headers=headers)
    assert created.status_code == 202, created.text
    assert created.json()["case"] and created.json()["incident_id"] == incident
    done = until_finished(client, created.json()["id"], headers)
    assert done["state"] == "done", done["error"]
    return done


def csu_verify(path: Path) -> subprocess.CompletedProcess[str]:
    """`csu export verify PATH`."""
    return subprocess.run(
        [sys.executable, "-m", "csu.cli", "export", "verify", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=False,
    )


def expert_verify(python: Path, script: Path, path: Path) -> subprocess.CompletedProcess[str]:
    """The shipped verifier run by the clean venv's Python, isolated, outside the repository."""
    return subprocess.run(
        [str(python), "-I", str(script), str(path)],
        capture_output=True,
        text=True,
        cwd=script.parent,
        timeout=60,
        check=False,
    )


def flip(path: Path, offset: int) -> None:
    """Change one byte of the file."""
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_three_camera_case_downloads_and_verifies_and_each_change_is_named(
    client: TestClient, clean_python: Path, tmp_path: Path
) -> None:
    """The zip holds three clips, the documents, index.html and the kit under one signed
    manifest; csu and the shipped verifier (clean venv) say INTACT; one byte changed in a clip,
    in manifest.json or in timeline.json: exit 1 naming that file; bad input: exit 2."""
    supervisor = login(client, "supervisor")
    done = made_case(client, supervisor)
    assert [s["camera_id"] for s in done["spans"]] == list(CAMERAS)
    response = client.get(
        f"/api/exports/{done['id']}/download", params=HANDOVER, headers=supervisor
    )
    assert response.status_code == 200, response.text
    archive = tmp_path / f"{done['id']}.zip"
    archive.write_bytes(response.content)
    with zipfile.ZipFile(io.BytesIO(response.content)) as opened:
        names = {n.split("/", 1)[1] for n in opened.namelist()}
        opened.extractall(tmp_path / "received")
    clips = sorted(n for n in names if n.startswith("clips/"))
    assert [c.split("/")[1].split("_")[0] for c in clips] == sorted(CAMERAS)
    assert names == {
        *clips,
        "timeline.json",
        "notes.json",
        "crisis_log.json",
        "index.html",
        "verify_export.py",
        "VERIFY.txt",
        "manifest.json",
        "manifest.sig",
        "evidence-key.pub.pem",
    }
    folder = tmp_path / "received" / done["id"]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["kind"] == "case" and len(manifest["spans"]) == 3
    assert {f["name"] for f in manifest["files"]} == names - {
        "manifest.json",
        "manifest.sig",
        "evidence-key.pub.pem",
    }
    timeline = json.loads((folder / "timeline.json").read_text())
    assert any(e["text"] == "Deux individus, blouson rouge" for e in timeline["entries"])
    notes = json.loads((folder / "notes.json").read_text())["notes"]
    assert [n["text"] for n in notes] == ["Deux individus, blouson rouge"]
    crisis_log = json.loads((folder / "crisis_log.json").read_text())
    assert crisis_log["crisis"]["title"] == "Rixe"
    assert "Patrouille dépêchée" in [e["text"] for e in crisis_log["entries"]]
    page = (folder / "index.html").read_text()
    assert all(f'src="{clip}"' in page for clip in clips)
    assert "http://" not in page and "https://" not in page and "<script src" not in page
    assert "Deux individus, blouson rouge" in page and "Patrouille dépêchée" in page
    assert "<td>alarme reçue</td>" in page and "<td>décision</td>" in page  # kinds worded

    desk = tmp_path / "expert"
    desk.mkdir()
    script = Path(shutil.copy(folder / "verify_export.py", desk))
    for export in (archive, folder):
        checked = csu_verify(export)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        expert = expert_verify(clean_python, script, export)
        assert expert.returncode == 0, expert.stdout + expert.stderr
        assert expert.stdout.startswith(f"INTACT: {export}: {len(manifest['files'])} files")
        assert "vérifiée avec: cryptography" in expert.stdout

    for name, offset in ((clips[1], 5000), ("manifest.json", 300), ("timeline.json", 40)):
        altered = tmp_path / "altered" / name.replace("/", "-") / done["id"]
        shutil.copytree(folder, altered)
        flip(altered / name, offset)
        for result in (csu_verify(altered), expert_verify(clean_python, script, altered)):
            assert result.returncode == 1, result.stdout + result.stderr
            assert result.stdout.splitlines()[0].startswith(f"{name}: "), result.stdout
    assert csu_verify(tmp_path / "nothing-here").returncode == 2
    assert expert_verify(clean_python, script, tmp_path / "nothing-here").returncode == 2


def test_the_download_needs_the_export_right_on_every_camera_and_each_is_logged(
    client: TestClient,
) -> None:
    """An operator (no export right) and a supervisor granted two of the three cameras are
    refused (403, logged); the supervisor's download is logged for each span before any byte."""
    supervisor = login(client, "supervisor")
    done = made_case(client, supervisor)
    url = f"/api/exports/{done['id']}/download"
    operator = client.get(url, params=HANDOVER, headers=login(client, "operator"))
    assert operator.status_code == 403
    two = client.get(url, params=HANDOVER, headers=login(client, "two-cameras"))
    assert two.status_code == 403 and "cam-bus" in two.json()["detail"]
    assert b"PK" not in operator.content + two.content
    assert client.get(url, params=HANDOVER, headers=supervisor).status_code == 200
    entries = list(services_of(client).access_log.entries())
    denied = [(e.user, e.camera_id) for e in entries if e.outcome == "denied"]
    assert ("operator", "cam-street") in denied and ("two-cameras", "cam-bus") in denied
    downloads = [e for e in entries if e.action == "video.export.download"]
    assert sorted((e.user, e.camera_id) for e in downloads) == sorted(
        ("supervisor", c) for c in CAMERAS
    )
    assert all(e.requisition == HANDOVER["requisition"] for e in downloads)
    asked = [e for e in entries if e.action == "video.export" and e.outcome == "granted"]
    assert sorted(str(e.camera_id) for e in asked) == sorted(CAMERAS)
    assert all(json.loads(e.details)["case"] for e in asked)
    listed = client.get("/api/exports", headers=login(client, "two-cameras")).json()
    assert done["id"] not in [e["id"] for e in listed]


def test_a_case_on_a_camera_without_the_right_is_refused_before_any_work(
    client: TestClient,
) -> None:
    """The supervisor granted two cameras asks for the three: 403 naming cam-bus, logged, and
    no span granted in the log; no covering camera, no span: a 400 saying so."""
    incident = incident_with_story(client)
    two = login(client, "two-cameras")
    refused = client.post("/api/cases", json=case_body(incident), headers=two)
    assert refused.status_code == 403 and "cam-bus" in refused.json()["detail"]
    operator = client.post(
        "/api/cases", json=case_body(incident), headers=login(client, "operator")
    )
    assert operator.status_code == 403, operator.text
    entries = list(services_of(client).access_log.entries())
    assert [(e.user, e.camera_id) for e in entries if e.action == "video.export"] == [
        ("two-cameras", "cam-bus"),
        ("operator", "cam-street"),
    ]
    assert all(e.outcome == "denied" for e in entries if e.action == "video.export")
    nothing = client.post(
        "/api/cases", json={"reason": "x", **HANDOVER}, headers=login(client, "supervisor")
    )
    assert nothing.status_code == 400, nothing.text


def test_a_cases_progress_reaches_only_who_may_export_every_camera(client: TestClient) -> None:
    """On /api/events the supervisor sees the case go from pending to done at 100 across its
    three clips, never back; the supervisor granted two of its cameras gets nothing of it."""
    incident = incident_with_story(client)
    supervisor, two = login(client, "supervisor"), login(client, "two-cameras")
    with (
        client.websocket_connect("/api/events", headers=supervisor) as ws,
        client.websocket_connect("/api/events", headers=two) as two_ws,
    ):
        listeners = [Listener(ws), Listener(two_ws)]
        created = client.post("/api/cases", json=case_body(incident), headers=supervisor)
        assert created.status_code == 202, created.text
        assert listeners[0].done.wait(60), listeners[0].messages[-5:]
        # A camera state told after "done" shows what the other console got is all it gets.
        services_of(client).bus.publish_threadsafe(
            CameraStatusChanged(
                camera_id="cam-street", status="offline", previous="online", reason="test"
            )
        )
        assert listeners[1].wait_for("cam-street"), listeners[1].messages
    told = listeners[0].exports()
    assert {(m["export_id"], tuple(m["cameras"])) for m in told} == {
        (created.json()["id"], CAMERAS)
    }
    order = {"pending": 0, "running": 1, "done": 2}
    steps = [(order[m["state"]], m["percent"]) for m in told]
    assert steps == sorted(steps) and steps[-1] == (2, 100)
    assert listeners[1].exports() == []


def test_a_case_of_spans_says_which_camera_recorded_nothing(client: TestClient) -> None:
    """Spans without an incident: the camera that recorded nothing is named in the manifest
    (`missing`), the others' clips are there, the documents empty; nothing recorded at all:
    the case fails saying so."""
    supervisor = login(client, "supervisor")
    span = {"start": (T0 + timedelta(seconds=1)).isoformat()}
    span["end"] = (T0 + timedelta(seconds=6)).isoformat()
    spans = [{"camera_id": camera, **span} for camera in ("cam-street", "cam-plaza")]
    body: dict[str, Any] = {"reason": "dégradations", "spans": spans}
    created = client.post("/api/cases", json=body, headers=supervisor)
    assert created.status_code == 202, created.text
    done = until_finished(client, created.json()["id"], supervisor)
    assert done["state"] == "done", done["error"]
    folder = Path(done["folder"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [s["camera_id"] for s in manifest["spans"]] == ["cam-street"]
    assert [m["camera_id"] for m in manifest["missing"]] == ["cam-plaza"]
    assert manifest["incident"] is None and manifest["title"].startswith("enregistrements du ")
    assert json.loads((folder / "timeline.json").read_text())["entries"] == []
    assert csu_verify(folder).returncode == 0

    body["spans"] = [{"camera_id": "cam-plaza", **span}]
    failed = client.post("/api/cases", json=body, headers=supervisor).json()
    ended = until_finished(client, failed["id"], supervisor)
    assert ended["state"] == "failed" and "nothing recorded" in ended["error"]
