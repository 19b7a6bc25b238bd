"""The composition root: builds the FastAPI app and starts and stops every package."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import FastAPI
from prometheus_client.core import GaugeMetricFamily

import csu
from crisis.service import CrisisService
from crisis.walls import WallService
from csu.app_cluster import (
    engine_events,
    event_bus,
    join_cluster,
    lead_when_elected,
    live_redirects,
    ptz_remote,
    reported_events,
    reported_health,
    worker_origins,
)
from csu.app_services import AppServices, stop_services
from csu.bus import EventBus, EventSource
from csu.bus_nats import NatsEventBus, nats_bus_metrics
from csu.cameras.events import CameraChanged
from csu.cameras.merge import in_force, retention_days
from csu.cameras.store import ids_in_force, registry, with_registry
from csu.cluster.runtime import ClusterNode
from csu.config import SiteConfig
from csu.db import Database
from csu.identity.jobs import purge_expired_tokens
from csu.identity.logins import LoginService
from csu.identity.site_sync import apply_authorisations
from csu.metrics import Metrics
from csu.migrate import upgrade
from csu.runtime_tuning import freeze_startup_heap
from csu.scheduler import Scheduler
from csu.settings import Settings
from incidents.analytics_alarms import forward_analytics_events
from incidents.camera_follow import follow_cameras
from incidents.clips import Clip
from incidents.metrics import feed_metrics
from incidents.onvif_alarms import onvif_intake
from incidents.remarks.runtime import start_remarks
from incidents.service import IncidentService, camera_cones, clip_policy, is_assignee
from incidents.video_alarms import forward_video_loss
from privacy.access_log import AccessLog
from privacy.access_log.grants import grant_changes, grant_snapshot
from privacy.access_log.subscribers import log_identity_events
from privacy.accounts import AccountAdmin
from privacy.audit.runtime import start_lawful_access
from privacy.rights import CameraRights
from privacy.rights_watch import RightsWatch
from privacy.zones.service import stored_zones
from video.analytics.service import AnalyticsService
from video.analytics.snapshots import SnapshotStore
from video.bookmarks.service import BookmarkService
from video.encoding import BroadcastPool
from video.evidence.service import ExportService
from video.ingest import SourceOpener
from video.live import LiveService, SessionLimits
from video.live.ice import IceServers
from video.live.interrupted import close_interrupted_views
from video.metrics import camera_metrics
from video.onvif.service import OnvifEvents, onvif_metrics
from video.ptz.service import PtzService
from video.ptz.tour.service import PtzTours
from video.recording.holds import HoldService
from video.recording.index import SegmentIndex
from video.recording.service import RecordingService, recording_metrics
from video.recording.store import SegmentStore, schedule_disk_guard
from video.registry.changes import CameraChanges, RetentionBook
from video.registry.service import CameraAdmin
from video.requisitions.service import RequisitionService
from video.service import CameraService
from video.sources import open_source
from web.deps import provide
from web.errors import install_error_handlers
from web.hub import EventHub
from web.routes import include_routes
from web.security_headers import install_browser_guards
from web.url_text import UrlTextCheck

log = logging.getLogger(__name__)


Companion = Callable[[AppServices], Coroutine[Any, Any, None]]


def create_app(
    settings: Settings,
    site: SiteConfig,
    *,
    camera_opener: SourceOpener = open_source,
    companions: Sequence[Companion] = (),
) -> FastAPI:
    """The whole of csu as one ASGI app; its lifespan runs every package.

    Companions (the demo's simulated hypervisor) run as tasks beside the app once it is up.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await start_services(settings, site, camera_opener)
        app.state.services = services
        provide(app, *services.running())
        tasks = [asyncio.create_task(c(services), name="companion") for c in companions]
        freeze_startup_heap()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await stop_services(services)

    app = FastAPI(
        title="csu",
        version=csu.__version__,
        summary="City supervision: masked video, alarms, incidents, crisis room, lawful access.",
        lifespan=lifespan,
        # csu's metrics are Prometheus (/metrics) and no OpenTelemetry provider is set up; the
        # per-request check FastAPI makes for one cost about 3 % of an alarm post.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    install_error_handlers(app)
    include_routes(app)
    app.add_middleware(UrlTextCheck)
    install_browser_guards(
        app,
        public_url=settings.public_url,
        tile_url=site.map.tile_url,
        connect_origins=lambda: worker_origins(app),
    )
    return app


@dataclass(frozen=True)
class _Kernel:
    """What every package starts on: the migrated database, its access log, bus and scheduler."""

    db: Database
    access_log: AccessLog
    bus: EventBus
    scheduler: Scheduler
    rights: CameraRights
    watch: RightsWatch


@dataclass(frozen=True)
class _Video:
    """The running cameras, their live view and their recorders."""

    cameras: CameraService
    live: LiveService
    recording: RecordingService


async def start_services(
    settings: Settings, site: SiteConfig, camera_opener: SourceOpener = open_source
) -> AppServices:
    """Open the database (migrated), then start the bus, scheduler and cameras, in that order."""
    kernel = await _start_kernel(settings, site)
    db, access_log, bus, scheduler = kernel.db, kernel.access_log, kernel.bus, kernel.scheduler
    # The cameras in force: the site file's, as administrators changed them (csu.cameras).
    entries = await asyncio.to_thread(registry, db, site)
    seed, site = site, with_registry(site, entries)
    retention = RetentionBook(retention_days(entries))
    segment_store = SegmentStore(SegmentIndex(db, settings.recordings_dir()))
    lawful = await asyncio.to_thread(
        start_lawful_access,
        settings,
        db=db,
        access_log=access_log,
        scheduler=scheduler,
        zone=site.site.tzinfo,
        camera_retention=retention,
        footage_stores=(segment_store, SnapshotStore(settings.data_dir)),
    )
    schedule_disk_guard(scheduler, settings, segment_store, access_log)
    # In a cluster only the leader's jobs run: it resumes them when it takes the lead.
    scheduler.start(paused=bool(settings.nats_url))
    cluster = await join_cluster(settings)
    video = await _start_video(settings, site, kernel, camera_opener, segment_store.index, cluster)
    # In a cluster every API node receives video events; the leader's engine alone acts on them.
    engine_feed = engine_events(bus)
    incident_service = await _start_incidents(site, kernel, video, settings, cluster, engine_feed)
    # The cameras' own events; in a cluster the worker that owns a camera pulls them (csu.worker).
    onvif_cameras = site.cameras if cluster is None else ()
    onvif_remote = None if cluster is None else partial(reported_events, cluster)
    onvif = OnvifEvents(onvif_cameras, onvif_intake(incident_service.receive), remote=onvif_remote)
    onvif.start()
    ptz = None if cluster is not None else _start_ptz(settings, site, kernel, video.cameras)
    tours = None if ptz is None else await _start_tours(ptz, kernel)
    analytics = AnalyticsService(
        site.cameras,
        site.models,
        video.cameras.feed,
        bus.publish_threadsafe,
        data_dir=settings.data_dir,
        tz=site.site.tzinfo,
    )
    if cluster is None:  # a cluster's workers run the analytics of the cameras they own
        analytics.start()
    analytics.schedule(scheduler)
    requisitions = RequisitionService(db, access_log)
    exports = ExportService(
        segment_store.index,
        site,
        settings.data_dir,
        access_log=access_log,
        publish=bus.publish_threadsafe,  # each export's progress bar, on the consoles' socket
        access_request=requisitions.is_access_request,
    )
    redirects = live_redirects(cluster, access_log)
    remote = ptz_remote(site, access_log, redirects)
    # What runs per camera follows an administrator's change; an API node runs none of it (its
    # ONVIF statuses are the workers' reports), and forwards an added dome's PTZ to its worker.
    runs = (onvif, ptz, tours) if ptz is not None and tours is not None else ()
    forwards = () if remote is None else (remote,)
    changes = CameraChanges(
        db,
        seed,
        video.cameras,
        video.recording,
        video.live,
        retention=retention,
        runs_here=lambda _camera_id: cluster is None,  # an API node runs no camera
        followers=(*runs, *forwards, analytics, exports),
    )
    bus.subscribe(CameraChanged, changes.apply)
    follow_cameras(bus, db, seed, incident_service)  # coverage and clips follow the registry
    crisis_service = CrisisService(db, bus, site)
    await crisis_service.start()
    wall_service = WallService(
        db,
        bus,
        site,
        lambda: _camera_states(video.cameras),
        cameras_in_force=lambda: in_force(registry(db, seed)),
    )
    await wall_service.start()
    metrics = _metrics(video, bus, incident_service, onvif)
    logins = LoginService(
        db,
        bus,
        session_lifetime=timedelta(hours=settings.session_hours),
        counted=lambda outcome: metrics.logins.labels(outcome).inc(),
    )
    await logins.start()
    leadership = await lead_when_elected(cluster, scheduler, incident_service, engine_feed)
    log.info("csu started: site %s, %d cameras", site.site.name, len(site.cameras))
    return AppServices(
        settings=settings,
        site=site,
        db=db,
        bus=bus,
        scheduler=scheduler,
        metrics=metrics,
        cameras=video.cameras,
        access_log=access_log,
        live=video.live,
        incidents=incident_service,
        hub=EventHub(bus, kernel.watch),
        walls=wall_service,
        crises=crisis_service,
        audit=lawful.audit,
        lawful=lawful,
        analytics=analytics,
        accounts=AccountAdmin(
            db, access_log, partial(ids_in_force, db, seed), rights_ended=kernel.rights.ended
        ),
        recordings=video.recording,
        holds=HoldService(db, access_log),
        exports=exports,
        logins=logins,
        rights=kernel.rights,
        watch=kernel.watch,
        cluster=cluster,
        redirects=redirects,
        leadership=leadership,
        onvif=onvif,
        ptz=ptz,
        tours=tours,
        ptz_remote=remote,
        camera_admin=CameraAdmin(db, access_log, seed, bus.publish_threadsafe),
        bookmarks=BookmarkService(db, access_log),
        requisitions=requisitions,
        remarks=start_remarks(settings, db, access_log, scheduler, site.site.tzinfo),
    )


def _start_ptz(
    settings: Settings, site: SiteConfig, kernel: _Kernel, cameras: CameraService
) -> PtzService:
    """PTZ control of the cameras this process runs (a cluster's workers own theirs, and its
    API nodes forward to them: csu.app_cluster.ptz_remote)."""
    ptz = PtzService(
        site.cameras,
        kernel.access_log,
        kernel.bus.publish,
        assignee=partial(is_assignee, kernel.db),
        lock_s=settings.ptz_lock_seconds,
        moving=cameras.moving_soon,
    )
    ptz.start()
    return ptz


async def _start_tours(ptz: PtzService, kernel: _Kernel) -> PtzTours:
    """The preset tours of the cameras this process moves (those left running resume)."""
    tours = PtzTours(ptz, kernel.db, kernel.access_log)
    await tours.start()
    return tours


async def _start_kernel(settings: Settings, site: SiteConfig) -> _Kernel:
    if settings.nats_url and (errors := settings.cluster_errors()):
        raise RuntimeError(errors[0])
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    await asyncio.to_thread(upgrade, db.engine)
    access_log = AccessLog(db)
    # First of all: what this start logs must come after the ends of the views a kill left open.
    await asyncio.to_thread(close_interrupted_views, db, access_log)
    await asyncio.to_thread(_sync_site, db, site, access_log)
    bus = event_bus(settings)
    log_identity_events(bus, access_log)
    await bus.start()
    scheduler = Scheduler(db.url)
    scheduler.add_interval(
        purge_expired_tokens, job_id="identity.purge_tokens", seconds=3600, kwargs={"db": db}
    )
    rights = CameraRights(db, bus.publish_threadsafe)
    watch = RightsWatch(rights, bus)
    await watch.start()
    return _Kernel(db, access_log, bus, scheduler, rights, watch)


async def _start_video(
    settings: Settings,
    site: SiteConfig,
    kernel: _Kernel,
    camera_opener: SourceOpener,
    index: SegmentIndex,
    cluster: ClusterNode | None = None,
) -> _Video:
    """The video services; on a cluster's API node no camera runs here, their workers say
    how they are."""
    running: list[str] | None = None if cluster is None else []
    remote = None if cluster is None else partial(reported_health, cluster)
    camera_service = CameraService(
        site.cameras, kernel.bus, opener=camera_opener, remote=remote, data_dir=settings.data_dir
    )
    for camera_id, zones in (await asyncio.to_thread(_saved_zones, kernel.db)).items():
        if camera_service.camera(camera_id) is not None:
            camera_service.apply_privacy_zones(camera_id, zones)
    await camera_service.start(running)
    # One encoder per camera rendition, shared by its live viewers and its recorder.
    pool = BroadcastPool()
    live_service = LiveService(
        camera_exists=lambda camera_id: camera_service.camera(camera_id) is not None,
        providers=camera_service.feed,
        pool=pool,
        access_log=kernel.access_log,
        limits=SessionLimits(settings.live_sessions_per_user, settings.live_sessions_total),
        watch=kernel.watch,
        ice=IceServers(site.live),
    )
    recording = RecordingService(site.cameras, pool, camera_service.feed, index)
    await recording.start(running)
    return _Video(camera_service, live_service, recording)


async def _start_incidents(
    site: SiteConfig,
    kernel: _Kernel,
    video: _Video,
    settings: Settings,
    cluster: ClusterNode | None,
    events: EventSource,
) -> IncidentService:
    incident_service = IncidentService(
        kernel.db,
        kernel.bus,
        camera_cones(site),
        sources=site.alarm_sources,
        clips=clip_policy(site),
        on_clip=lambda clip: _record_clip(video.recording, clip),
        language=site.site.language,  # new incidents' titles and checklists
        max_payload_bytes=settings.alarm_max_body_bytes,
        node=settings.node_name,  # names this node's client id in an MQTT share group
        cluster=None if cluster is None else cluster.client,  # alarms go to the alarm stream
    )
    await incident_service.start()
    # Named as the camera is now (an administrator may have added or renamed it since the start).
    forward_video_loss(events, incident_service, lambda cid: _camera_name(video.cameras, cid))
    forward_analytics_events(events, incident_service, lambda cid: _camera_name(video.cameras, cid))
    return incident_service


def _metrics(
    video: _Video, bus: EventBus, incidents: IncidentService, onvif: OnvifEvents
) -> Metrics:
    metrics = Metrics()
    metrics.add_collector(lambda: camera_metrics(video.cameras))
    metrics.add_collector(lambda: feed_metrics(incidents.feeds))
    metrics.add_collector(lambda: onvif_metrics(onvif.cameras))
    metrics.add_collector(lambda: recording_metrics(video.recording))
    metrics.add_collector(lambda: _bus_metrics(bus))
    if isinstance(bus, NatsEventBus):
        metrics.add_collector(lambda: nats_bus_metrics(bus))
    return metrics


def _record_clip(recording: RecordingService, clip: Clip) -> None:
    recording.request_clip(clip.camera_id, clip.start, clip.end)


def _sync_site(db: Database, site: SiteConfig, access_log: AccessLog) -> None:
    with db.session() as session:
        before = grant_snapshot(session)
        apply_authorisations(session, list(site.authorisations))
        session.flush()
        after = grant_snapshot(session)
    # Logged before anything is served: a failing log write stops the start.
    for record in grant_changes(before, after, source="site file at start"):
        access_log.append(record)


def _camera_states(cameras: CameraService) -> dict[str, str]:
    return {view.config.id: view.health.state.value for view in cameras.cameras()}


def _camera_name(cameras: CameraService, camera_id: str) -> str:
    camera = cameras.camera(camera_id)
    return camera.config.name if camera else camera_id


def _saved_zones(db: Database) -> dict[str, list[list[list[float]]]]:
    with db.session() as session:
        return stored_zones(session)


def _bus_metrics(bus: EventBus) -> list[GaugeMetricFamily]:
    pending = GaugeMetricFamily("csu_bus_pending_events", "Events queued for subscribers.")
    pending.add_metric([], bus.pending())
    errors = GaugeMetricFamily("csu_bus_handler_errors", "Subscriber exceptions since start.")
    errors.add_metric([], bus.handler_errors)
    return [pending, errors]
