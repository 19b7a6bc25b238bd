"""A camera's ONVIF event subscription against the test device, through the real client."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from onvif import ONVIFCamera

from csu.backoff import Backoff
from csu.config.onvif import OnvifConfig
from csu.demo.dome.device import MOTION, TAMPER, OnvifDevice
from incidents.alarms import Alarm, parse_onvif_event
from incidents.alarms.scales import AlarmStatus
from video.onvif.events import CameraEvents

CAMERA = "cam-dome-1"
QUICK = Backoff(initial_s=0.05, maximum_s=0.2)


class Received:
    """The sink: every answer the camera gave, and the alarms the ONVIF adapter reads in it."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.alarms: list[Alarm] = []

    async def __call__(self, camera_id: str, body: bytes) -> None:
        self.bodies.append(body)
        self.alarms.extend(parse_onvif_event(body, camera_id))

    def active(self, kind: str) -> list[Alarm]:
        """The active alarms of that type received so far."""
        return [a for a in self.alarms if a.type == kind and a.status is AlarmStatus.ACTIVE]


async def _until(predicate: Callable[[], object], timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


def _changed(sink: Received) -> list[Alarm]:
    return [a for a in sink.alarms if a.data["property_operation"] == "Changed"]


def _events(device: OnvifDevice, sink: Received, password: str | None = None) -> CameraEvents:
    config = OnvifConfig(url=device.url, username="csu", password=password or device.password)
    return CameraEvents(CAMERA, config, sink, backoff=QUICK, pull_wait_s=2)


async def test_motion_and_tamper_reach_the_sink_as_the_camera_sent_them(
    device: OnvifDevice,
) -> None:
    sink = Received()
    events = _events(device, sink)
    events.start()
    try:
        # A new subscriber is first told each property's state: nothing going on.
        await _until(lambda: len(sink.alarms) == 2)
        assert {a.status for a in sink.alarms} == {AlarmStatus.CLEARED}
        assert events.status.connected and events.status.last_error is None
        device.raise_event(MOTION)
        await _until(lambda: sink.active("video.motion"))
        device.raise_event(TAMPER)
        await _until(lambda: sink.active("video.tamper"))
    finally:
        await events.stop()
    assert all(b.startswith(b"<ns0:PullMessagesResponse") for b in sink.bodies)
    assert {a.camera_id for a in sink.alarms} == {CAMERA}
    assert events.status.received == 4 and events.status.subscriptions == 1
    assert not device.subscriptions, "stop unsubscribes"
    assert "Unsubscribe" in device.requests


async def test_a_reboot_is_survived_and_later_events_arrive(device: OnvifDevice) -> None:
    sink = Received()
    events = _events(device, sink)
    events.start()
    try:
        await _until(lambda: events.status.connected)
        device.raise_event(MOTION)
        await _until(lambda: len(sink.active("video.motion")) == 1)
        device.reboot()  # its subscriptions are gone: the next pull faults
        await _until(lambda: events.status.subscriptions == 2 and events.status.connected)
        device.raise_event(TAMPER)
        device.raise_event(MOTION, active=False)
        await _until(lambda: sink.active("video.tamper"))
        await _until(lambda: [a for a in _changed(sink) if a.status is AlarmStatus.CLEARED])
    finally:
        await events.stop()
    # The new subscription was first told motion was still on (Initialized), then it ended.
    initial = [a for a in sink.alarms if a.data["property_operation"] == "Initialized"]
    assert any(a.type == "video.motion" and a.status is AlarmStatus.ACTIVE for a in initial)
    assert device.requests.count("CreatePullPointSubscription") == 2


async def test_a_wrong_password_is_reported_and_retried(device: OnvifDevice) -> None:
    sink = Received()
    events = _events(device, sink, password="wrong")
    events.start()
    try:
        await _until(lambda: events.status.last_error is not None)
        await _until(lambda: device.requests.count("GetServices") >= 2)  # retried
    finally:
        await events.stop()
    assert not events.status.connected and not sink.bodies
    assert "not authorised" in (events.status.last_error or "")


async def test_an_answer_the_intake_refused_is_handed_over_again(device: OnvifDevice) -> None:
    """The engine restarting (or the alarm stream away) loses none of what the camera sent."""
    sink = Received()
    refusals = 2

    async def refusing(camera_id: str, body: bytes) -> None:
        nonlocal refusals
        if refusals:
            refusals -= 1
            raise RuntimeError("incident engine unavailable")
        await sink(camera_id, body)

    config = OnvifConfig(url=device.url, username="csu", password=device.password)
    events = CameraEvents(CAMERA, config, refusing, backoff=QUICK, pull_wait_s=2)
    events.start()
    try:
        await _until(lambda: len(sink.alarms) == 2)  # the initial states, after two refusals
        device.raise_event(MOTION)
        await _until(lambda: sink.active("video.motion"))
        await _until(lambda: events.status.connected and events.status.last_error is None)
    finally:
        await events.stop()
    assert len(sink.bodies) == 2 and events.status.subscriptions == 1


async def test_the_test_camera_answers_the_device_and_media_operations(
    device: OnvifDevice,
) -> None:
    """What discovery and stream set-up will ask, through the real client."""
    camera = ONVIFCamera("http://127.0.0.1", device.port, device.username, device.password)
    try:
        await camera.update_xaddrs()
        capabilities = await camera.get_capabilities()
        assert capabilities is not None and capabilities["Events"]["WSPullPointSupport"]
        information = await (await camera.create_devicemgmt_service()).GetDeviceInformation()
        assert (information.Manufacturer, information.Model) == ("AXIS", "Q6075-E")
        media = await camera.create_media_service()
        (profile,) = await media.GetProfiles()
        uri = await media.GetStreamUri(
            {
                "ProfileToken": profile.token,
                "StreamSetup": {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}},
            }
        )
        assert uri.Uri == f"rtsp://127.0.0.1:554/{profile.token}"
    finally:
        await camera.close()


@pytest.mark.slow
async def test_a_renewal_the_camera_refuses_is_survived(device: OnvifDevice) -> None:
    """The client renews at 80 % of a minute (onvif-zeep-async's floor); refused, it reports the
    subscription lost and csu subscribes again: later events still arrive."""
    sink = Received()
    events = _events(device, sink)
    device.refuse_renew = True
    events.start()
    try:
        await _until(lambda: "Renew" in device.requests, timeout=120)
        device.refuse_renew = False
        await _until(lambda: events.status.subscriptions >= 2 and events.status.connected, 60)
        device.raise_event(TAMPER)
        await _until(lambda: sink.active("video.tamper"))
    finally:
        await events.stop()
