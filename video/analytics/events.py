"""The event the analytics publish: one alert for a human, never a decision."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from csu.events import Event, Reach

# The closed list of the law (domain.md rule 6), as csu's alarm types name them.
EventKind = Literal[
    "abandoned_object",
    "weapon",
    "wrong_way",
    "zone_intrusion",
    "person_down",
    "crowd_movement",
    "crowd_density",
    "fire",
]


class VideoAnalyticsEvent(Event):
    """A rule fired on a camera; the incidents package turns it into a `video.analytics.*` alarm.

    `box` is normalised [x1, y1, x2, y2]; `track` means something on this camera only;
    `snapshot` is the masked JPEG's path relative to the data folder (never the image itself).
    """

    topic: ClassVar[str] = "video.analytics"
    # Durable: raised on a camera worker, turned into an alarm by the one incident engine.
    reach: ClassVar[Reach] = "durable"
    event_id: str
    camera_id: str
    kind: EventKind
    rule: str
    occurred_at: datetime
    box: tuple[float, float, float, float]
    track: str | None
    snapshot: str | None
    details: dict[str, float | int | str]
