"""Video analytics events become `video.analytics.<kind>` alarms through the real intake.

An analytics event only suggests (domain.md rule 6): the alarm asks an operator to confirm or
dismiss it (incidents.analytics_decisions), never acts by itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from csu.bus import EventSource
from csu.i18n import Language, Translator
from incidents.alarms.catalogue import type_label
from incidents.analytics_decisions import ANALYTICS_SOURCE, EXTERNAL_PREFIX
from incidents.service import IncidentService
from video.analytics.events import VideoAnalyticsEvent

log = logging.getLogger(__name__)


def analytics_payload(event: VideoAnalyticsEvent, camera_name: str, language: Language) -> bytes:
    """csu's own alarm JSON for one analytics event, told in `language`: the box and the
    snapshot's path as data."""
    alarm_type = f"video.analytics.{event.kind}"
    what = type_label(alarm_type, language)
    text = Translator(language)(
        "incidents.analytics.suggested", camera=camera_name, what=what, rule=event.rule
    )
    body = {
        "source": ANALYTICS_SOURCE,
        "external_id": f"{EXTERNAL_PREFIX}{event.camera_id}:{event.event_id}",
        "type": alarm_type,
        "occurred_at": event.occurred_at.isoformat(),
        "camera_id": event.camera_id,
        "description": text,
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
        body = analytics_payload(event, camera_name(event.camera_id), incidents.language)
        await incidents.raise_camera_alarm(event.camera_id, body)

    bus.subscribe(VideoAnalyticsEvent, submit, name="incidents.video-analytics")
