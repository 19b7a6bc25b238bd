"""Events the video package publishes."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from csu.events import Event, Reach


class CameraStatusChanged(Event):
    """A camera's state changed, or it stays offline for a new reason.

    Consumers must not assume that `status` differs from `previous`: an offline camera whose
    reason changes (say "connecting" to "cannot open stream: Connection refused") is published
    again with `status == previous == "offline"` and the new `reason`.
    """

    topic: ClassVar[str] = "video.camera_status"
    # Durable: walls and consoles on every node follow camera states; a node that was away
    # catches up on what changed meanwhile.
    reach: ClassVar[Reach] = "durable"
    camera_id: str
    status: str
    previous: str | None
    reason: str | None


class VideoLoss(Event):
    """A camera has been offline longer than its `video_loss_after_s`; published once an outage.

    The incidents package turns this into an alarm; `offline_since` is when csu first saw the
    camera offline (UTC), and `reason` the offline reason at the moment the loss was raised.
    """

    topic: ClassVar[str] = "video.loss"
    # Durable: the one incident engine turns it into an alarm, wherever the camera runs.
    reach: ClassVar[Reach] = "durable"
    camera_id: str
    offline_since: datetime
    reason: str | None


class VideoRestored(Event):
    """A camera whose video loss was raised delivers frames again."""

    topic: ClassVar[str] = "video.restored"
    reach: ClassVar[Reach] = "durable"  # as VideoLoss, whose outage it closes
    camera_id: str
    offline_since: datetime  # the same outage start its VideoLoss carried
    offline_for_s: float
