"""Preset tours against the test dome, through the real ONVIF client: the dome's head goes to
each preset in turn, gives way to an operator and comes back to the interrupted stop once they
let go, every run is in the access log, and a tour left running resumes when csu starts again."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from csu.config import CameraConfig
from csu.config.onvif import OnvifConfig
from csu.db import Database
from csu.demo.dome.device import OnvifDevice
from csu.demo.dome.head import PtzHead, Vector
from csu.errors import Conflict, Invalid
from csu.identity.models import User
from privacy.access_log import AccessLog
from privacy.guard import AccessDenied
from privacy.rights import Viewer
from video.ptz.commands import Move, Release
from video.ptz.interrupted import end_left_run
from video.ptz.service import PtzService
from video.ptz.tour.service import PtzTours, TourAction, TourPlan, TourStop

CAMERA = "cam-dome"
DOOR: Vector = (0.5, 0.2, 0.0)
SQUARE: Vector = (-0.5, -0.3, 0.4)
START = TourAction(action="start")
STOP = TourAction(action="stop")


@pytest.fixture
async def device() -> AsyncIterator[OnvifDevice]:
    """The test dome with two presets, on a loopback port."""
    device = OnvifDevice()
    assert device.head is not None
    device.head.presets = {"door": ("Door", DOOR), "square": ("Square", SQUARE)}
    await device.start()
    yield device
    await device.stop()


def _ptz(device: OnvifDevice, access_log: AccessLog, *, owned: bool = True) -> PtzService:
    """The dome's PTZ as one process runs it, or as a cluster's worker (`owned=False`: served
    from start_camera on)."""
    onvif = OnvifConfig(url=device.url, username=device.username, password=device.password)
    camera = CameraConfig.model_validate(
        {"id": CAMERA, "name": "Dome", "source": "demo://street", "onvif": onvif}
    )
    ptz = PtzService(
        [camera], access_log, lambda _e: None, assignee=lambda _u, _c: False, owned=owned
    )
    ptz.start()
    return ptz


def _viewer(name: str, role: str) -> Viewer:
    return Viewer(User(username=name, role=role, password_hash="x"), frozenset({"*"}))


SOPHIE, ANNE = _viewer("sophie", "supervisor"), _viewer("anne", "operator")
PLAN = TourPlan(stops=[TourStop(preset="door", dwell_s=5), TourStop(preset="square", dwell_s=5)])


def _head(device: OnvifDevice) -> PtzHead:
    assert device.head is not None
    return device.head


async def _until(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return found


def _at(head: PtzHead, where: Vector) -> bool:
    return all(abs(a - b) < 1e-6 for a, b in zip(head.advance(), where, strict=True))


def _tour_log(access_log: AccessLog) -> list[tuple[str | None, str, dict[str, Any]]]:
    return [
        (e.user, e.outcome, json.loads(e.details))
        for e in access_log.entries()
        if e.action == "video.ptz_tour"
    ]


async def test_the_dome_goes_to_each_preset_in_turn_and_round_again(
    device: OnvifDevice, db: Database
) -> None:
    access_log = AccessLog(db)
    ptz = _ptz(device, access_log)
    tours = PtzTours(ptz, db, access_log)
    head = _head(device)
    await tours.define(SOPHIE, CAMERA, PLAN, client="10.0.0.5")
    started = time.monotonic()
    view = await tours.act(SOPHIE, CAMERA, START, client="10.0.0.5")
    assert view.running and view.started_by == "sophie" and view.stop == 0
    await _until(lambda: _at(head, DOOR))
    await _until(lambda: _at(head, SQUARE))
    reached_square = time.monotonic() - started
    assert (await tours.view(ANNE, CAMERA, client=None)).stop == 1
    await _until(lambda: _at(head, DOOR))  # round again
    assert 5.0 <= reached_square < 20.0, reached_square  # the dwell, then the way (shared CPU)
    await tours.act(SOPHIE, CAMERA, STOP, client="10.0.0.5")
    assert not (await tours.view(ANNE, CAMERA, client=None)).running
    await ptz.stop()
    log = _tour_log(access_log)
    assert [(u, d["phase"]) for u, _o, d in log] == [
        ("sophie", "define"),
        ("sophie", "start"),
        ("sophie", "end"),
    ]
    define, end = log[0][2], log[2][2]
    assert define["before"] == [] and [s["preset"] for s in define["after"]] == ["door", "square"]
    assert (end["reason"], end["by"], end["interruptions"]) == ("stopped", "sophie", 0)
    assert end["moves"] >= 3


async def test_an_operator_takes_the_camera_and_the_tour_comes_back_where_it_was(
    device: OnvifDevice, db: Database
) -> None:
    access_log = AccessLog(db)
    ptz = _ptz(device, access_log)
    tours = PtzTours(ptz, db, access_log)
    head = _head(device)
    await tours.define(SOPHIE, CAMERA, PLAN, client=None)
    await tours.act(SOPHIE, CAMERA, START, client=None)
    await _until(lambda: _at(head, DOOR))
    # Any operator's command takes the camera from the tour at once.
    await ptz.command(ANNE, CAMERA, Move(action="move", pan=-1.0, tilt=-1.0), client=None)
    gotos = sum(1 for _t, kind in head.moves if kind == "goto")
    view = await tours.view(ANNE, CAMERA, client=None)
    assert view.running and view.held_by == "anne" and view.next_at is None
    await asyncio.sleep(6)  # past the door's dwell: the tour sent nothing meanwhile
    assert sum(1 for _t, kind in head.moves if kind == "goto") == gotos
    assert head.advance()[0] < 0 and head.moving
    await ptz.command(ANNE, CAMERA, Release(action="release"), client=None)
    released = time.monotonic()
    # Back to the stop it was showing, after a moment's grace, not on to the next one.
    await _until(lambda: head.target == DOOR or _at(head, DOOR))
    assert time.monotonic() - released >= 2.5
    await _until(lambda: _at(head, DOOR))
    await tours.stop()
    await ptz.stop()
    end = _tour_log(access_log)[-1][2]
    assert (end["phase"], end["reason"], end["interruptions"]) == ("end", "stopped", 1)


async def test_a_tour_left_running_resumes_when_csu_starts_again(
    device: OnvifDevice, db: Database
) -> None:
    access_log = AccessLog(db)
    ptz = _ptz(device, access_log)
    tours = PtzTours(ptz, db, access_log)
    await tours.define(SOPHIE, CAMERA, PLAN, client=None)
    await tours.act(SOPHIE, CAMERA, START, client=None)
    await tours.stop()  # csu stops: the run ends, the tour stays stored as running
    await ptz.stop()
    head = _head(device)
    head.goto((0.0, 0.9, 1.0))
    restarted = _ptz(device, access_log)
    again = PtzTours(restarted, db, access_log)
    await again.start()
    await _until(lambda: _at(head, DOOR))
    view = await again.view(ANNE, CAMERA, client=None)
    assert view.running and view.started_by == "sophie"
    await again.stop()
    await restarted.stop()
    phases = [
        (d["phase"], d.get("reason"), d.get("resumed")) for _u, _o, d in _tour_log(access_log)
    ]
    assert phases == [
        ("define", None, None),
        ("start", None, None),
        ("end", "stopped", None),
        ("start", None, True),
        ("end", "stopped", None),
    ]


async def test_a_tour_follows_its_camera_from_worker_to_worker(
    device: OnvifDevice, db: Database
) -> None:
    access_log = AccessLog(db)
    head = _head(device)
    w1, w2 = _ptz(device, access_log, owned=False), _ptz(device, access_log, owned=False)
    tours1, tours2 = PtzTours(w1, db, access_log), PtzTours(w2, db, access_log)
    w1.start_camera(CAMERA)
    await tours1.define(SOPHIE, CAMERA, PLAN, client=None)
    await tours1.act(SOPHIE, CAMERA, START, client=None)
    await _until(lambda: _at(head, DOOR))
    # w1 gives the camera up as csu.worker does: the run ends as moved, before the PTZ goes.
    await tours1.suspend(CAMERA, "moved")
    await w1.stop_camera(CAMERA)
    head.goto(SQUARE)
    await tours2.resume(CAMERA)  # not served by w2 yet: nothing runs, nothing is logged
    w2.start_camera(CAMERA)
    await tours2.resume(CAMERA)
    await _until(lambda: _at(head, DOOR))  # the tour again, from its first stop
    # w2 dies with the run open (its camera gone, nothing logged): the taker ends it, once.
    await w2.stop_camera(CAMERA)
    assert end_left_run(db, access_log, CAMERA, dead="w2", taker="w3")
    assert not end_left_run(db, access_log, CAMERA, dead="w2", taker="w3")
    log = _tour_log(access_log)
    assert [(d["phase"], d.get("reason"), d.get("resumed")) for _u, _o, d in log] == [
        ("define", None, None),
        ("start", None, None),
        ("end", "moved", None),
        ("start", None, True),
        ("end", "moved", None),
    ]
    moved, left = log[2][2], log[4][2]
    assert moved["moves"] >= 1 and "worker_lost" not in moved
    assert (left["worker_lost"], left["ended_by_worker"], left["moves"]) == ("w2", "w3", None)
    await tours2.stop()  # the test's own cleanup (a dead worker logs nothing more)
    await w1.stop()
    await w2.stop()


async def test_only_a_supervisor_sets_starts_and_stops_tours_of_presets_the_camera_has(
    device: OnvifDevice, db: Database
) -> None:
    access_log = AccessLog(db)
    ptz = _ptz(device, access_log)
    tours = PtzTours(ptz, db, access_log)
    with pytest.raises(Conflict, match="no tour"):
        await tours.act(SOPHIE, CAMERA, START, client=None)
    for attempt in (
        tours.define(ANNE, CAMERA, PLAN, client=None),
        tours.act(ANNE, CAMERA, START, client=None),
        tours.remove(ANNE, CAMERA, client=None),
    ):
        with pytest.raises(AccessDenied, match="ptz-tour"):
            await attempt
    unknown = TourPlan(stops=[TourStop(preset="door", dwell_s=5), TourStop(preset="x", dwell_s=5)])
    with pytest.raises(Invalid, match=r"stops\.1\.preset: .* no preset 'x'"):
        await tours.define(SOPHIE, CAMERA, unknown, client=None)
    await tours.define(SOPHIE, CAMERA, PLAN, client=None)
    assert [s.preset for s in (await tours.view(ANNE, CAMERA, client=None)).stops] == [
        "door",
        "square",
    ]
    await tours.act(SOPHIE, CAMERA, START, client=None)
    gone = await tours.remove(SOPHIE, CAMERA, client=None)
    assert gone.stops == [] and not gone.running
    await ptz.stop()
    log = _tour_log(access_log)
    assert [(u, o) for u, o, _d in log][:3] == [("anne", "denied")] * 3
    assert [d["phase"] for _u, o, d in log if o == "granted"] == [
        "define",
        "start",
        "delete",
        "end",
    ]
    assert log[-1][2]["reason"] == "deleted" and log[-1][2]["by"] == "sophie"
