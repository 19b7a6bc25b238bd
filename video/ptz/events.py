"""Events of PTZ control."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from csu.events import Event, Reach


class PtzControlEnded(Event):
    """Someone's control of a camera ended: released, lapsed, or taken over by `by`.

    Consoles tell `username` at once, so that an operator whose camera was taken over knows
    why it no longer answers.
    """

    topic: ClassVar[str] = "video.ptz_control_ended"
    # Live: the console of the one who lost control may be connected to any node.
    reach: ClassVar[Reach] = "live"
    camera_id: str
    username: str
    reason: (
        str  # released, expired, taken_over, moved, changed, retired (video.ptz.control.EndReason)
    )
    by: str | None
    started: datetime
    ended: datetime
