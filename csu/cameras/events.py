"""What the registry tells every node when an administrator changes a camera."""

from __future__ import annotations

from typing import ClassVar, Literal

from csu.events import Event, Reach


class CameraChanged(Event):
    """A camera was added, edited or retired in the browser. Every node reads the registry again
    (the event carries no settings: a stream address may hold a password) and starts, restarts
    or stops the camera's pipeline; a cluster's ownership rounds give an added camera to a
    worker."""

    topic: ClassVar[str] = "cameras.changed"
    # Durable: a node that was away must not keep running a retired camera.
    reach: ClassVar[Reach] = "durable"
    camera_id: str
    change: Literal["added", "edited", "retired"]
