"""Video analytics events become `video.analytics.<kind>` alarms through the real intake.

An analytics event only suggests (domain.md rule 6): the alarm asks an operator to confirm or
dismiss it (incidents.analytics_decisions), never acts by itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from csu.bus import EventSource
from incidents.analytics_decisions import ANALYTICS_SOURCE, EXTERNAL_PREFIX
from incidents.service import IncidentService
from video.analytics.events import VideoAnalyticsEvent

log = logging.getLogger(__name__)

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
        "external_id": f"{EXTERNAL_PREFIX}{event.camera_id}:{event.event_id}",
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


def forward_analytics_events(
    bus: EventSource, incidents: IncidentService, camera_name: Callable[[str], str]
) -> None:
    """Subscribe: every VideoAnalyticsEvent is submitted as an internal alarm (in a cluster,
    on the leader alone: `bus` is then the engine's group, as for video loss)."""

    async def submit(event: VideoAnalyticsEvent) -> None:
        body = analytics_payload(event, camera_name(event.camera_id))
        await incidents.raise_camera_alarm(event.camera_id, body)

    bus.subscribe(VideoAnalyticsEvent, submit, name="incidents.video-analytics")
