"""A dome's preset tour in the whole app: a supervisor defines, starts and stops it, an operator
sees it run and takes the camera from it, every field is bounded (a 422 naming it), and any
body is answered without a server error."""

from __future__ import annotations

import json
import time
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csu.demo.dome.thread import DeviceThread
from tests.web.conftest import login, services_of
from tests.web.test_ptz_api import CAMERA, _until
from tests.web.test_ptz_api import client as client
from tests.web.test_ptz_api import device as device
from tests.web.test_ptz_api import site as site

PTZ = f"/api/cameras/{CAMERA}/ptz"
TOUR = f"{PTZ}/tour"


def _presets(client: TestClient, headers: dict[str, str]) -> list[str]:
    """Two presets saved through the API, as a supervisor does: the dome's door and square."""
    tokens = []
    for name, (pan, tilt) in (("Door", (0.5, 0.2)), ("Square", (-0.5, -0.3))):
        body = {"action": "absolute", "pan": pan, "tilt": tilt, "zoom": 0.0}
        assert client.post(PTZ, json=body, headers=headers).is_success
        _until(lambda: not client.get(PTZ, headers=headers).json()["position"]["moving"])
        saved = client.post(PTZ, json={"action": "save_preset", "name": name}, headers=headers)
        assert saved.status_code == 200, saved.text
        tokens.append(saved.json()["saved_preset"])
    assert client.post(PTZ, json={"action": "release"}, headers=headers).is_success
    return tokens


def _plan(*tokens: str, dwell_s: int = 5) -> dict[str, Any]:
    return {"stops": [{"preset": t, "dwell_s": dwell_s} for t in tokens]}


def test_a_supervisor_runs_a_tour_and_an_operator_takes_the_camera_from_it(
    client: TestClient, device: DeviceThread
) -> None:
    sophie, anne = login(client, "supervisor"), login(client, "operator")
    door, square = _presets(client, sophie)
    empty = client.get(TOUR, headers=anne).json()
    assert empty["stops"] == [] and not empty["running"]
    assert client.post(TOUR, json={"action": "start"}, headers=sophie).status_code == 409

    defined = client.put(TOUR, json=_plan(door, square), headers=sophie)
    assert defined.status_code == 200, defined.text
    assert defined.json()["updated_by"] == "supervisor"
    started = client.post(TOUR, json={"action": "start"}, headers=sophie).json()
    assert started["running"] and started["started_by"] == "supervisor"

    def at_door() -> bool:
        position = client.get(PTZ, headers=anne).json()["position"]
        return abs(position["pan"] - 0.5) < 1e-6 and abs(position["tilt"] - 0.2) < 1e-6

    _until(at_door)
    seen = client.get(TOUR, headers=anne).json()
    assert seen["running"] and seen["stop"] == 0 and seen["held_by"] is None

    # The operator's first command takes the camera; the tour waits and says for whom.
    taken = client.post(PTZ, json={"action": "move", "pan": -0.5}, headers=anne)
    assert taken.status_code == 200 and taken.json()["holder"]["username"] == "operator"
    waiting = client.get(TOUR, headers=anne).json()
    assert waiting["held_by"] == "operator" and waiting["next_at"] is None
    time.sleep(1.5)  # the tour looks twice a second: it notes the interruption
    assert client.post(PTZ, json={"action": "stop"}, headers=anne).is_success
    stopped = client.post(TOUR, json={"action": "stop"}, headers=sophie).json()
    assert not stopped["running"] and stopped["stops"][1]["preset"] == square

    entries = [
        (e.user, e.outcome, json.loads(e.details))
        for e in services_of(client).access_log.entries()
        if e.action == "video.ptz_tour"
    ]
    assert [(u, d["phase"]) for u, _o, d in entries] == [
        ("supervisor", "define"),
        ("supervisor", "start"),
        ("supervisor", "end"),
    ]
    assert entries[2][2]["interruptions"] == 1 and entries[2][2]["by"] == "supervisor"


