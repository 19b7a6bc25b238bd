"""A camera's ONVIF events: one PullPoint subscription per camera, pulled for as long as csu runs.

onvif-zeep-async's PullPointManager creates the subscription and renews it before it ends; this
module pulls it (a long poll: the camera answers as soon as it has messages) and hands each
answer, as the camera sent it, to the sink: the alarm intake, which stores it raw before the
ONVIF adapter reads it. A failed pull, a renewal the camera refused or a camera that rebooted
(its subscriptions are gone, so pulls fault) ends the subscription: after csu.backoff's delay a
new one is created, and the camera's first answer to it gives each property's current state.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from lxml import etree
from onvif import ONVIFCamera
from onvif.exceptions import ONVIFError
from zeep.exceptions import Error as ZeepError
from zeep.plugins import HistoryPlugin

from csu.backoff import Backoff
from csu.config.onvif import OnvifConfig

log = logging.getLogger(__name__)

# A camera's answer to one pull (a tev:PullMessagesResponse, as received) for a camera id.
EventSink = Callable[[str, bytes], Awaitable[None]]
# What ends a subscription: the camera's fault, the network, a timeout, a reply zeep cannot read.
PULL_ERRORS = (ONVIFError, ZeepError, aiohttp.ClientError, TimeoutError, OSError, KeyError)
SUBSCRIPTION_S = 60  # asked of the camera; the manager renews at 80 % of what it grants
PULL_WAIT_S = 10  # the long poll: the camera answers at once when it has messages
MESSAGE_LIMIT = 100


@dataclass
class EventsStatus:
    """What an administrator needs to see of a camera's event subscription."""

    camera_id: str
    connected: bool = False  # subscribed, and the last pull was answered
    received: int = 0  # notification messages since csu started
    last_error: str | None = None
    connected_at: datetime | None = None
    subscriptions: int = 0  # subscriptions created since csu started (more than one: re-created)


class CameraEvents:
    """Pulls one camera's events and hands every answer to the sink; re-subscribes on failure."""

    def __init__(
        self,
        camera_id: str,
        config: OnvifConfig,
        sink: EventSink,
        *,
        backoff: Backoff | None = None,
        pull_wait_s: float = PULL_WAIT_S,
    ) -> None:
        self.camera_id = camera_id
        self.status = EventsStatus(camera_id)
        self._config = config
        self._sink = sink
        self._backoff = backoff or Backoff(initial_s=1.0, maximum_s=60.0)
        self._pull_wait = dt.timedelta(seconds=pull_wait_s)
        self._rng = random.Random()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether the subscription's task runs (subscribed, or waiting to subscribe again)."""
        return self._task is not None

    def start(self) -> None:
        """Subscribe and pull on a task of the running loop; returns at once."""
        self._task = asyncio.create_task(self._run(), name=f"onvif-events-{self.camera_id}")

    async def stop(self) -> None:
        """Stop pulling, unsubscribe (best effort) and close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.status.connected = False

    async def _run(self) -> None:
        attempt = 0
        while True:
            pulled = await self._subscription()
            attempt = 0 if pulled else attempt + 1
            delay = self._backoff.delay(attempt, self._rng)
            log.info("camera %s: ONVIF events again in %.1f s", self.camera_id, delay)
            await asyncio.sleep(delay)

    async def _subscription(self) -> bool:
        """One subscription from creation to failure; True when at least one pull was answered."""
        lost = asyncio.Event()
        camera = manager = None
        pulled = False
        try:
            camera = onvif_camera(self._config)
            await camera.update_xaddrs()
            manager = await camera.create_pullpoint_manager(
                dt.timedelta(seconds=SUBSCRIPTION_S), lost.set
            )
            self.status.subscriptions += 1
            service = manager.get_service()
            history = HistoryPlugin(maxlen=1)  # type: ignore[no-untyped-call]
            service.zeep_client.plugins.append(history)
            while not lost.is_set():
                answer = await service.PullMessages(
                    {"Timeout": self._pull_wait, "MessageLimit": MESSAGE_LIMIT}
                )
                pulled = True
                self._connected()
                if answer.NotificationMessage:
                    self.status.received += len(answer.NotificationMessage)
                    await self._deliver(_reply(history))
            self._failed("the camera refused to renew the subscription")
        except PULL_ERRORS as exc:
            self._failed(f"{type(exc).__name__}: {exc}")
        finally:
            await _close(camera, manager)
        return pulled

    async def _deliver(self, body: bytes) -> None:
        """Hand the answer to the sink until it takes it: the camera will not send it again.

        The intake refuses while the engine restarts or the alarm stream is away; no more is
        pulled meanwhile (the camera keeps what comes, and the manager renews the subscription).
        """
        attempt = 0
        while True:
            try:
                await self._sink(self.camera_id, body)
            except Exception as exc:  # the sink is the intake: whatever it raises, keep the body
                self._failed(f"the alarm intake refused the camera's events: {exc}")
                await asyncio.sleep(self._backoff.delay(attempt, self._rng))
                attempt += 1
                continue
            return  # the next pull marks the subscription up again

    def _connected(self) -> None:
        if not self.status.connected:
            self.status.connected = True
            self.status.connected_at = datetime.now(UTC)
            self.status.last_error = None

    def _failed(self, error: str) -> None:
        log.warning("camera %s: ONVIF events: %s", self.camera_id, error)
        self.status.connected = False
        self.status.last_error = error[:500]


def onvif_camera(config: OnvifConfig) -> ONVIFCamera:
    """A client of the camera's ONVIF services (not yet connected)."""
    url = urlsplit(config.url)
    port = url.port or (443 if url.scheme == "https" else 80)
    host = f"[{url.hostname}]" if ":" in (url.hostname or "") else url.hostname  # IPv6
    # The client signs every request: with no account, an empty one for a camera that lets
    # anyone in (None fails in zeep's UsernameToken with a TypeError).
    return ONVIFCamera(
        f"{url.scheme}://{host}",
        port,
        config.username or "",
        config.secret() or "",
        no_cache=True,
    )


def _reply(history: HistoryPlugin) -> bytes:
    """The body of the camera's last answer, as received (the payload stored raw)."""
    last: Any = history.last_received
    envelope = last["envelope"]
    body = envelope.find("{*}Body")  # SOAP 1.2 or 1.1
    return bytes(etree.tostring(body[0] if body is not None and len(body) else envelope))


async def _close(camera: ONVIFCamera | None, manager: Any) -> None:
    """Unsubscribe and close, never raising: the camera may be gone."""
    with contextlib.suppress(*PULL_ERRORS, AssertionError):
        if manager is not None:
            await asyncio.wait_for(manager.shutdown(), 5)
    with contextlib.suppress(*PULL_ERRORS):
        if camera is not None:
            await camera.close()
