"""What runs per camera follows an administrator's change without a restart: PTZ and ONVIF events
take an added dome and its new address, analytics its authorisation, exports the camera; a
retired camera's PTZ is refused, its subscription closed and its analysis stopped, and a wall
tile pinned on it is cleared and the wall pushed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.thread import DeviceThread
from csu.settings import Settings
from privacy.policy import Action
from tests.web.conftest import login, seed_accounts, services_of

URL = "/api/admin/cameras"
CAMERA = "cam-dome"
PTZ = f"/api/cameras/{CAMERA}/ptz"
WRONG_WAY = {
    "kind": "wrong_way",
    "name": "lane-up",
    "line": [[0, 0.5], [1, 0.5]],
    "direction": [0, -1],
    "objects": ["moving"],
}
ANALYTICS = {
    "enabled": True,
    "fps": 5,
    "legal_basis": "Arrêté n° 2026-118 (test)",
    "end_date": "2099-12-31",
    "rules": [WRONG_WAY],
}


@pytest.fixture
def domes() -> Iterator[tuple[DeviceThread, DeviceThread]]:
    """Two test domes, each served from a thread of its own (the app runs on another loop)."""
    first, second = DeviceThread(OnvifDevice()), DeviceThread(OnvifDevice())
    with first, second:
        yield first, second


@pytest.fixture
def client(database_url: str, site: SiteConfig, tmp_path: Path) -> Iterator[TestClient]:
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    with TestClient(create_app(settings, site)) as test_client:
        yield test_client


def _camera(dome: OnvifDevice | None = None, **extra: Any) -> dict[str, Any]:
    camera: dict[str, Any] = {
        "id": CAMERA,
        "name": "Dome",
        "source": "demo://street",
        "recording": {"mode": "off"},
        **extra,
    }
    if dome is not None:
        camera["onvif"] = {"url": dome.url, "username": dome.username, "password": dome.password}
    return camera


def _until(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def _change(client: TestClient, admin: dict[str, str], how: str, body: dict[str, Any]) -> None:
    if how == "add":
        answer = client.post(URL, headers=admin, json=body)
    elif how == "edit":
        answer = client.put(f"{URL}/{CAMERA}", headers=admin, json=body)
    else:
        answer = client.post(f"{URL}/{CAMERA}/retire", headers=admin, json=body)
    assert answer.status_code in (200, 201), answer.text


def _of(cameras: list[dict[str, Any]]) -> dict[str, Any]:
    return next((c for c in cameras if c["id"] == CAMERA), {})


def _moves(dome: DeviceThread) -> int:
    head = dome.device.head
    return 0 if head is None else len(head.moves)


def test_a_dome_added_edited_and_retired_is_moved_and_subscribed_accordingly(
    client: TestClient, domes: tuple[DeviceThread, DeviceThread]
) -> None:
    first, second = domes
    admin, operator = login(client, "admin"), login(client, "operator")
    onvif = services_of(client).onvif
    assert onvif is not None
    assert client.get(PTZ, headers=operator).status_code == 404

    _change(client, admin, "add", {"camera": _camera(first.device), "reason": "new dome"})
    _until(lambda: client.get(PTZ, headers=operator).status_code == 200)  # the bus delivered
    moved = client.post(PTZ, json={"action": "move", "pan": 0.5}, headers=operator)
    assert moved.status_code == 200, moved.text
    assert moved.json()["holder"]["username"] == "operator"
    _until(lambda: _moves(first) == 1)
    _until(lambda: (s := onvif.status(CAMERA)) is not None and s.connected)
    assert first.device.subscriptions and not second.device.subscriptions

    # Its ONVIF address edited: the session on the old dome ends, the new dome answers.
    body = {"camera": _camera(second.device, name="Dome (moved)"), "reason": "dome replaced"}
    _change(client, admin, "edit", body)
    _until(lambda: second.device.subscriptions)
    _until(lambda: (s := onvif.status(CAMERA)) is not None and s.connected)
    assert not first.device.subscriptions
    state = client.get(PTZ, headers=operator).json()
    assert state["holder"] is None, state  # the edit ended the session
    assert client.post(PTZ, json={"action": "move", "tilt": 0.3}, headers=operator).is_success
    _until(lambda: _moves(second) == 1)
    assert _moves(first) == 1

    _change(client, admin, "retire", {"reason": "pole removed"})
    _until(lambda: client.get(PTZ, headers=operator).status_code == 404)
    refused = client.post(PTZ, json={"action": "move", "pan": -0.5}, headers=operator)
    assert refused.status_code == 404, refused.text
    assert CAMERA in refused.json()["detail"] and "retired" in refused.json()["detail"]
    french = {**operator, "Accept-Language": "fr"}
    refused = client.post(PTZ, json={"action": "move", "pan": -0.5}, headers=french)
    assert (
        refused.json()["detail"]
        == f"la caméra {CAMERA} a été retirée : elle ne peut plus être pilotée"
    )
    assert CAMERA not in onvif.running() and onvif.status(CAMERA) is None
    _until(lambda: not second.device.subscriptions)
    ends = [
        (e.user, json.loads(e.details)["reason"])
        for e in services_of(client).access_log.entries()
        if e.action == "video.ptz" and json.loads(e.details).get("phase") == "end"
    ]
    assert ends == [("operator", "changed"), ("operator", "retired")]


def test_analytics_follow_the_authorisation_and_stop_at_retirement(client: TestClient) -> None:
    admin = login(client, "admin")
    analytics = services_of(client).analytics
    camera = _camera(analytics={**ANALYTICS, "enabled": False})
    _change(client, admin, "add", {"camera": camera, "reason": "new camera"})
    assert CAMERA not in analytics.running()

    authorised = {"camera": _camera(analytics=ANALYTICS), "reason": "arrêté 2026-118"}
    _change(client, admin, "edit", authorised)
    _until(lambda: CAMERA in analytics.running())
    assert analytics.ends_at(CAMERA) is not None

    _change(client, admin, "retire", {"reason": "pole removed"})
    _until(lambda: CAMERA not in {c.camera_id for c in analytics.cameras()})
    assert CAMERA not in analytics.running()


def test_an_added_camera_may_be_exported_from_and_a_retired_one_still(client: TestClient) -> None:
    admin, supervisor = login(client, "admin"), login(client, "supervisor")
    span = {"camera_id": CAMERA, "start": "2026-11-25T10:00:00Z", "end": "2026-11-25T10:00:05Z"}
    request = {**span, "reason": "assault report", "requisition": "PV 2026/77"}
    unknown = client.post("/api/exports", json=request, headers=supervisor)
    assert unknown.status_code == 404, unknown.text
    _change(client, admin, "add", {"camera": _camera(), "reason": "new camera"})
    asked = _until(
        lambda: (
            (a := client.post("/api/exports", json=request, headers=supervisor)).status_code != 404
            and a
        )
    )
    assert asked.status_code == 202, asked.text
    _change(client, admin, "retire", {"reason": "pole removed"})
    # Its footage is kept to retention: it may still be exported until then.
    again = client.post("/api/exports", json=request, headers=supervisor)
    assert again.status_code == 202, again.text


def test_a_tile_pinned_on_a_retired_camera_is_cleared_and_the_wall_pushed(
    client: TestClient,
) -> None:
    admin, operator = login(client, "admin"), login(client, "operator")
    _change(client, admin, "add", {"camera": _camera(), "reason": "new camera"})

    def listed() -> list[dict[str, Any]]:
        cameras: list[dict[str, Any]] = client.get("/api/cameras", headers=operator).json()
        return cameras

    # Online: an operator's tile on a camera that is not is the engine's to refill.
    _until(lambda: {"id": CAMERA, "status": "online"}.items() <= _of(listed()).items())
    wall = "/api/walls/csu-main"
    pushed = client.post(
        f"{wall}/push",
        json={"x": 1, "y": 1, "kind": "camera", "camera_id": CAMERA},
        headers=operator,
    )
    assert pushed.status_code == 200, pushed.text
    pinned = client.post(f"{wall}/pin", json={"x": 1, "y": 1, "pinned": True}, headers=operator)
    assert pinned.status_code == 200, pinned.text
    before = pinned.json()
    assert CAMERA in [t["camera_id"] for t in before["layout"]["tiles"] if t["pinned"]]

    _change(client, admin, "retire", {"reason": "pole removed"})

    def cleared() -> dict[str, Any] | None:
        state: dict[str, Any] = client.get(f"{wall}/layout", headers=operator).json()
        shown = [t["camera_id"] for t in state["layout"]["tiles"]]
        return None if CAMERA in shown else state

    state = _until(cleared)
    (tile,) = [t for t in state["layout"]["tiles"] if (t["x"], t["y"]) == (1, 1)]
    assert not tile["pinned"] and tile["auto"] and tile["camera_id"] != CAMERA
    assert state["version"] > before["version"]  # stored and pushed as a new version


def test_a_tour_running_on_a_dome_ends_when_the_dome_is_retired(
    client: TestClient, domes: tuple[DeviceThread, DeviceThread]
) -> None:
    admin, sophie = login(client, "admin"), login(client, "supervisor")
    _change(client, admin, "add", {"camera": _camera(domes[0].device), "reason": "new dome"})
    _until(lambda: client.get(PTZ, headers=sophie).status_code == 200)
    stops = []
    for name, pan in (("Door", 0.5), ("Square", -0.5)):
        body = {"action": "absolute", "pan": pan, "tilt": 0.0, "zoom": 0.0}
        assert client.post(PTZ, json=body, headers=sophie).is_success
        _until(lambda: not client.get(PTZ, headers=sophie).json()["position"]["moving"])
        saved = client.post(PTZ, json={"action": "save_preset", "name": name}, headers=sophie)
        stops.append({"preset": saved.json()["saved_preset"], "dwell_s": 5})
    assert client.post(PTZ, json={"action": "release"}, headers=sophie).is_success
    assert client.put(f"{PTZ}/tour", json={"stops": stops}, headers=sophie).is_success
    started = client.post(f"{PTZ}/tour", json={"action": "start"}, headers=sophie)
    assert started.status_code == 200 and started.json()["running"], started.text

    _change(client, admin, "retire", {"reason": "pole removed"})

    def ended() -> list[dict[str, Any]]:
        details = [
            json.loads(e.details)
            for e in services_of(client).access_log.entries()
            if e.action == Action.PTZ_TOUR.value
        ]
        return [d for d in details if d.get("phase") == "end"]

    (end,) = _until(ended)
    assert end["reason"] == "retired"
    assert client.get(f"{PTZ}/tour", headers=sophie).status_code == 404
