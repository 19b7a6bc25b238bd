"""The composition root's cluster half: what an API node adds when CSU_NATS_URL is set."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from csu.bus import EventBus
from csu.bus_nats import NatsBusConfig, NatsEventBus
from csu.cluster.leadership import Leadership
from csu.cluster.runtime import ClusterNode, NodeSettings
from csu.scheduler import Scheduler
from csu.settings import Settings
from privacy.access_log import AccessLog
from video.health import CameraState, Health
from video.live.remote import LiveRedirects
from web.origin_check import origin_of
from web.services import AppServices

log = logging.getLogger(__name__)


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


async def lead_when_elected(cluster: ClusterNode | None, scheduler: Scheduler) -> Leadership | None:
    """On a cluster's API node, the leader lease and what the leader alone does."""
    if cluster is None:
        return None

    async def lead() -> None:
        scheduler.resume()

    async def follow() -> None:
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


def worker_origins(app: FastAPI) -> tuple[str, ...]:
    """The origins of the cluster's live workers, where this API node redirects live view."""
    services: AppServices | None = getattr(app.state, "services", None)
    if services is None or services.cluster is None:
        return ()
    workers = (n.url for n in services.cluster.latest.nodes if n.role == "worker" and n.url)
    return tuple(sorted({origin_of(url) for url in workers}))
