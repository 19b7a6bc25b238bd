"""Tours on wall tiles over HTTP: setting one, reading it back per reader, refusals, live video."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from csu.config import SiteConfig, parse_site
from tests.web.conftest import login
from tests.web.test_admin_cameras_api import URL
from tests.web.test_walls import WALL_SITE, wait_layout
from tests.web.test_walls_crisis import _offer

TOUR_SITE = WALL_SITE + (
    "groups:\n"
    "  - {id: both, name: Les deux, cameras: [cam-street, cam-plaza]}\n"
    "tours:\n"
    "  - {id: ronde, name: Centre-ville, dwell_s: 2, steps: [{group: both}]}\n"
    "  - {id: place, name: Place, dwell_s: 5, steps: [{camera: cam-plaza}]}\n"
)
WHOLE_WALL_TOUR = {"tiles": [{"x": 0, "y": 0, "w": 2, "h": 2, "kind": "tour", "tour_id": "place"}]}


@pytest.fixture
def site() -> SiteConfig:
    """The wall test site with a group of both cameras and two tours."""
    return parse_site(TOUR_SITE)


def test_a_tour_put_on_a_tile_reads_back_with_its_cameras(client: TestClient) -> None:
    """The tile keeps the tour and its start; each reader gets only the cameras they may see."""
    operator = login(client, "operator")
    pushed = client.post(
        "/api/walls/csu-main/push",
        json={"x": 1, "y": 1, "kind": "tour", "tour_id": "ronde"},
        headers=operator,
    )
    assert pushed.status_code == 200, pushed.text
    tile = pushed.json()["layout"]["tiles"][3]
    assert (tile["kind"], tile["tour_id"], tile["pinned"]) == ("tour", "ronde", False)
    started = datetime.fromisoformat(tile["tour_started_at"])
    assert pushed.json()["tours"] == {
        "ronde": {"name": "Centre-ville", "dwell_s": 2, "cameras": ["cam-street", "cam-plaza"]}
    }
    # Pushed again, the tour runs on from where it was: every display stays in step.
    again = client.post(
        "/api/walls/csu-main/push",
        json={"x": 1, "y": 1, "kind": "tour", "tour_id": "ronde"},
        headers=operator,
    )
    assert datetime.fromisoformat(again.json()["layout"]["tiles"][3]["tour_started_at"]) == started

    street_only = client.get("/api/walls/csu-main/layout", headers=login(client, "street-only"))
    assert street_only.json()["tours"]["ronde"]["cameras"] == ["cam-street"]
    # A tour with none of the reader's cameras is restricted to them, and not described.
    client.post(
        "/api/walls/csu-main/push",
        json={"x": 0, "y": 1, "kind": "tour", "tour_id": "place"},
        headers=operator,
    )
    seen = client.get("/api/walls/csu-main/layout", headers=login(client, "street-only")).json()
    assert [t["kind"] for t in seen["layout"]["tiles"]][2:] == ["restricted", "tour"]
    assert sorted(seen["tours"]) == ["ronde"]


def test_an_unknown_tour_or_one_out_of_reach_is_refused(client: TestClient) -> None:
    """An unknown tour is bad input naming it; a tour of cameras one may not view, a right."""
    unknown = client.post(
        "/api/walls/csu-main/push",
        json={"x": 0, "y": 0, "kind": "tour", "tour_id": "nope"},
        headers=login(client, "operator"),
    )
    assert unknown.status_code == 422, unknown.text
    assert "'nope'" in unknown.json()["detail"]
    forbidden = client.post(
        "/api/walls/csu-main/push",
        json={"x": 0, "y": 0, "kind": "tour", "tour_id": "place"},
        headers=login(client, "street-only"),
    )
    assert forbidden.status_code == 403, forbidden.text
    assert "'place'" in forbidden.json()["detail"]
    camera_tour = client.put(
        "/api/walls/csu-main/layout",
        json={"tiles": [{"x": 0, "y": 0, "kind": "map", "tour_id": "ronde"}]},
        headers=login(client, "operator"),
    )
    assert camera_tour.status_code == 422, camera_tour.text
    # A start without its time zone could be read two ways by the displays: refused.
    naive = {
        "x": 0,
        "y": 0,
        "kind": "tour",
        "tour_id": "ronde",
        "tour_started_at": "2026-12-07T08:00:00",
    }
    refused = client.put(
        "/api/walls/csu-main/layout", json={"tiles": [naive]}, headers=login(client, "operator")
    )
    assert refused.status_code == 422, refused.text


def test_the_walls_video_admits_a_camera_of_its_tours_and_no_other(client: TestClient) -> None:
    """A whole-wall tour of the plaza: its camera plays through the wall, the street's does not,
    nor does the plaza's for a reader who may not see it."""
    operator = login(client, "operator")
    put = client.put("/api/walls/csu-main/layout", json=WHOLE_WALL_TOUR, headers=operator)
    assert put.status_code == 200, put.text
    assert [t["kind"] for t in put.json()["layout"]["tiles"]] == ["tour"]
    offer = asyncio.run(_offer())
    sdp = operator | {"Content-Type": "application/sdp"}
    plaza = client.post("/api/walls/csu-main/cameras/cam-plaza/whep", content=offer, headers=sdp)
    assert plaza.status_code == 201, plaza.text
    assert plaza.headers["location"].startswith("/api/cameras/cam-plaza/whep/")
    assert client.delete(plaza.headers["location"], headers=operator).status_code == 204
    street = client.post("/api/walls/csu-main/cameras/cam-street/whep", content=offer, headers=sdp)
    assert street.status_code == 409, street.text
    other = login(client, "street-only") | {"Content-Type": "application/sdp"}
    hidden = client.post("/api/walls/csu-main/cameras/cam-plaza/whep", content=offer, headers=other)
    assert hidden.status_code == 409, hidden.text


def test_a_camera_retired_leaves_the_tours_on_the_wall(client: TestClient) -> None:
    """An administrator retires the plaza camera: the tour on the wall goes on without it."""
    operator, admin = login(client, "operator"), login(client, "admin")
    pushed = client.post(
        "/api/walls/csu-main/push",
        json={"x": 0, "y": 0, "kind": "tour", "tour_id": "ronde"},
        headers=operator,
    )
    assert pushed.json()["tours"]["ronde"]["cameras"] == ["cam-street", "cam-plaza"]
    retired = client.post(
        f"{URL}/cam-plaza/retire", headers=admin, json={"reason": "mast taken down"}
    )
    assert retired.status_code == 200, retired.text
    state = wait_layout(
        client, operator, "csu-main", lambda s: s["tours"]["ronde"]["cameras"] == ["cam-street"]
    )
    assert state["layout"]["tiles"][0]["tour_id"] == "ronde"
