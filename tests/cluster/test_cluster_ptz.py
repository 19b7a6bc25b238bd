"""PTZ in a cluster: API nodes forward each request to the worker that owns the dome, which moves
it, arbitrates and logs; a killed worker's dome is served again by its new owner, which ends
and announces the session the dead worker left open."""

from __future__ import annotations

import asyncio
import json
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as ws_connect

from csu.cluster.tickets import issue
from csu.db import Database
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.thread import DeviceThread
from csu.identity.service import token_digest
from privacy.access_log import AccessLog
from tests.cluster.processes import Cluster, cluster
from tests.cluster.test_cluster_video import _ticket_key
from tests.conftest import empty_database
from tests.nats_server import NatsServer
from tests.web.conftest import PASSWORD, seed_accounts

pytestmark = pytest.mark.slow

DOME = "cam-street"  # the camera `street-only` is authorised on


@pytest.fixture
def device() -> Iterator[DeviceThread]:
    """The test dome, served from a thread of the test process."""
    thread = DeviceThread(OnvifDevice())
    with thread:
        yield thread


@pytest.fixture
def nodes(
    tmp_path: Path, nats_server: NatsServer, device: DeviceThread, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cluster]:
    """The cluster's shared parts; the test starts its nodes."""
    monkeypatch.setenv("CSU_TEST_ONVIF_PASSWORD", device.device.password)
    site = textwrap.dedent(
        f"""
        site: {{name: Testville, timezone: Europe/Paris}}
        cameras:
          - id: {DOME}
            name: Dome
            source: demo://street
            fps: 5
            recording: {{mode: "off"}}
            onvif: {{url: "{device.device.url}", username: csu,
                     password_env: CSU_TEST_ONVIF_PASSWORD}}
          - {{id: cam-plaza, name: Plaza, source: "demo://plaza", fps: 5,
              recording: {{mode: "off"}}}}
        """
    )
    with empty_database("postgres", tmp_path) as url:
        seed_accounts(url)
        with cluster(tmp_path, site, nats_server.url, url) as running:
            yield running


