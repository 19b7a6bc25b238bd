"""Events the video package publishes."""

from __future__ import annotations

from typing import ClassVar

from csu.events import Event


class CameraStatusChanged(Event):
    """A camera went online, degraded or offline."""

    topic: ClassVar[str] = "video.camera_status"
    camera_id: str
    status: str
    previous: str | None
    reason: str | None
