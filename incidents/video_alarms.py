"""Camera outages become alarms: the video package's loss events go through the real intake."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from csu.bus import EventSource
from csu.i18n import Language, Translator
from incidents.service import IncidentService
from video.events import VideoLoss, VideoRestored


def loss_external_id(camera_id: str, offline_since: datetime) -> str:
    """One alarm per outage: the loss and its end share this id."""
    return f"video.loss:{camera_id}:{offline_since.astimezone(UTC).isoformat()}"


def loss_payload(event: VideoLoss | VideoRestored, camera_name: str, language: Language) -> bytes:
    """csu's own alarm JSON for a loss (active) or its end (cleared), told in `language`."""
    t = Translator(language)
    lost = isinstance(event, VideoLoss)
    if isinstance(event, VideoLoss):
        reason = event.reason or t("incidents.video_loss.no_frames")
        text = t("incidents.video_loss.lost", camera=camera_name, reason=reason)
    else:
        seconds = f"{event.offline_for_s:.0f}"
        text = t("incidents.video_loss.back", camera=camera_name, seconds=seconds)
    body = {
        "source": "csu.video",
        "external_id": loss_external_id(event.camera_id, event.offline_since),
        "type": "video.loss",
        "occurred_at": (event.offline_since if lost else event.at).isoformat(),
        "camera_id": event.camera_id,
        "status": "active" if lost else "cleared",
        "description": text,
    }
    return json.dumps(body).encode()


def forward_video_loss(
    bus: EventSource, incidents: IncidentService, camera_name: Callable[[str], str]
) -> None:
    """Subscribe: every VideoLoss and VideoRestored is submitted as an internal alarm.

    `bus` is the bus itself in one process; in a cluster, the engine's group, so that the
    leader alone raises the alarm (every API node receives the event).
    """

    async def submit(event: VideoLoss | VideoRestored) -> None:
        body = loss_payload(event, camera_name(event.camera_id), incidents.language)
        await incidents.raise_camera_alarm(event.camera_id, body)

    bus.subscribe(VideoLoss, submit, name="incidents.video-loss")
    bus.subscribe(VideoRestored, submit, name="incidents.video-restored")
