"""The composition root's cluster half: what an API node adds when CSU_NATS_URL is set."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from csu.app_services import AppServices
from csu.bus import EventBus, EventSource
from csu.bus_nats import GroupConsumer, NatsBusConfig, NatsEventBus
from csu.cluster.leadership import Leadership
from csu.cluster.runtime import ClusterNode, NodeSettings
from csu.config import SiteConfig
from csu.scheduler import Scheduler
from csu.settings import Settings
from incidents.service import IncidentService
from privacy.access_log import AccessLog
from video.health import CameraState, Health
from video.live.remote import LiveRedirects
from video.onvif.service import EventsStatus
from video.ptz.remote import PtzRemote
from web.origin_check import origin_of

log = logging.getLogger(__name__)

# The durable consumer of the video events the incident engine turns into alarms.
ENGINE_GROUP = "engine"


def event_bus(settings: Settings, role: str = "api") -> EventBus:
    """The in-process bus, or on a cluster's node the bus that also reaches the other nodes."""
    if not settings.nats_url:
        return EventBus()
    return NatsEventBus(NatsBusConfig(settings.nats_url, node=f"{role}-{settings.node_name}"))


async def join_cluster(settings: Settings) -> ClusterNode | None:
    """An API node's place in the cluster when CSU_NATS_URL is set (None: the single process)."""
    if not settings.nats_url:
        return None
    node = ClusterNode(
        NodeSettings(settings.nats_url, settings.node_name, "api", url=settings.public_url)
    )
    await node.start()
    log.info("csu API node %s joined the cluster at %s", settings.node_name, settings.nats_url)
    return node


def live_redirects(cluster: ClusterNode | None, access_log: AccessLog) -> LiveRedirects | None:
    """Where this API node sends WHEP offers (None: it serves them itself)."""
    if cluster is None:
        return None
    return LiveRedirects(access_log, cluster.owner, cluster.worker, lambda: cluster.ticket_key)


def ptz_remote(
    site: SiteConfig, access_log: AccessLog, redirects: LiveRedirects | None
) -> PtzRemote | None:
    """Where this API node sends PTZ requests: the camera's worker (None: it runs them)."""
    return None if redirects is None else PtzRemote(site.cameras, access_log, redirects)


def engine_events(bus: EventBus) -> EventSource:
    """Where the incident engine's handlers subscribe: the bus, or on a cluster's API node the
    engine's group (one consumer for the cluster, pulled by the leader while it leads)."""
    if isinstance(bus, NatsEventBus):
        return bus.group(ENGINE_GROUP)
    return bus


async def lead_when_elected(
    cluster: ClusterNode | None,
    scheduler: Scheduler,
    incidents: IncidentService,
    events: EventSource,
) -> Leadership | None:
    """On a cluster's API node, the leader lease and what the leader alone does: scheduled
    jobs, the incident engine (the alarm stream, the cluster's actions) and its group's events."""
    if cluster is None:
        return None
    group = events if isinstance(events, GroupConsumer) else None

    async def lead() -> None:
        scheduler.resume()
        await incidents.lead()
        if group is not None:
            await group.start()

    async def follow() -> None:
        if group is not None:
            await group.stop()
        await incidents.follow()
        scheduler.pause()

    leadership = Leadership(cluster, lead=lead, follow=follow)
    await leadership.start()
    return leadership


def reported_health(cluster: ClusterNode, camera_id: str) -> Health | None:
    """A camera's health as its worker last reported it (None: no live worker holds it)."""
    report = cluster.report(camera_id)
    if report is None:
        return None
    try:
        state = CameraState(report.state)
    except ValueError:
        return None
    return Health(state, report.reason, report.fps)


def reported_events(cluster: ClusterNode, camera_id: str) -> EventsStatus | None:
    """A camera's ONVIF event subscription as its worker last reported it (None: no live
    worker holds it, or the camera has none)."""
    report = cluster.report(camera_id)
    if report is None or report.events is None:
        return None
    return EventsStatus(camera_id, **report.events.model_dump())


def worker_origins(app: FastAPI) -> tuple[str, ...]:
    """The origins of the cluster's live workers, where this API node redirects live view."""
    services: AppServices | None = getattr(app.state, "services", None)
    if services is None or services.cluster is None:
        return ()
    workers = (n.url for n in services.cluster.latest.nodes if n.role == "worker" and n.url)
    return tuple(sorted({origin_of(url) for url in workers}))
