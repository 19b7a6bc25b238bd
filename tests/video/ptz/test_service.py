"""The PTZ service against the test dome: a session not logged does not exist, and stopping
csu ends (and logs) every session."""

from __future__ import annotations

import json

import pytest

from csu.config import CameraConfig
from csu.config.onvif import OnvifConfig
from csu.db import Database
from csu.demo.dome.device import OnvifDevice
from csu.events import Event
from csu.identity.models import User
from privacy.access_log import AccessLog, AccessLogUnavailable
from privacy.rights import Viewer
from video.ptz.commands import Move, Stop
from video.ptz.service import PtzService

CAMERA = "cam-dome"


class BrokenLog(AccessLog):
    """An access log whose writes fail while `broken`, as when its database is away."""

    broken = True

    def append(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.broken:
            raise AccessLogUnavailable("access log write failed: database away")
        return super().append(*args, **kwargs)  # type: ignore[arg-type]


def _service(device: OnvifDevice, access_log: AccessLog, published: list[Event]) -> PtzService:
    onvif = OnvifConfig(url=device.url, username=device.username, password=device.password)
    camera = CameraConfig.model_validate(
        {"id": CAMERA, "name": "Dome", "source": "demo://street", "onvif": onvif}
    )
    return PtzService([camera], access_log, published.append, assignee=lambda _u, _c: False)


def _viewer(name: str) -> Viewer:
    return Viewer(User(username=name, role="operator", password_hash="x"), frozenset({"*"}))


async def test_a_session_whose_start_cannot_be_logged_never_moves_the_camera(
    device: OnvifDevice, db: Database
) -> None:
    access_log = BrokenLog(db)
    ptz = _service(device, access_log, [])
    with pytest.raises(AccessLogUnavailable):
        await ptz.command(_viewer("anne"), CAMERA, Move(action="move", pan=1), client=None)
    assert device.head is not None and device.head.moves == []
    # Nobody holds the camera: the session was taken back, and an equal may take it.
    access_log.broken = False
    done = await ptz.command(_viewer("bruno"), CAMERA, Stop(action="stop"), client=None)
    assert done.holder is not None and done.holder.username == "bruno"
    await ptz.stop()
    assert [e.user for e in access_log.entries()] == ["bruno", "bruno"]


async def test_stopping_ends_and_logs_every_session(device: OnvifDevice, db: Database) -> None:
    published: list[Event] = []
    access_log = AccessLog(db)
    ptz = _service(device, access_log, published)
    ptz.start()
    await ptz.command(_viewer("anne"), CAMERA, Move(action="move", tilt=0.5), client="10.0.0.9")
    await ptz.stop()
    entries = [(e.user, e.client, json.loads(e.details)) for e in access_log.entries()]
    phases = [(user, client, d["phase"], d.get("reason")) for user, client, d in entries]
    assert phases == [("anne", "10.0.0.9", "start", None), ("anne", None, "end", "stopped")]
    assert [getattr(e, "reason", None) for e in published] == ["stopped"]


async def test_the_camera_service_is_told_of_a_move_before_it_reaches_the_camera(
    device: OnvifDevice, db: Database
) -> None:
    onvif = OnvifConfig(url=device.url, username=device.username, password=device.password)
    camera = CameraConfig.model_validate(
        {"id": CAMERA, "name": "Dome", "source": "demo://street", "onvif": onvif}
    )
    head = device.head
    assert head is not None
    told: list[tuple[str, int]] = []  # the camera, and how many moves the head had then
    ptz = PtzService(
        [camera],
        AccessLog(db),
        lambda _event: None,
        assignee=lambda _u, _c: False,
        moving=lambda camera_id: told.append((camera_id, len(head.moves))),
    )
    await ptz.command(_viewer("anne"), CAMERA, Move(action="move", pan=0.5), client=None)
    await ptz.command(_viewer("anne"), CAMERA, Stop(action="stop"), client=None)
    await ptz.stop()
    assert told[0] == (CAMERA, 0) and len(head.moves) == 1  # told, then moved
