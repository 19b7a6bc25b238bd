"""A cluster's worker serves the PTZ of the cameras it owns only: a camera it gives up ends its
session (logged, holder told, camera stopped), and the worker that takes a camera from a dead
one ends the session the dead one left open."""

from __future__ import annotations

import json
from typing import Any

import pytest

from csu.config import CameraConfig
from csu.config.onvif import OnvifConfig
from csu.db import Database
from csu.demo.dome.device import OnvifDevice
from csu.events import Event
from privacy.access_log import AccessLog
from tests.video.ptz.test_service import CAMERA, _viewer
from video.ptz.commands import Move, Stop
from video.ptz.events import PtzControlEnded
from video.ptz.interrupted import end_left_session
from video.ptz.service import PtzService


def _worker_ptz(device: OnvifDevice, access_log: AccessLog, published: list[Event]) -> PtzService:
    onvif = OnvifConfig(url=device.url, username=device.username, password=device.password)
    camera = CameraConfig.model_validate(
        {"id": CAMERA, "name": "Dome", "source": "demo://street", "onvif": onvif}
    )
    return PtzService(
        [camera], access_log, published.append, assignee=lambda _u, _c: False, owned=False
    )


def _phases(access_log: AccessLog) -> list[tuple[str | None, dict[str, Any]]]:
    return [(e.user, json.loads(e.details)) for e in access_log.entries()]


async def test_a_worker_serves_a_camera_between_gaining_and_losing_it(
    device: OnvifDevice, db: Database
) -> None:
    published: list[Event] = []
    access_log = AccessLog(db)
    ptz = _worker_ptz(device, access_log, published)
    anne = _viewer("anne")
    with pytest.raises(Exception, match="not served here") as refused:
        await ptz.command(anne, CAMERA, Stop(action="stop"), client=None)
    assert getattr(refused.value, "retry_after_s", None) == 2  # a 503 that says to retry
    ptz.start_camera(CAMERA)
    await ptz.command(anne, CAMERA, Move(action="move", pan=0.5), client="10.0.0.9")
    assert device.head is not None and device.head.moving

    await ptz.stop_camera(CAMERA)
    device.head.advance()
    assert not device.head.moving  # the camera it left moving was stopped
    ends = [(user, d["reason"]) for user, d in _phases(access_log) if d.get("phase") == "end"]
    assert ends == [("anne", "moved")]
    assert [(e.username, e.reason) for e in published if isinstance(e, PtzControlEnded)] == [
        ("anne", "moved")
    ]
    with pytest.raises(Exception, match="not served here"):
        await ptz.state(anne, CAMERA, client=None)
    ptz.start_camera(CAMERA)  # gained again: the connection is made anew
    assert (await ptz.state(anne, CAMERA, client=None)).holder is None
    await ptz.stop()


async def test_the_taker_ends_the_session_a_dead_worker_left_open(
    device: OnvifDevice, db: Database
) -> None:
    access_log = AccessLog(db)
    dead = _worker_ptz(device, access_log, [])
    dead.start_camera(CAMERA)
    await dead.command(_viewer("anne"), CAMERA, Move(action="move", tilt=0.2), client="10.0.0.9")
    # The dead worker never logs its end; the taker does, once.
    ended = end_left_session(db, access_log, CAMERA, dead="w1", taker="w2")
    assert ended is not None and (ended.username, ended.reason) == ("anne", "moved")
    assert end_left_session(db, access_log, CAMERA, dead="w1", taker="w2") is None
    (user, details) = _phases(access_log)[-1]
    assert user == "anne" and details["phase"] == "end" and details["worker_lost"] == "w1"
    assert list(access_log.entries())[-1].client == "10.0.0.9"
    # A session ended properly leaves nothing to end.
    taker = _worker_ptz(device, access_log, [])
    taker.start_camera(CAMERA)
    await taker.command(_viewer("bruno"), CAMERA, Stop(action="stop"), client=None)
    await taker.stop_camera(CAMERA)
    assert end_left_session(db, access_log, CAMERA, dead="w2", taker="w3") is None
    await taker.stop()
    await dead.stop()  # its connection (what it logs now is past the test)