def _login(api: str, username: str) -> dict[str, str]:
    response = httpx.post(
        f"{api}/api/auth/login", json={"username": username, "password": PASSWORD}, timeout=20
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _ptz(
    api: str, auth: dict[str, str], body: dict[str, Any] | None = None, camera: str = DOME
) -> httpx.Response:
    url = f"{api}/api/cameras/{camera}/ptz"
    if body is None:
        return httpx.get(url, headers=auth, timeout=90)
    return httpx.post(url, json=body, headers=auth, timeout=90)


def _until(probe: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, f"{what} not within {timeout} s"
        time.sleep(0.2)
    return found


def _owners(api: str, auth: dict[str, str]) -> dict[str, str | None]:
    cameras = httpx.get(f"{api}/api/cluster", headers=auth, timeout=20).json()["cameras"]
    return {c["id"]: c["owner"] for c in cameras}


def _settled(api: str, auth: dict[str, str]) -> str | None:
    """The dome's owner once each worker has its share (one camera each): no more moves."""
    owners = _owners(api, auth)
    settled = None not in owners.values() and len(set(owners.values())) == 2
    return owners[DOME] if settled else None


def _served_by_both(api1: str, api2: str, auth: dict[str, str]) -> bool:
    """Whether both API nodes reach the dome's worker (each reads the cluster on its own beat)."""
    return all(_ptz(api, auth).status_code == 200 for api in (api1, api2))


def _pan(api: str, auth: dict[str, str]) -> float:
    """The dome's pan as the API node answers it (asking moves the simulated head on)."""
    response = _ptz(api, auth)
    assert response.status_code == 200, response.text
    return float(response.json()["position"]["pan"])


def _ptz_log(database_url: str) -> list[tuple[str | None, str, str | None, dict[str, Any]]]:
    db = Database(database_url)
    try:
        entries = AccessLog(db).entries()
        return [
            (e.user, e.outcome, e.client, json.loads(e.details))
            for e in entries
            if e.action == "video.ptz" and e.camera_id == DOME
        ]
    finally:
        db.dispose()


def _told(ws: ClientConnection, timeout: float) -> dict[str, Any]:
    """The next `ptz` frame a console receives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            frame: dict[str, Any] = json.loads(ws.recv(timeout=1))
        except TimeoutError:
            continue
        if frame["type"] == "ptz":
            return frame
    raise AssertionError(f"no ptz frame within {timeout} s")


def test_ptz_through_api_nodes_moves_the_dome_from_its_worker_and_survives_its_death(
    nodes: Cluster, device: DeviceThread
) -> None:
    api1 = nodes.api("api1").url
    supervisor = _login(api1, "supervisor")
    # No worker yet: 503 naming the camera, as long as nobody serves it.
    unserved = _ptz(api1, supervisor)
    assert unserved.status_code == 503 and f"camera '{DOME}'" in unserved.json()["detail"]
    assert unserved.headers["retry-after"]
    nodes.worker("w1")
    nodes.worker("w2")
    api2 = nodes.api("api2").url
    anne, crisis = _login(api1, "operator"), _login(api1, "crisis")
    bruno = _login(api2, "street-only")
    first = _until(lambda: _settled(api1, supervisor), 60, "the cameras shared")
    _until(lambda: _ptz(api1, anne).status_code == 200, 60, "PTZ served")

    # Rights are decided on the API node, as in one process; the camera and PTZ checked there.
    assert _ptz(api1, crisis).status_code == 403
    refused = _ptz(api1, crisis, {"action": "move", "pan": 1})
    assert refused.status_code == 403 and "ptz" in refused.json()["detail"]
    assert _ptz(api1, anne, camera="nowhere").status_code == 404
    fixed = _ptz(api1, anne, {"action": "stop"}, camera="cam-plaza")
    assert fixed.status_code == 409 and "has no PTZ" in fixed.json()["detail"]

    with ws_connect(api2.replace("http", "ws", 1) + "/api/events", additional_headers=anne) as ws:
        posted = time.monotonic()
        moved = _ptz(api1, anne, {"action": "move", "pan": 0.5, "tilt": 0.2, "timeout_s": 60})
        answered = time.monotonic()
        assert moved.status_code == 200, moved.text
        assert moved.json()["holder"]["username"] == "operator"
        _until(lambda: _pan(api1, anne) > 0.1, 30, "the dome panning")
        head = device.device.head
        assert head is not None and head.position[0] > 0.1 and head.position[1] > 0
        # The same clock: the dome runs in this process. A session's first command.
        to_head = head.moves[0][0] - posted

        busy = _ptz(api2, bruno, {"action": "move", "pan": -1})
        assert busy.status_code == 409 and "controlled by operator" in busy.json()["detail"]
        # Forwarded to the dome's worker, the refusal is still worded in its reader's language.
        french = _ptz(api2, {**bruno, "Accept-Language": "fr"}, {"action": "move", "pan": -1})
        assert french.status_code == 409
        assert "est pilotée par operator (opérateur)" in french.json()["detail"], french.text
        assert _ptz(api2, bruno).json()["holder"]["username"] == "operator"
        _worker_refuses_bad_tickets(nodes, first, anne, crisis)

        start = [d for u, o, c, d in _ptz_log(nodes.database_url) if d.get("phase") == "start"]
        assert len(start) == 1 and start[0]["assignee"] is False

        nodes.nodes[first].kill()
        # Until another worker holds the dome, 503 naming it (its worker is gone or unknown).
        gone = _ptz(api1, anne, {"action": "stop"})
        assert gone.status_code == 503 and f"camera '{DOME}'" in gone.json()["detail"]
        print(f"while its worker is dead: {gone.json()['detail']}")
        killed_at = time.monotonic()
        other = "w2" if first == "w1" else "w1"
        _until(lambda: _served_by_both(api1, api2, bruno), 60, "PTZ served again")
        back_after = time.monotonic() - killed_at
        assert _owners(api1, supervisor)[DOME] == other
        # The new owner ended the session the dead worker left open, and anne heard it on api2.
        told = _told(ws, 20)
        assert (told["camera_id"], told["username"], told["reason"]) == (DOME, "operator", "moved")

    # The camera is free on its new worker: bruno takes it through the other API node.
    assert _ptz(api2, bruno).json()["holder"] is None
    with ws_connect(api1.replace("http", "ws", 1) + "/api/events", additional_headers=bruno) as ws:
        taken = _ptz(api2, bruno, {"action": "move", "pan": -1, "timeout_s": 60})
        assert taken.status_code == 200 and taken.json()["holder"]["username"] == "street-only"
        pan = head.position[0]
        _until(lambda: _pan(api2, bruno) < pan - 0.1, 30, "the dome panning back")
        assert _ptz(api1, anne, {"action": "stop"}).status_code == 409
        # A worker stopped cleanly gives its cameras up: it ends their sessions and tells.
        nodes.nodes[other].stop()
        told = _told(ws, 20)
        assert (told["username"], told["reason"]) == ("street-only", "moved")
    _until(lambda: not head.moving, 10, "the dome stopped by the worker that gave it up")
    # Its worker does not answer (503 naming the camera), then, once the API node's view has
    # it gone, nobody serves the camera (503 too).
    unserved = f"camera '{DOME}' is served by no worker"
    _until(
        lambda: unserved in _ptz(api1, anne).json().get("detail", ""),
        30,
        "503 once nobody serves it",
    )

    log = _ptz_log(nodes.database_url)
    phases = [(u, o, d.get("phase"), d.get("reason")) for u, o, c, d in log if d.get("phase")]
    assert phases == [
        ("operator", "granted", "start", None),
        ("operator", "granted", "end", "moved"),
        ("street-only", "granted", "start", None),
        ("street-only", "granted", "end", "moved"),
    ]
    ended = next(d for u, o, c, d in log if d.get("reason") == "moved")
    assert ended["worker_lost"] == first and ended["ended_by_worker"] == other
    # Denials: on the API node, and on the worker (with the address the ticket carried).
    assert {("crisis", "denied", "127.0.0.1"), ("crisis", "denied", "10.9.8.7")} <= {
        (u, o, c) for u, o, c, d in log
    }
    print(f"PTZ served again {back_after:.1f} s after the dome's worker was killed")
    print(
        f"a session's first move through an API node: {to_head * 1000:.0f} ms to the head,"
        f" {(answered - posted) * 1000:.0f} ms to the answer"
    )


def _worker_refuses_bad_tickets(
    nodes: Cluster, owner: str, anne: dict[str, str], crisis: dict[str, str]
) -> None:
    """The worker moves the dome only on a ticket an API node signed, once, for a login whose
    rights it reads again."""
    url = f"{nodes.nodes[owner].url}/api/cameras/{DOME}/ptz"
    stop = {"action": "stop"}
    assert httpx.post(url, json=stop, timeout=20).status_code == 422  # no ticket at all
    key = asyncio.run(_ticket_key(nodes.nats_url))

    def ticket(key: bytes, auth: dict[str, str] = anne, action: str = "video.ptz") -> str:
        return issue(
            key,
            user="operator" if auth is anne else "crisis",
            token_hash=token_digest(auth["Authorization"].removeprefix("Bearer ")),
            camera=DOME,
            rendition="zones",
            worker=owner,
            action=action,
            client="10.9.8.7",
        )

    good = ticket(key)
    for bad in (ticket(b"k" * 32), ticket(key, action="video.live"), _tampered(good)):
        refused = httpx.post(url, params={"ticket": bad}, json=stop, timeout=20)
        assert refused.status_code == 403, refused.text
    assert httpx.get(url, params={"ticket": good}, timeout=60).status_code == 200
    replayed = httpx.get(url, params={"ticket": good}, timeout=20)
    assert replayed.status_code == 403 and "already used" in replayed.json()["detail"]
    # A signed ticket does not stand for a right the login lacks: the worker asks the policy.
    move = {"action": "move", "pan": -1}
    no_right = httpx.post(url, params={"ticket": ticket(key, crisis)}, json=move, timeout=20)
    assert no_right.status_code == 403 and "ptz" in no_right.json()["detail"]


def _tampered(token: str) -> str:
    """The ticket with its signature's last two characters changed (always to something else)."""
    return token[:-2] + ("AA" if token[-2:] != "AA" else "BA")