def test_rights_on_tours(client: TestClient) -> None:
    anne, crisis = login(client, "operator"), login(client, "crisis")
    assert client.get(TOUR, headers=anne).status_code == 200
    for method, body in (("PUT", _plan("a", "b")), ("POST", {"action": "start"}), ("DELETE", None)):
        refused = client.request(method, TOUR, json=body, headers=anne)
        assert refused.status_code == 403 and "ptz-tour" in refused.json()["detail"], refused.text
    assert client.get(TOUR, headers=crisis).status_code == 403
    sophie = login(client, "supervisor")
    plaza = client.get("/api/cameras/cam-plaza/ptz/tour", headers=sophie)
    assert plaza.status_code == 409 and "has no PTZ" in plaza.json()["detail"]
    assert client.get("/api/cameras/nowhere/ptz/tour", headers=sophie).status_code == 404
    cameras = {c["id"]: c["ptz"] for c in client.get("/api/cameras", headers=anne).json()}
    assert cameras == {CAMERA: True, "cam-plaza": False}


BAD_PLANS: list[tuple[Any, str]] = [
    (_plan("a", "b", dwell_s=4), "stops.0.dwell_s"),
    (_plan("a", "b", dwell_s=3601), "stops.0.dwell_s"),
    ({"stops": [{"preset": "a", "dwell_s": "ten"}, {"preset": "b", "dwell_s": 5}]}, "dwell_s"),
    (_plan("a"), "stops"),
    (_plan(*[f"p{i}" for i in range(33)]), "stops"),
    ({"stops": [{"preset": "../a", "dwell_s": 5}, {"preset": "b", "dwell_s": 5}]}, "preset"),
    ({"stops": [{"preset": "a", "dwell_s": 5}] * 2, "name": "x"}, "name"),
    ({}, "stops"),
    (_plan("nope", "nada"), "stops.0.preset: camera 'cam-street' has no preset 'nope'"),
]


def test_a_tour_out_of_bounds_is_refused_by_name(client: TestClient) -> None:
    headers = login(client, "supervisor")
    for body, names in BAD_PLANS:
        response = client.put(TOUR, json=body, headers=headers)
        assert response.status_code == 422 and names in response.json()["detail"], response.text
    response = client.post(TOUR, json={"action": "pause"}, headers=headers)
    assert response.status_code == 422 and "action" in response.json()["detail"]


_ANY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
_STOP = st.one_of(
    st.fixed_dictionaries({"preset": st.one_of(st.text(max_size=70), _ANY), "dwell_s": _ANY}),
    st.dictionaries(st.sampled_from(["preset", "dwell_s", "x"]), _ANY),
    _ANY,
)
_BODIES = st.one_of(
    st.fixed_dictionaries({"stops": st.lists(_STOP, max_size=40)}),
    st.dictionaries(st.sampled_from(["stops", "action", "x"]), _ANY),
    st.fixed_dictionaries({"action": st.one_of(st.sampled_from(["start", "stop"]), _ANY)}),
    _ANY,
)


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=_BODIES,
    method=st.sampled_from(["PUT", "POST"]),
    who=st.sampled_from(["operator", "supervisor", "crisis"]),
)
def test_any_tour_body_is_answered_without_a_server_error(
    client: TestClient, body: Any, method: str, who: str
) -> None:
    response = client.request(method, TOUR, json=body, headers=_headers(client, who))
    assert response.status_code in {200, 403, 409, 422}, response.text
    assert response.status_code == 200 or response.json()["detail"]


_LOGINS: dict[tuple[int, str], dict[str, str]] = {}


def _headers(client: TestClient, who: str) -> dict[str, str]:
    key = (id(client), who)
    if key not in _LOGINS:
        _LOGINS[key] = login(client, who)
    return _LOGINS[key]
