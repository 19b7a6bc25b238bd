"""Walls over HTTP: listing, layouts, refusals, operator commands, salvos, persistence."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig, parse_site
from csu.settings import Settings
from tests.web.conftest import SITE, login, seed_accounts

WALL_SITE = SITE + "  - {id: crisis-room, name: Crisis room, grid: [3, 2], rendition: anonymised}\n"


def wait_layout(
    client: TestClient,
    headers: dict[str, str],
    wall: str,
    predicate: Callable[[dict[str, Any]], bool],
    timeout: float = 20.0,
) -> dict[str, Any]:
    """Poll the wall's layout until the predicate holds; the last state otherwise (failing)."""
    deadline = time.monotonic() + timeout
    while True:
        state: dict[str, Any] = client.get(f"/api/walls/{wall}/layout", headers=headers).json()
        if predicate(state) or time.monotonic() > deadline:
            assert predicate(state), state
            return state
        time.sleep(0.1)


def cameras_of(state: dict[str, Any]) -> list[str]:
    """Cameras a wall state shows, in tile order."""
    return [t["camera_id"] for t in state["layout"]["tiles"] if t["kind"] == "camera"]


def receive_until(
    ws: Any, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0
) -> list[dict[str, Any]]:
    """Messages until one satisfies the predicate (a reader thread keeps the deadline)."""
    got: list[dict[str, Any]] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            message = json.loads(ws.receive_text())
            got.append(message)
            if predicate(message):
                done.set()

    threading.Thread(target=read, daemon=True).start()
    assert done.wait(timeout), f"no matching message in {timeout} s; got {got[-3:]}"
    return got


@pytest.fixture
def site() -> SiteConfig:
    """The test site with a crisis-room wall beside the main wall."""
    return parse_site(WALL_SITE)


def wall_is_filled(state: dict[str, Any]) -> bool:
    """Both test cameras are up on the wall (they take a moment to come online)."""
    return sorted(cameras_of(state)) == ["cam-plaza", "cam-street"]


def test_walls_are_listed_for_those_with_the_right(client: TestClient) -> None:
    """Operators and the crisis cell see the walls; the privacy officer does not."""
    walls = client.get("/api/walls", headers=login(client, "crisis"))
    assert walls.status_code == 200, walls.text
    assert [(w["id"], w["grid"], w["rendition"]) for w in walls.json()] == [
        ("csu-main", [2, 2], "zones"),
        ("crisis-room", [3, 2], "anonymised"),
    ]
    refused = client.get("/api/walls", headers=login(client, "privacy_officer"))
    assert refused.status_code == 403 and "wall-read" in refused.json()["detail"]
    assert "1+5" in client.get("/api/walls/templates", headers=login(client, "operator")).json()


def test_a_quiet_wall_shows_the_online_cameras(client: TestClient) -> None:
    """With no incident, free tiles show the site's online cameras; the rest stay empty."""
    headers = login(client, "operator")
    state = wait_layout(client, headers, "csu-main", wall_is_filled)
    assert state["version"] >= 1 and state["mode"] == "auto"
    kinds = sorted(t["kind"] for t in state["layout"]["tiles"])
    assert kinds == ["camera", "camera", "empty", "empty"]
    assert client.get("/api/walls/nowhere/layout", headers=headers).status_code == 404


BAD_LAYOUTS = [
    (
        [{"x": 0, "y": 0, "kind": "camera", "camera_id": "cam-ghost"}],
        422,
        "tile 0 at (0,0): unknown camera 'cam-ghost'",
    ),
    (
        [{"x": 1, "y": 1, "w": 2, "kind": "map"}],
        422,
        "tile 0 at (1,1): a 2x1 tile there lies outside",
    ),
    (
        [{"x": 0, "y": 0, "w": 2, "kind": "map"}, {"x": 1, "y": 0, "kind": "alarms"}],
        422,
        "tile 1 at (1,0): overlaps tile 0",
    ),
    (
        [{"x": 0, "y": 0, "kind": "camera", "camera_id": "cam-plaza"}],
        403,
        "tile 0 at (0,0): you may not view camera 'cam-plaza'",
    ),
]


@pytest.mark.parametrize(("tiles", "code", "detail"), BAD_LAYOUTS)
def test_bad_layouts_are_refused_and_the_wall_keeps_its_layout(
    client: TestClient, tiles: list[dict[str, Any]], code: int, detail: str
) -> None:
    """Unknown camera, outside the grid, overlap: 422; a camera the user may not view: 403."""
    headers, everything = login(client, "street-only"), login(client, "operator")
    before = wait_layout(client, everything, "csu-main", wall_is_filled)
    answer = client.put("/api/walls/csu-main/layout", json={"tiles": tiles}, headers=headers)
    assert answer.status_code == code, answer.text
    assert detail in answer.json()["detail"]
    after = client.get("/api/walls/csu-main/layout", headers=everything).json()
    assert after["version"] == before["version"] and after["layout"] == before["layout"]


