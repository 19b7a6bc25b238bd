"""The simulated dome's WS-Discovery side: it answers probes with its device service address.

wsdiscovery's publisher says Hello, answers each Probe for an ONVIF NetworkVideoTransmitter with a
ProbeMatch carrying the dome's XAddr and scopes (as an Axis camera announces them), and says Bye
when it stops. It multicasts on every non-loopback address of the host, so run it only inside a
network namespace of its own (the tests do, and so does `python -m csu.demo.dome.discovery` in
the README's trial), never on a real network.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any
from urllib.parse import quote

from wsdiscovery import QName, Scope
from wsdiscovery.publishing import ThreadedWSPublishing
from wsdiscovery.udp import UNICAST_UDP_REPEAT

from csu.demo.dome.device import OnvifDevice

NETWORK_VIDEO_TRANSMITTER = QName(
    "http://www.onvif.org/ver10/network/wsdl", "NetworkVideoTransmitter", "dn"
)
# What the dome's GetDeviceInformation answers, as its scopes repeat it.
MANUFACTURER, MODEL = "AXIS", "Q6075-E"


def dome_scopes(manufacturer: str = MANUFACTURER, model: str = MODEL) -> list[str]:
    """The ONVIF scopes of a PTZ dome of this make and model."""
    base = "onvif://www.onvif.org"
    return [
        f"{base}/type/video_encoder",
        f"{base}/type/ptz",
        f"{base}/Profile/Streaming",
        f"{base}/hardware/{quote(model)}",
        f"{base}/name/{quote(manufacturer)}",
        f"{base}/location/country/france",
    ]


class _Publisher(ThreadedWSPublishing):  # type: ignore[misc]  # wsdiscovery is untyped
    """wsdiscovery's publisher, answering a probe on the probe's own address family only."""

    def sendUnicastMessage(  # wsdiscovery's name: the method it calls
        self,
        env: Any,
        host: str,
        port: int,
        initialDelay: int = 0,
        unicast_num: int = UNICAST_UDP_REPEAT,
    ) -> None:
        # wsdiscovery 2.1.2 queues each answer on its IPv4 and its IPv6 thread alike, and the
        # thread of the other family dies on the address (socket.gaierror), printing a trace.
        thread = self._networkingThread_v6 if ":" in host else self._networkingThread_v4
        if thread is not None:
            thread.addUnicastMessage(env, host, port, initialDelay, unicast_num)


class DomeAnnouncer:
    """Announces one ONVIF device service by WS-Discovery until stopped."""

    def __init__(self, xaddr: str, scopes: list[str] | None = None) -> None:
        self.xaddr = xaddr
        self.scopes = scopes if scopes is not None else dome_scopes()
        self._publisher: _Publisher | None = None

    def start(self) -> None:
        """Join the WS-Discovery group, say Hello and answer probes (on threads of its own)."""
        self._publisher = _Publisher()
        self._publisher.start()
        self._publisher.publishService(
            [NETWORK_VIDEO_TRANSMITTER], [Scope(s) for s in self.scopes], [self.xaddr]
        )

    def stop(self) -> None:
        """Say Bye and leave the group."""
        if self._publisher is not None:
            self._publisher.clearLocalServices()  # Bye, sent before the threads end
            self._publisher.stop()
            self._publisher = None


async def _serve() -> None:
    """The dome on loopback, announced; prints its URL, runs until SIGTERM or SIGINT."""
    device = OnvifDevice()
    await device.start()
    announcer = DomeAnnouncer(device.url)
    announcer.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(device.url, flush=True)
    try:
        await stop.wait()
    finally:
        announcer.stop()
        await device.stop()


if __name__ == "__main__":
    asyncio.run(_serve())
