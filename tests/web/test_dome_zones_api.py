"""A dome's privacy zones over HTTP: read with the dome's pose and their outlines on its picture,
drawn on its picture and kept on its pan/tilt map, through the whole app and the simulated dome
(filming a panorama through its lens over ONVIF)."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from csu.app import create_app
from csu.config import SiteConfig, parse_site
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.head import PtzHead
from csu.demo.dome.thread import DeviceThread
from csu.demo.dome.view import DomeVideo
from csu.settings import Settings
from privacy.zones.picture import PicturePose, map_to_picture, picture_to_map
from tests.privacy.test_zone_picture import FACADE, VIEW, panorama
from tests.web.conftest import login, seed_accounts, services_of

URL = "/api/cameras/dome/privacy-zones"
MAP_FACADE = [list(p) for p in FACADE]
DRAWN = [[0.1, 0.55], [0.4, 0.55], [0.4, 0.9], [0.1, 0.9]]  # the lower left of the picture
AT_FACADE = (0.3, 0.2, 0.0)  # a head position (ONVIF) with the façade in view


@pytest.fixture
def device() -> Iterator[DeviceThread]:
    """The simulated dome filming the test panorama, on a thread of its own."""

    def video(head: PtzHead) -> DomeVideo:
        return DomeVideo(panorama(), VIEW, head.advance, size=(640, 360), fps=8, delay_s=0.1)

    thread = DeviceThread(OnvifDevice(video=video))
    with thread:
        yield thread


@pytest.fixture
def site(device: DeviceThread) -> SiteConfig:
    """A dome whose one zone, on its map, is the façade; and a fixed camera."""
    dome = device.device
    return parse_site(
        textwrap.dedent(
            f"""
            site: {{name: Testville, timezone: Europe/Paris}}
            cameras:
              - id: dome
                name: Dome
                source: {dome.stream_url}
                fps: 8
                onvif: {{url: '{dome.url}', username: {dome.username}, password: {dome.password}}}
                ptz_view: {json.dumps(VIEW.model_dump(mode="json"))}
                privacy_zones: [{json.dumps(MAP_FACADE)}]
                recording: {{mode: "off"}}
              - id: cam-plaza
                name: Plaza
                source: demo://plaza
                recording: {{mode: "off"}}
            """
        )
    )


@pytest.fixture
def client(database_url: str, site: SiteConfig, tmp_path: Path) -> Iterator[TestClient]:
    """The app with the dome."""
    seed_accounts(database_url)
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url)
    with TestClient(create_app(settings, site)) as test_client:
        yield test_client


def _until(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def still_at(
    client: TestClient, headers: dict[str, str], position: tuple[float, float, float]
) -> dict[str, Any]:
    """The zones read once the dome is still at the head position."""

    def probe() -> dict[str, Any] | None:
        answer = client.get(URL, headers=headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        pose = body["pose"]
        pan, tilt = VIEW.pan(position[0]), VIEW.tilt(position[1])
        if pose and abs(pose["pan_deg"] - pan) < 1e-6 and abs(pose["tilt_deg"] - tilt) < 1e-6:
            return body
        return None

    found: dict[str, Any] = _until(probe)
    return found


def test_a_domes_zones_come_with_where_it_looks_and_their_outlines_there(
    client: TestClient, device: DeviceThread
) -> None:
    admin = login(client, "admin")
    head = device.device.head
    assert head is not None
    head.goto(AT_FACADE)
    body = still_at(client, admin, AT_FACADE)
    assert (body["space"], body["zones"], body["pose_unknown"]) == ("map", [MAP_FACADE], None)
    pose = body["pose"]
    assert pose["fov_deg"] == VIEW.field_of_view(0.0) and pose["aspect"] == 640 / 360
    [outline] = body["outlines"]
    expected = map_to_picture(FACADE, VIEW, PicturePose(*pose.values()))
    assert expected is not None and outline == expected.tolist()

    # Turned away from the façade: still, but the zone is out of view.
    head.goto((-0.8, 0.2, 0.0))
    assert still_at(client, admin, (-0.8, 0.2, 0.0))["outlines"] == [None]

    # Moving: no pose to draw on, and the answer says why.
    head.continuous((0.4, 0.0, 0.0), None)
    moving = _until(lambda: (b := client.get(URL, headers=admin).json())["pose"] is None and b)
    assert moving["pose_unknown"] == "the dome is moving or its position is unknown"
    assert moving["outlines"] is None and moving["zones"] == [MAP_FACADE]
    head.stop()

    fixed = client.get("/api/cameras/cam-plaza/privacy-zones", headers=admin).json()
    assert (fixed["space"], fixed["pose"], fixed["outlines"]) == ("picture", None, None)


def test_a_zone_drawn_on_the_domes_picture_is_kept_on_its_map_and_logged(
    client: TestClient, device: DeviceThread
) -> None:
    admin = login(client, "admin")
    assert device.device.head is not None
    device.device.head.goto(AT_FACADE)
    pose = still_at(client, admin, AT_FACADE)["pose"]
    body = {"zones": [MAP_FACADE], "drawn": [DRAWN], "pose": pose, "reason": "a balcony"}

    saved = client.put(URL, headers=admin, json=body)

    assert saved.status_code == 200, saved.text
    answer = saved.json()
    [drawn] = picture_to_map(DRAWN, VIEW, PicturePose(*pose.values())).zones
    assert (answer["state"], answer["space"], answer["notes"]) == ("applied", "map", [])
    assert answer["zones"] == [MAP_FACADE, drawn.tolist()]
    assert services_of(client).cameras.privacy_zones("dome") == answer["zones"]
    [entry] = [e for e in services_of(client).access_log.entries() if e.action.startswith("priv")]
    details = json.loads(entry.details)
    assert (entry.action, entry.user, entry.reason) == ("privacy.zone_edit", "admin", "a balcony")
    assert (details["before"], details["after"]) == ([MAP_FACADE], answer["zones"])
    # Read again, the new zone is outlined where it was drawn.
    outline = client.get(URL, headers=admin).json()["outlines"][1]
    xs, ys = [p[0] for p in outline], [p[1] for p in outline]
    assert abs(min(xs) - 0.1) < 0.01 and abs(max(ys) - 0.9) < 0.01

    # Deleting the façade's zone unmasks: it waits for a second person.
    kept = {"zones": [answer["zones"][1]], "reason": "the façade was demolished"}
    asked = client.put(URL, headers=admin, json=kept)
    assert asked.status_code == 202 and asked.json()["state"] == "pending"
    change = asked.json()["change"]
    assert change["space"] == "map" and change["description"].startswith(
        "2 zones now, 1 zone after the change; "
    )
    assert change["description"].endswith("of the dome's pan/tilt map would no longer be masked")
    [listed] = client.get("/api/privacy-zone-changes", headers=admin).json()
    assert listed == change
    assert services_of(client).cameras.privacy_zones("dome") == answer["zones"]


def test_drawings_the_server_cannot_place_are_refused(
    client: TestClient, device: DeviceThread
) -> None:
    admin, operator = login(client, "admin"), login(client, "operator")
    pose = {"pan_deg": 0.0, "tilt_deg": -10.0, "fov_deg": 40.0, "aspect": 16 / 9}
    body = {"zones": [], "drawn": [DRAWN], "pose": pose, "reason": "x"}
    no_pose = client.put(URL, headers=admin, json={**body, "pose": None})
    assert no_pose.status_code == 422 and "pose" in no_pose.json()["detail"]
    fixed = client.put("/api/cameras/cam-plaza/privacy-zones", headers=admin, json=body)
    assert fixed.status_code == 422
    assert "'cam-plaza' is fixed" in fixed.json()["detail"]
    behind = client.put(URL, headers=admin, json={**body, "pose": {**pose, "pan_deg": 170.0}})
    assert behind.status_code == 422
    assert "wholly beyond the dome's pan and tilt range" in behind.json()["detail"]
    wide = client.put(URL, headers=admin, json={**body, "pose": {**pose, "fov_deg": 180.0}})
    assert wide.status_code == 422
    assert client.put(URL, headers=operator, json=body).status_code == 403
    assert services_of(client).cameras.privacy_zones("dome") == [MAP_FACADE]