def test_a_page_reads_a_layout_refusal_in_french(client: TestClient) -> None:
    """Each problem in the page's language, tile by tile (the page capitalises a refusal shown
    alone); an unknown wall or salvo too."""
    headers = {**login(client, "street-only"), "Accept-Language": "fr"}
    tiles = [
        {"x": 0, "y": 0, "kind": "camera", "camera_id": "cam-plaza"},
        {"x": 1, "y": 1, "w": 2, "kind": "map"},
        {"x": 0, "y": 1, "kind": "tour", "tour_id": "nope"},
    ]
    answer = client.put("/api/walls/csu-main/layout", json={"tiles": tiles}, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"] == (
        "mise en page refusée : "
        "tuile 0 en (0,0) : vous n'avez pas le droit de voir la caméra « cam-plaza » ; "
        "tuile 1 en (1,1) : une tuile 2x1 placée là dépasse de la grille 2x2 ; "
        "tuile 2 en (0,1) : séquence inconnue « nope »"
    )
    gone = client.post("/api/walls/csu-main/salvos/nope/recall", headers=headers)
    assert gone.status_code == 404
    assert gone.json()["detail"] == "aucun rappel « nope » sur le mur « csu-main »"
    nowhere = client.get("/api/walls/nowhere/layout", headers=headers)
    assert nowhere.json()["detail"] == "aucun mur « nowhere »"


def test_the_crisis_cell_does_not_drive_walls(client: TestClient) -> None:
    """Changing a layout needs the wall-control right."""
    answer = client.put(
        "/api/walls/csu-main/layout", json={"template": "1"}, headers=login(client, "crisis")
    )
    assert answer.status_code == 403 and "wall-control" in answer.json()["detail"]


def test_layout_push_pin_and_template(client: TestClient) -> None:
    """An operator's layout is kept, free tiles are filled, pushes land, pins hold."""
    headers = login(client, "operator")
    wait_layout(client, headers, "csu-main", wall_is_filled)
    body = {
        "tiles": [
            {"x": 0, "y": 0, "kind": "text", "text": "Marathon today", "pinned": True},
            {"x": 1, "y": 0, "kind": "camera", "camera_id": "cam-plaza"},
            {"x": 0, "y": 1, "w": 2, "kind": "alarms"},
        ]
    }
    put = client.put("/api/walls/csu-main/layout", json=body, headers=headers)
    assert put.status_code == 200, put.text
    tiles = put.json()["layout"]["tiles"]
    assert [(t["kind"], t["pinned"], t["auto"]) for t in tiles] == [
        ("text", True, False),
        ("camera", False, False),
        ("alarms", False, False),
    ]
    pushed = client.post(
        "/api/walls/csu-main/push",
        json={"x": 1, "y": 1, "camera_id": "cam-street"},
        headers=headers,
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["layout"]["tiles"][2]["camera_id"] == "cam-street"
    assert pushed.json()["version"] == put.json()["version"] + 1
    pin = client.post("/api/walls/csu-main/pin", json={"x": 0, "y": 1}, headers=headers)
    assert pin.json()["layout"]["tiles"][2]["pinned"] is True
    outside = client.post("/api/walls/csu-main/pin", json={"x": 3, "y": 0}, headers=headers)
    assert outside.status_code == 422 and "cell (3,0)" in outside.json()["detail"]
    template = client.put("/api/walls/csu-main/layout", json={"template": "1+5"}, headers=headers)
    assert template.status_code == 200, template.text
    assert template.json()["layout"]["template"] == "1+5"
    assert len(template.json()["layout"]["tiles"]) == 6


def test_salvos_save_recall_and_delete(client: TestClient) -> None:
    """A saved layout comes back in one action, after the wall changed."""
    headers = login(client, "operator")
    wait_layout(client, headers, "csu-main", wall_is_filled)
    client.put(
        "/api/walls/csu-main/layout",
        json={"tiles": [{"x": 0, "y": 0, "w": 2, "h": 2, "kind": "map", "pinned": True}]},
        headers=headers,
    )
    saved = client.post("/api/walls/csu-main/salvos", json={"name": "map only"}, headers=headers)
    assert saved.status_code == 201, saved.text
    client.put("/api/walls/csu-main/layout", json={"template": "2x2"}, headers=headers)
    listed = client.get("/api/walls/csu-main/salvos", headers=headers).json()
    assert [s["name"] for s in listed] == ["map only"]
    recalled = client.post("/api/walls/csu-main/salvos/map only/recall", headers=headers)
    assert recalled.status_code == 200, recalled.text
    assert [t["kind"] for t in recalled.json()["layout"]["tiles"]] == ["map"]
    assert client.delete("/api/walls/csu-main/salvos/map only", headers=headers).status_code == 204
    missing = client.post("/api/walls/csu-main/salvos/map only/recall", headers=headers)
    assert missing.status_code == 404 and "map only" in missing.json()["detail"]


def test_layouts_and_salvos_survive_a_restart(
    database_url: str, site: SiteConfig, tmp_path: Path
) -> None:
    """The wall comes back at the same version with the same tiles, its salvos with it."""
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    body = {"tiles": [{"x": 0, "y": 0, "kind": "text", "text": "kept", "pinned": True}]}
    with TestClient(create_app(settings, site)) as first:
        headers = login(first, "operator")
        put = first.put("/api/walls/csu-main/layout", json=body, headers=headers).json()
        first.post("/api/walls/csu-main/salvos", json={"name": "kept"}, headers=headers)
    with TestClient(create_app(settings, site)) as second:
        headers = login(second, "operator")
        state = second.get("/api/walls/csu-main/layout", headers=headers).json()
        assert state["version"] >= put["version"]
        assert state["layout"]["tiles"][0] == put["layout"]["tiles"][0]
        names = [
            s["name"] for s in second.get("/api/walls/csu-main/salvos", headers=headers).json()
        ]
        assert names == ["kept"]
