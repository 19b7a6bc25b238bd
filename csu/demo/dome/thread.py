"""The simulated ONVIF device on an event loop of its own thread, beside an app that runs apart."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from csu.demo.dome.device import OnvifDevice

T = TypeVar("T")


class DeviceThread:
    """The device on an event loop of its own thread (the demo's dome; tests beside an app)."""

    def __init__(self, device: OnvifDevice) -> None:
        self.device = device
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="onvif-device")

    def __enter__(self) -> OnvifDevice:
        self._thread.start()
        self._call(self.device.start())
        return self.device

    def __exit__(self, *_: object) -> None:
        self._call(self.device.stop())
        self._call(_settle())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def raise_event(self, topic: str, active: bool = True) -> dt.datetime:
        """The device's raise_event, on its loop."""
        return self._call(_run(self.device.raise_event, topic, active))

    def reboot(self) -> None:
        """The device's reboot, on its loop."""
        self._call(_run(self.device.reboot))

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)


async def _settle() -> None:
    """Cancel what the server left running (a handler cut at shutdown), and wait for it."""
    tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _run(function: Callable[..., T], *args: Any) -> T:
    return function(*args)
