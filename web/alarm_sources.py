"""GET /api/alarm-sources: where alarms come from, and whether each MQTT feed and each camera's
ONVIF event subscription is up now."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel

from csu.config import AlarmSourceConfig, CameraConfig, redact_url
from incidents.service import IncidentService
from video.onvif.service import EventsStatus, OnvifEvents
from web.alarms import Reader
from web.deps import IncidentsDep, OnvifDep, SiteDep

router = APIRouter(prefix="/api/alarm-sources", tags=["alarms"])


class FeedOut(BaseModel):
    """An MQTT feed or an ONVIF event subscription as it stands now (counts since csu started)."""

    connected: bool
    received: int
    last_error: str | None
    connected_at: datetime | None


class AlarmSourceOut(BaseModel):
    """A configured alarm source, or a camera whose ONVIF events csu pulls (kind onvif, id the
    camera's); `feed` for MQTT and ONVIF sources."""

    id: str
    kind: Literal["mqtt", "http", "onvif"]
    url: str | None  # password redacted
    topic: str | None
    ack: str | None  # mqtt and http
    mqtt_version: str | None  # mqtt and http
    share_group: str | None  # MQTT 5 shared subscription: the nodes of the group split the feed
    feed: FeedOut | None


@router.get("", response_model=list[AlarmSourceOut])
def get_alarm_sources(
    site: SiteDep, incidents: IncidentsDep, onvif: OnvifDep, _user: Reader
) -> list[AlarmSourceOut]:
    """The site's alarm sources in file order, each MQTT one with its feed's live status, then
    its ONVIF cameras, each with its event subscription's."""
    sources = [_source_out(source, incidents) for source in site.alarm_sources]
    return sources + _onvif_sources(site.cameras, onvif)


def _source_out(source: AlarmSourceConfig, incidents: IncidentService) -> AlarmSourceOut:
    feed = None
    if source.kind == "mqtt":
        status = incidents.feed_status(source.id)
        feed = FeedOut(
            connected=status.connected,
            received=status.received,
            last_error=status.last_error,
            connected_at=status.connected_at,
        )
    return AlarmSourceOut(
        id=source.id,
        kind=source.kind,
        url=redact_url(source.url) if source.url else None,
        topic=source.topic,
        ack=source.ack,
        mqtt_version=source.mqtt_version,
        share_group=source.share_group,
        feed=feed,
    )


def _onvif_sources(
    cameras: Sequence[CameraConfig], onvif: OnvifEvents | None
) -> list[AlarmSourceOut]:
    sources = []
    for camera in cameras:
        if camera.onvif is None or not camera.enabled:
            continue
        status = onvif.status(camera.id) if onvif is not None else None
        status = status or EventsStatus(camera.id, last_error="not started")
        feed = FeedOut(
            connected=status.connected,
            received=status.received,
            last_error=status.last_error,
            connected_at=status.connected_at,
        )
        sources.append(
            AlarmSourceOut(
                id=camera.id,
                kind="onvif",
                url=redact_url(camera.onvif.url),
                topic=None,
                ack=None,
                mqtt_version=None,
                share_group=None,
                feed=feed,
            )
        )
    return sources
