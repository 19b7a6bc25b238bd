"""Video analytics events become `video.analytics.<kind>` alarms through the real intake.

An analytics event only suggests (domain.md rule 6): the alarm asks an operator to confirm or
dismiss it (incidents.analytics_decisions), never acts by itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from datetime import datetime

from pydantic import BaseModel, Field, ValidationError

from csu.bus import EventSource
from incidents.records import AlarmRow
from incidents.service import IncidentService
from video.analytics.events import VideoAnalyticsEvent

log = logging.getLogger(__name__)

ANALYTICS_SOURCE = "csu.analytics"
_EXTERNAL_PREFIX = "analytics:"
_LABELS = {
    "abandoned_object": "abandoned object",
    "weapon": "weapon",
    "wrong_way": "going the wrong way",
    "zone_intrusion": "entry into a forbidden zone",
    "person_down": "person on the ground",
    "crowd_movement": "crowd movement",
    "crowd_density": "excessive crowd density",
    "fire": "fire",
}


def analytics_payload(event: VideoAnalyticsEvent, camera_name: str) -> bytes:
    """csu's own alarm JSON for one analytics event: the box and the snapshot's path as data."""
    body = {
        "source": ANALYTICS_SOURCE,
        "external_id": f"{_EXTERNAL_PREFIX}{event.camera_id}:{event.event_id}",
        "type": f"video.analytics.{event.kind}",
        "occurred_at": event.occurred_at.isoformat(),
        "camera_id": event.camera_id,
        "description": f"{camera_name}: {_LABELS[event.kind]} (rule {event.rule}), to confirm",
        "data": {
            "rule": event.rule,
            "box": list(event.box),
            "track": event.track,
            "snapshot": event.snapshot,
            "details": event.details,
        },
    }
    return json.dumps(body).encode()


class AnalyticsAlarmView(BaseModel):
    """What a console shows of one analytics alarm beside the operator's decision."""

    alarm_id: int
    event_id: str = Field(description="Names the event's snapshot (/api/analytics/events/...).")
    camera_id: str
    kind: str
    rule: str
    occurred_at: datetime
    box: tuple[float, float, float, float] = Field(
        description="The track's box, normalised [x1, y1, x2, y2] of the frame."
    )
    track: str | None
    snapshot: bool = Field(description="Whether a masked snapshot was taken (it may be purged).")


def analytics_views(alarms: Iterable[AlarmRow]) -> list[AnalyticsAlarmView]:
    """The analytics alarms among `alarms` (raised by csu itself), read back from their data."""
    views = []
    for row in alarms:
        if row.source != ANALYTICS_SOURCE or not row.external_id.startswith(_EXTERNAL_PREFIX):
            continue
        data = json.loads(row.data)
        try:
            views.append(
                AnalyticsAlarmView(
                    alarm_id=row.id,
                    event_id=row.external_id.rsplit(":", 1)[1],
                    camera_id=row.camera_id,
                    kind=row.type.removeprefix("video.analytics."),
                    rule=data.get("rule"),
                    occurred_at=row.occurred_at,
                    box=data.get("box"),
                    track=data.get("track"),
                    snapshot=data.get("snapshot") is not None,
                )
            )
        except ValidationError as exc:  # a row csu did not write this way: shown without picture
            log.warning("analytics alarm %s unreadable: %s", row.id, exc)
    return views


def forward_analytics_events(
    bus: EventSource, incidents: IncidentService, camera_name: Callable[[str], str]
) -> None:
    """Subscribe: every VideoAnalyticsEvent is submitted as an internal alarm (in a cluster,
    on the leader alone: `bus` is then the engine's group, as for video loss)."""

    async def submit(event: VideoAnalyticsEvent) -> None:
        body = analytics_payload(event, camera_name(event.camera_id))
        await incidents.raise_camera_alarm(event.camera_id, body)

    bus.subscribe(VideoAnalyticsEvent, submit, name="incidents.video-analytics")
