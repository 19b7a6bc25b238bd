"""Preset tours in a cluster: API nodes forward a tour's requests to the worker that owns the dome,
which runs the tour (the dome's head goes from preset to preset) and gives way to an operator who
moves the dome through the other API node; when that worker is killed, the worker that takes the
dome ends the dead worker's run in the access log and resumes the tour, stored as running."""

from __future__ import annotations

import asyncio
import json
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from csu.cluster.tickets import issue
from csu.db import Database
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.head import PtzHead, Vector
from csu.demo.dome.thread import DeviceThread
from csu.identity.service import token_digest
from privacy.access_log import AccessLog
from tests.cluster.processes import Cluster, cluster
from tests.cluster.test_cluster_ptz import DOME, _login, _owners, _ptz, _settled, _until
from tests.cluster.test_cluster_video import _ticket_key
from tests.conftest import empty_database
from tests.nats_server import NatsServer
from tests.web.conftest import seed_accounts

pytestmark = pytest.mark.slow

DOOR: Vector = (0.5, 0.2, 0.0)
SQUARE: Vector = (-0.5, -0.3, 0.4)
PLAN = {"stops": [{"preset": "door", "dwell_s": 5}, {"preset": "square", "dwell_s": 5}]}


@pytest.fixture
def dome() -> Iterator[OnvifDevice]:
    """The test dome with two presets, served from a thread of the test process."""
    device = OnvifDevice()
    assert device.head is not None
    device.head.presets = {"door": ("Door", DOOR), "square": ("Square", SQUARE)}
    with DeviceThread(device):
        yield device


@pytest.fixture
def nodes(
    tmp_path: Path, nats_server: NatsServer, dome: OnvifDevice, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Cluster]:
    """Two workers and two API nodes over one NATS server and one PostgreSQL schema."""
    monkeypatch.setenv("CSU_TEST_ONVIF_PASSWORD", dome.password)
    site = textwrap.dedent(
        f"""
        site: {{name: Testville, timezone: Europe/Paris}}
        cameras:
          - id: {DOME}
            name: Dome
            source: demo://street
            fps: 5
            recording: {{mode: "off"}}
            onvif: {{url: "{dome.url}", username: csu,
                     password_env: CSU_TEST_ONVIF_PASSWORD}}
          - {{id: cam-plaza, name: Plaza, source: "demo://plaza", fps: 5,
              recording: {{mode: "off"}}}}
        """
    )
    with empty_database("postgres", tmp_path) as url:
        seed_accounts(url)
        with cluster(tmp_path, site, nats_server.url, url) as running:
            for worker in ("w1", "w2"):
                running.worker(worker)
            for api in ("api1", "api2"):
                running.api(api)
            yield running


def _tour(
    api: str, auth: dict[str, str], method: str = "GET", body: dict[str, Any] | None = None
) -> httpx.Response:
    url = f"{api}/api/cameras/{DOME}/ptz/tour"
    return httpx.request(method, url, json=body, headers=auth, timeout=90)


def _shown(api: str, auth: dict[str, str]) -> dict[str, Any] | None:
    """The tour as the API node answers it (its worker's view), or None while it cannot."""
    response = _tour(api, auth)
    return response.json() if response.status_code == 200 else None


def _at(api: str, auth: dict[str, str], head: PtzHead, where: Vector) -> bool:
    """Whether the dome has reached `where`, asked through the API node (asking moves the
    simulated head on) and seen on the head itself."""
    response = _ptz(api, auth)
    if response.status_code != 200:
        return False
    position = response.json()["position"]
    asked = (position["pan"], position["tilt"], position["zoom"])
    return all(
        abs(a - w) < 1e-3 and abs(h - w) < 1e-3
        for a, h, w in zip(asked, head.position, where, strict=True)
    )


def _gotos(head: PtzHead, since: float) -> int:
    """How many moves to a position (presets) the head was told since a moment."""
    return sum(1 for at, kind in list(head.moves) if kind == "goto" and at >= since)


def _worker_wants_a_tour_ticket(nodes: Cluster, owner: str, auth: dict[str, str]) -> None:
    """A ticket to move the dome reads its tour on the worker but does not change it."""
    key = asyncio.run(_ticket_key(nodes.nats_url))
    url = f"{nodes.nodes[owner].url}/api/cameras/{DOME}/ptz/tour"

    def ticket() -> dict[str, str]:
        token = token_digest(auth["Authorization"].removeprefix("Bearer "))
        signed = issue(
            key,
            user="supervisor",
            token_hash=token,
            camera=DOME,
            rendition="zones",
            worker=owner,
            action="video.ptz",
        )
        return {"ticket": signed}

    refused = httpx.post(url, params=ticket(), json={"action": "stop"}, timeout=20)
    assert refused.status_code == 403 and "not video.ptz_tour" in refused.json()["detail"]
    assert httpx.get(url, params=ticket(), timeout=60).json()["running"]


