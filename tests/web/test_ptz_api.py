"""PTZ control in the whole app against the test dome, through the real ONVIF client: two
operators contend for one camera (the lock, its lapse, a supervisor's take-over, a refusal for
a role without `video.ptz`), the one who loses it is told on the bus, every move session is in
the access log, and the dome moves as commanded."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csu.app import create_app
from csu.config import SiteConfig, parse_site
from csu.demo.dome.device import MOTION, OnvifDevice
from csu.demo.dome.thread import DeviceThread
from csu.settings import Settings
from tests.web.conftest import SITE, login, seed_accounts, services_of
from tests.web.test_events_ws import _receive_until
from video.ptz.events import PtzControlEnded

CAMERA = "cam-street"
LOCK_S = 2.0


@pytest.fixture
def device() -> Iterator[DeviceThread]:
    """The test dome, served from a thread of its own (the app runs on another loop)."""
    thread = DeviceThread(OnvifDevice())
    with thread:
        yield thread


@pytest.fixture
def site(device: DeviceThread) -> SiteConfig:
    """The test site whose street camera is the dome."""
    dome = device.device
    onvif = (
        f"    onvif: {{url: '{dome.url}', username: {dome.username}, password: {dome.password}}}\n"
    )
    anchor = "    name: Street\n"
    return parse_site(SITE.replace(anchor, anchor + onvif))


@pytest.fixture
def client(database_url: str, site: SiteConfig, tmp_path: Path) -> Iterator[TestClient]:
    """The app with a short PTZ lock."""
    seed_accounts(database_url)
    settings = Settings(
        data_dir=tmp_path / "var", database_url=database_url, ptz_lock_seconds=LOCK_S
    )
    with TestClient(create_app(settings, site)) as test_client:
        yield test_client


def _until(probe: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return found


def _ended(client: TestClient) -> list[PtzControlEnded]:
    received: list[PtzControlEnded] = []
    bus = services_of(client).bus
    assert client.portal is not None
    client.portal.call(lambda: bus.subscribe(PtzControlEnded, received.append))
    return received


def _ptz_log(client: TestClient) -> list[tuple[str, str | None, str, dict[str, Any]]]:
    entries = services_of(client).access_log.entries()
    return [
        (e.action, e.user, e.outcome, json.loads(e.details))
        for e in entries
        if e.action.startswith("video.ptz")
    ]


def test_two_operators_contend_and_a_supervisor_takes_over(
    client: TestClient, device: DeviceThread
) -> None:
    url = f"/api/cameras/{CAMERA}/ptz"
    anne, bruno = login(client, "operator"), login(client, "street-only")
    sophie, crisis = login(client, "supervisor"), login(client, "crisis")
    told = _ended(client)

    state = client.get(url, headers=anne).json()
    assert state["capabilities"]["continuous"] and state["capabilities"]["absolute"]
    assert state["holder"] is None and state["presets"] == [] and state["lock_s"] == LOCK_S
    assert state["position"]["pan"] == 0.0 and not state["position"]["moving"]

    started = time.monotonic()
    moved = client.post(url, json={"action": "move", "pan": 0.5, "tilt": 0.2}, headers=anne)
    assert moved.status_code == 200, moved.text
    assert moved.json()["holder"]["username"] == "operator"
    position = _until(
        lambda: (p := client.get(url, headers=anne).json()["position"])["pan"] > 0.1 and p
    )
    head = device.device.head
    assert head is not None
    latency = head.moves[0][0] - started  # the same clock: the dome runs in this process
    assert position["moving"] and position["tilt"] > 0

    busy = client.post(url, json={"action": "move", "pan": -1}, headers=bruno)
    assert busy.status_code == 409 and "controlled by operator" in busy.json()["detail"]
    assert client.post(url, json={"action": "stop"}, headers=crisis).status_code == 403
    assert client.get(url, headers=crisis).status_code == 403
    refused = client.post(url, json={"action": "save_preset", "name": "x"}, headers=anne)
    assert refused.status_code == 403 and "ptz-preset-save" in refused.json()["detail"]

    # A supervisor outranks an operator: the camera is hers, and the operator is told.
    saved = client.post(url, json={"action": "save_preset", "name": "Façade"}, headers=sophie)
    assert saved.status_code == 200, saved.text
    token = saved.json()["saved_preset"]
    assert saved.json()["holder"]["username"] == "supervisor"
    lost = _until(lambda: [e for e in told if e.username == "operator"])
    assert (lost[0].reason, lost[0].by) == ("taken_over", "supervisor")
    assert client.post(url, json={"action": "stop"}, headers=anne).status_code == 409
    assert client.post(url, json={"action": "home"}, headers=sophie).status_code == 200
    _until(lambda: client.get(url, headers=sophie).json()["position"]["pan"] == 0.0)
    assert client.post(url, json={"action": "preset", "preset": token}, headers=sophie).is_success
    _until(lambda: not client.get(url, headers=sophie).json()["position"]["moving"])
    assert head.position[0] > 0.1
    assert client.post(url, json={"action": "release"}, headers=sophie).json()["holder"] is None

    # Once released anyone may take it; a lock left alone lapses and the camera is free again.
    assert client.post(url, json={"action": "move", "zoom": 0.3}, headers=bruno).is_success
    assert client.post(url, json={"action": "stop"}, headers=anne).status_code == 409
    _until(lambda: [e for e in told if e.username == "street-only"], timeout=LOCK_S + 10)
    # The lapsed lock stopped the zoom the holder left running (its own timeout was 10 s).
    _until(lambda: not client.get(url, headers=anne).json()["position"]["moving"], timeout=5)
    assert client.post(url, json={"action": "stop"}, headers=anne).is_success

    log = _ptz_log(client)
    ends = [
        (u, d["reason"], d["by"], d["presets"]) for a, u, o, d in log if d.get("phase") == "end"
    ]
    assert ends == [
        ("operator", "taken_over", "supervisor", []),
        ("supervisor", "released", None, [token, token]),
        ("street-only", "expired", None, []),
    ]
    starts = [u for a, u, o, d in log if d.get("phase") == "start" and o == "granted"]
    assert starts == ["operator", "supervisor", "street-only", "operator"]
    assert ("video.ptz", "crisis", "denied") in {(a, u, o) for a, u, o, _ in log}
    assert ("video.ptz_preset_save", "supervisor", "granted") in {(a, u, o) for a, u, o, _ in log}
    assert ("video.ptz_preset_save", "operator", "denied") in {(a, u, o) for a, u, o, _ in log}
    print(f"PTZ POST (a session's first) to the dome's head moving: {latency * 1000:.1f} ms")


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        ({"action": "move", "pan": 1.5}, 422, "pan"),
        ({"action": "move", "zoom": "nan"}, 422, "zoom"),
        ({"action": "absolute", "pan": 0, "tilt": 0, "zoom": -0.1}, 422, "zoom"),
        ({"action": "dance"}, 422, "action"),
        ({"action": "move", "pan": 0.1, "speed": 3}, 422, "speed"),
        ({"action": "preset", "preset": "nope"}, 422, "no preset 'nope'"),
        ({"action": "preset", "preset": "../x"}, 422, "preset"),
    ],
)
def test_bad_commands_are_refused_by_name(
    client: TestClient, body: dict[str, Any], status: int, names: str
) -> None:
    response = client.post(
        f"/api/cameras/{CAMERA}/ptz", json=body, headers=login(client, "operator")
    )
    assert response.status_code == status and names in response.json()["detail"], response.text


def test_a_camera_without_ptz_and_an_unknown_camera(client: TestClient) -> None:
    headers = login(client, "operator")
    fixed = client.post("/api/cameras/cam-plaza/ptz", json={"action": "stop"}, headers=headers)
    assert fixed.status_code == 409 and "has no PTZ" in fixed.json()["detail"]
    assert client.get("/api/cameras/cam-plaza/ptz", headers=headers).status_code == 409
    assert client.get("/api/cameras/nowhere/ptz", headers=headers).status_code == 404
    street_only = login(client, "street-only")
    assert client.get("/api/cameras/cam-plaza/ptz", headers=street_only).status_code == 403


def test_an_incidents_assignee_takes_over_from_an_operator(
    client: TestClient, device: DeviceThread
) -> None:
    url = f"/api/cameras/{CAMERA}/ptz"
    anne, bruno = login(client, "operator"), login(client, "street-only")
    device.raise_event(MOTION)  # the dome's motion opens an incident on it

    def incident() -> int | None:
        alarms = client.get("/api/alarms", params={"source": CAMERA}, headers=anne).json()
        return next((a["alarm"]["incident_id"] for a in alarms["items"]), None)

    incident_id = _until(incident)
    assert client.post(url, json={"action": "move", "pan": 0.2}, headers=anne).is_success
    assert client.post(url, json={"action": "stop"}, headers=bruno).status_code == 409
    assign = {"action": "assign", "assignee": "street-only"}
    answer = client.post(f"/api/incidents/{incident_id}/actions", json=assign, headers=anne)
    assert answer.status_code == 200, answer.text
    taken = client.post(url, json={"action": "stop"}, headers=bruno)
    assert taken.status_code == 200 and taken.json()["holder"]["username"] == "street-only"
    # Equal roles: the one without the incident cannot take it back.
    assert client.post(url, json={"action": "move", "pan": 0.2}, headers=anne).status_code == 409


def test_the_operator_who_loses_the_camera_is_told_on_the_console_socket(
    client: TestClient,
) -> None:
    url = f"/api/cameras/{CAMERA}/ptz"
    anne, sophie = login(client, "operator"), login(client, "supervisor")
    assert client.post(url, json={"action": "move", "tilt": -0.3}, headers=anne).is_success
    with client.websocket_connect("/api/events", headers=anne) as ws:
        assert client.post(url, json={"action": "stop"}, headers=sophie).is_success
        got = _receive_until(ws, lambda m: m["type"] == "ptz")
    told = next(m for m in got if m["type"] == "ptz")
    assert told == {
        "type": "ptz",
        "camera_id": CAMERA,
        "username": "operator",
        "reason": "taken_over",
        "by": "supervisor",
    }


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),  # what JSON can carry
    st.text(max_size=80),
    st.lists(st.integers(), max_size=3),
)
_ACTIONS = st.sampled_from(
    ["move", "stop", "absolute", "relative", "preset", "home", "save_preset", "release", "x"]
)
_FIELDS = st.sampled_from(["pan", "tilt", "zoom", "timeout_s", "preset", "name", "speed"])
_BODIES = st.one_of(
    st.builds(lambda a, extra: {"action": a} | extra, _ACTIONS, st.dictionaries(_FIELDS, _ANY)),
    _ANY,
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=_BODIES, who=st.sampled_from(["operator", "supervisor", "crisis", "admin"]))
def test_any_body_is_answered_without_a_server_error(
    client: TestClient, body: Any, who: str
) -> None:
    headers = _headers(client, who)
    response = client.post(f"/api/cameras/{CAMERA}/ptz", json=body, headers=headers)
    assert response.status_code in {200, 403, 409, 422}, response.text
    assert response.status_code == 200 or response.json()["detail"]


_LOGINS: dict[tuple[int, str], dict[str, str]] = {}


def _headers(client: TestClient, who: str) -> dict[str, str]:
    key = (id(client), who)
    if key not in _LOGINS:
        _LOGINS[key] = login(client, who)
    return _LOGINS[key]
