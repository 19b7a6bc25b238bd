"""Nodes on a private NATS server, the events they exchange, and waiting for them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crisis.events import WallLayoutChanged
from csu.bus_nats import NatsBusConfig, NatsEventBus
from csu.events import Event
from csu.identity.events import LoginSucceeded, RightsEnded
from video.analytics.events import VideoAnalyticsEvent
from video.events import CameraStatusChanged


@dataclass
class Node:
    """A started bus and every event its catch-all subscriber received, in order."""

    bus: NatsEventBus
    seen: list[Event] = field(default_factory=list)


@asynccontextmanager
async def node(url: str, name: str, **options: Any) -> AsyncIterator[Node]:
    """A bus named `name`, started on `url`, stopped afterwards."""
    found = Node(NatsEventBus(NatsBusConfig(url=url, node=name, **options)))
    found.bus.subscribe(Event, found.seen.append, name=f"test.{name}.all")
    await found.bus.start()
    try:
        yield found
    finally:
        await found.bus.stop()


async def until(check: Callable[[], bool], timeout: float = 15.0, what: str = "") -> None:
    """Wait until `check()` holds; AssertionError naming `what` if it never does."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.02)


def status(camera: str, now: str = "offline") -> CameraStatusChanged:
    """A durable event."""
    return CameraStatusChanged(
        camera_id=camera, status=now, previous="online", reason="cannot open stream: refused"
    )


def analytics(n: int) -> VideoAnalyticsEvent:
    """A durable event with a tuple, a datetime, a literal and a mixed dict in it."""
    return VideoAnalyticsEvent(
        event_id=f"ev-{n}",
        camera_id="cam-ralliement-1",
        kind="abandoned_object",
        rule="quai-bagages",
        occurred_at=datetime(2026, 11, 25, 21, 4, n % 60, 250_000, tzinfo=UTC),
        box=(0.125, 0.25, 0.5, 0.75),
        track=f"t{n}",
        snapshot=f"snapshots/cam-ralliement-1/{n}.jpg",
        details={"score": 0.875, "seconds": 42, "label": "suitcase é"},
    )


def layout(version: int) -> WallLayoutChanged:
    """A live event."""
    return WallLayoutChanged(
        wall_id="csu-main", version=version, mode="auto", cameras=["cam-1", "cam-2"]
    )


def rights_ended(user: str) -> RightsEnded:
    """A live event every node must see."""
    return RightsEnded(username=user, reason="logged out")


def login(user: str) -> LoginSucceeded:
    """A local event."""
    return LoginSucceeded(username=user, role="operator", client="10.0.0.7")