def _tour_log(database_url: str) -> list[tuple[str | None, str | None, dict[str, Any]]]:
    db = Database(database_url)
    try:
        return [
            (e.user, e.client, json.loads(e.details))
            for e in AccessLog(db).entries()
            if e.action == "video.ptz_tour" and e.camera_id == DOME and e.outcome == "granted"
        ]
    finally:
        db.dispose()


def test_a_tour_runs_on_the_domes_worker_gives_way_and_resumes_on_the_next(
    nodes: Cluster, dome: OnvifDevice
) -> None:
    head = dome.head
    assert head is not None
    api1, api2 = nodes.api("api1").url, nodes.api("api2").url
    sophie, anne = _login(api1, "supervisor"), _login(api2, "operator")
    first = _until(lambda: _settled(api1, sophie), 60, "the cameras shared")
    _until(lambda: _shown(api1, sophie) and _shown(api2, anne), 60, "tours served")

    # Rights are decided on the API node; the stops are checked against the dome's presets by
    # its worker, which alone talks to it.
    refused = _tour(api2, anne, "PUT", PLAN)
    assert refused.status_code == 403 and "ptz-tour" in refused.json()["detail"]
    unknown = {"stops": [{"preset": "door", "dwell_s": 5}, {"preset": "roof", "dwell_s": 5}]}
    wrong = _tour(api1, sophie, "PUT", unknown)
    assert wrong.status_code == 422 and "no preset 'roof'" in wrong.json()["detail"]
    assert _tour(api1, sophie, "PUT", PLAN).status_code == 200
    started_at = time.monotonic()
    started = _tour(api1, sophie, "POST", {"action": "start"})
    assert started.status_code == 200, started.text
    assert started.json()["running"] and started.json()["stop"] == 0
    _until(lambda: _at(api1, sophie, head, DOOR), 30, "the dome at the first stop")
    _until(lambda: _at(api2, anne, head, SQUARE), 30, "the dome at the second stop")
    to_square = time.monotonic() - started_at
    assert 5.0 <= to_square < 30.0, to_square
    # Where it stands comes from the worker that runs it, through either API node.
    shown = _shown(api2, anne)
    assert shown is not None and shown["running"] and shown["stop"] == 1 and shown["next_at"]
    _worker_wants_a_tour_ticket(nodes, first, sophie)

    # An operator's move through the other API node takes the dome from the tour at once.
    taken = _ptz(api2, anne, {"action": "move", "pan": 0.3, "timeout_s": 60})
    assert taken.status_code == 200, taken.text
    held_since = time.monotonic()
    _until(lambda: (_shown(api1, sophie) or {}).get("held_by") == "operator", 20, "tour waits")
    time.sleep(6)  # more than a dwell: the tour sends the dome nowhere while she holds it
    assert _gotos(head, held_since) == 0
    assert _ptz(api2, anne, {"action": "stop"}).status_code == 200
    assert _ptz(api2, anne, {"action": "release"}).status_code == 200
    # Free again: the tour goes back to the stop it was showing.
    _until(lambda: _at(api1, sophie, head, SQUARE), 30, "the dome back at the second stop")

    nodes.nodes[first].kill()
    killed = time.monotonic()
    other = "w2" if first == "w1" else "w1"
    # The worker that takes the dome resumes the tour, stored as running, from its first stop.
    _until(lambda: _gotos(head, killed) > 0, 90, "the tour resumed by the next worker")
    resumed_after = time.monotonic() - killed
    assert _owners(api1, sophie)[DOME] == other
    _until(lambda: _at(api2, anne, head, DOOR), 30, "the dome at the first stop again")
    _until(lambda: _at(api1, sophie, head, SQUARE), 30, "and on at the second")
    stopped = _tour(api2, _login(api2, "supervisor"), "POST", {"action": "stop"})
    assert stopped.status_code == 200 and not stopped.json()["running"]

    log = _tour_log(nodes.database_url)
    phases = [(u, d["phase"], d.get("reason"), d.get("resumed")) for u, _c, d in log]
    assert phases == [
        ("supervisor", "define", None, None),
        ("supervisor", "start", None, None),
        ("supervisor", "end", "moved", None),  # the dead worker's run, ended by the taker
        ("supervisor", "start", None, True),
        ("supervisor", "end", "stopped", None),
    ]
    left, last = log[2][2], log[4][2]
    assert (left["worker_lost"], left["ended_by_worker"], left["moves"]) == (first, other, None)
    assert last["by"] == "supervisor" and last["moves"] >= 2
    # The worker logged each change with the address the API node was asked from.
    assert {c for _u, c, d in log if d["phase"] in ("define", "start")} == {"127.0.0.1", None}
    print(f"the dome reached the second stop {to_square:.1f} s after the tour's start")
    print(f"the tour resumed {resumed_after:.1f} s after its worker was killed")
