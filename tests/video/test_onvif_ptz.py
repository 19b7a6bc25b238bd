"""A camera's PTZ through the real ONVIF client against the test dome: the head moves as told."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from csu.config.onvif import OnvifConfig
from csu.demo.dome.device import OnvifDevice
from video.onvif.ptz import NoPtz, OnvifPtz, PtzRefused, PtzUnavailable


def _ptz(device: OnvifDevice) -> OnvifPtz:
    config = OnvifConfig(url=device.url, username=device.username, password=device.password)
    return OnvifPtz("cam-dome-1", config)


async def test_continuous_move_moves_the_head_and_stop_holds_it(device: OnvifDevice) -> None:
    ptz = _ptz(device)
    try:
        capabilities = await ptz.capabilities()
        assert capabilities.continuous and capabilities.absolute and capabilities.relative
        assert capabilities.home and capabilities.max_presets == 100
        start = await ptz.status()
        assert (start.pan, start.tilt, start.zoom, start.moving) == (0.0, 0.0, 0.0, False)
        assert start.at.utcoffset() == dt.timedelta(0)
        sent = time.monotonic()
        await ptz.continuous(0.5, -0.25, 0.0, timeout_s=10)
        latency = device.head.moves[-1][0] - sent  # type: ignore[union-attr]
        await asyncio.sleep(0.3)
        moving = await ptz.status()
        assert moving.moving and moving.pan is not None and moving.pan > 0.1
        assert moving.tilt is not None and moving.tilt < -0.05
        await ptz.stop()
        stopped = await ptz.status()
        await asyncio.sleep(0.2)
        assert not stopped.moving and (await ptz.status()).pan == stopped.pan
    finally:
        await ptz.close()
    print(f"PTZ command to motion at the test dome: {latency * 1000:.1f} ms")


async def test_absolute_relative_presets_and_home(device: OnvifDevice) -> None:
    ptz = _ptz(device)
    try:
        await ptz.absolute(0.4, 0.2, 0.5)
        await _settled(ptz)
        token = await ptz.set_preset("Façade nord")
        assert [(p.token, p.name) for p in await ptz.presets()] == [(token, "Façade nord")]
        await ptz.relative(-0.1, 0.1, 0.0)
        position = await _settled(ptz)
        assert (position.pan, position.tilt) == pytest.approx((0.3, 0.3))
        await ptz.home()
        assert (await _settled(ptz)).pan == 0.0
        with pytest.raises(PtzRefused, match="no such preset"):
            await ptz.goto_preset("nope")
        await ptz.goto_preset(token)  # a fault leaves the connection as it was
        position = await _settled(ptz)
        assert (position.pan, position.tilt, position.zoom) == pytest.approx((0.4, 0.2, 0.5))
    finally:
        await ptz.close()


async def test_a_camera_without_ptz_and_a_camera_away(device: OnvifDevice) -> None:
    fixed = OnvifDevice(ptz=False)
    await fixed.start()
    try:
        with pytest.raises(NoPtz):
            await _ptz(fixed).capabilities()
    finally:
        await fixed.stop()
    ptz = _ptz(device)
    await ptz.capabilities()
    await device.stop()
    with pytest.raises(PtzUnavailable):
        await ptz.status()
    await ptz.close()


async def _settled(ptz: OnvifPtz):  # type: ignore[no-untyped-def]
    async with asyncio.timeout(10):
        while (status := await ptz.status()).moving:
            await asyncio.sleep(0.05)
    return status
