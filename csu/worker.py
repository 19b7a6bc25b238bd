"""`csu worker`: a camera worker of a cluster, composed from the video and privacy packages.

It owns cameras by lease (csu.cluster.ownership): for each camera it gains it starts ingest,
masking, encoding, recording, the camera's ONVIF event subscription (its events go into the
alarm stream, as an API node's intake puts them), its PTZ and its preset tour if it runs; for
each it loses it ends the tour's run, the PTZ session and the live views and stops them. Its
HTTP face serves WHEP, snapshots and playback for its cameras to browsers an API node redirected
with a ticket, and PTZ and tours to API nodes that forward their operators' requests with one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

import csu
from csu.bus import EventBus
from csu.bus_nats import NatsBusConfig, NatsEventBus
from csu.cameras.events import CameraChanged
from csu.cameras.merge import retention_days
from csu.cameras.store import registry, with_registry
from csu.cluster.nodes import CameraReport, EventsReport
from csu.cluster.ownership import CameraOwnership, Gained
from csu.cluster.runtime import ClusterNode, NodeSettings
from csu.config import SiteConfig
from csu.db import Database
from csu.migrate import upgrade
from csu.scheduler import Scheduler
from csu.settings import Settings
from incidents.onvif_alarms import onvif_intake
from incidents.service import is_assignee
from incidents.stream_cluster import ClusterIntake
from privacy.access_log import AccessLog
from privacy.audit.runtime import schedule_footage_purge
from privacy.rights import CameraRights
from privacy.rights_watch import RightsWatch
from privacy.zones.service import stored_zones
from video.analytics.service import AnalyticsService
from video.encoding import BroadcastPool
from video.ingest import SourceOpener
from video.live import LiveService, SessionLimits
from video.live.ice import IceServers
from video.live.interrupted import close_interrupted_views
from video.live.remote import TicketDoor
from video.onvif.service import OnvifEvents
from video.ptz.interrupted import end_left_run, end_left_session
from video.ptz.service import PtzService
from video.ptz.tour.service import PtzTours
from video.recording.index import SegmentIndex
from video.recording.service import RecordingService
from video.recording.store import SegmentStore, schedule_disk_guard
from video.registry.changes import CameraChanges, RetentionBook
from video.service import CameraService
from video.sources import open_source
from web.errors import install_error_handlers
from web.playback import PLAYBACK_START
from web.worker_routes import WorkerFace, router

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WorkerRuntime:
    """Everything a running worker holds, stopped in reverse order."""

    db: Database
    access_log: AccessLog
    bus: EventBus
    watch: RightsWatch
    scheduler: Scheduler
    node: ClusterNode
    cameras: CameraService
    live: LiveService
    recording: RecordingService
    analytics: AnalyticsService
    ownership: CameraOwnership
    onvif: OnvifEvents
    intake: ClusterIntake
    ptz: PtzService
    tours: PtzTours


def create_worker_app(
    settings: Settings,
    site: SiteConfig,
    node: NodeSettings,
    *,
    camera_opener: SourceOpener = open_source,
) -> FastAPI:
    """The worker as one ASGI app; its lifespan joins the cluster and serves owned cameras."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await start_worker(settings, site, node, camera_opener)
        app.state.runtime = runtime
        app.state.worker = WorkerFace(
            runtime.live,
            TicketDoor(
                node.name,
                lambda: runtime.node.ticket_key,
                CameraRights(runtime.db, runtime.bus.publish_threadsafe),
            ),
            lambda camera_id: camera_id in runtime.ownership.owned(),
            runtime.cameras,
            runtime.access_log,
            runtime.recording,
            runtime.ptz,
            runtime.tours,
        )
        try:
            yield
        finally:
            await stop_worker(runtime)

    app = FastAPI(title=f"csu worker {node.name}", version=csu.__version__, lifespan=lifespan)
    install_error_handlers(app, timezone=site.site.timezone)
    app.include_router(router)
    app.add_api_route("/healthz", _healthz, methods=["GET"], include_in_schema=False)
    # A browser arrives here by a redirect from an API node, with `Origin: null`; the ticket in
    # the URL authorises, never a cookie, so any origin may call and none gets credentials.
    # The page reads X-Playback-Start (its playback clock's origin): hidden unless exposed.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["content-type"],
        expose_headers=["Location", PLAYBACK_START],
    )
    return app


def _healthz() -> dict[str, str]:
    return {"status": "ok"}


async def start_worker(
    settings: Settings, site: SiteConfig, node: NodeSettings, opener: SourceOpener = open_source
) -> WorkerRuntime:
    """Open the shared database, join the cluster, and start taking camera leases."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url())
    await asyncio.to_thread(upgrade, db.engine)
    access_log = AccessLog(db)
    await asyncio.to_thread(close_interrupted_views, db, access_log, node.name)
    entries = await asyncio.to_thread(registry, db, site)
    seed, site = site, with_registry(site, entries)  # the cameras in force (csu.cameras)
    bus = NatsEventBus(NatsBusConfig(node.nats_url, node=f"worker-{node.name}"))
    await bus.start()
    watch = RightsWatch(CameraRights(db, bus.publish_threadsafe), bus)
    await watch.start()
    cameras = CameraService(site.cameras, bus, opener=opener, data_dir=settings.data_dir)
    for camera_id, zones in (await asyncio.to_thread(_saved_zones, db)).items():
        if cameras.camera(camera_id) is not None:
            cameras.apply_privacy_zones(camera_id, zones)
    await cameras.start(cameras=[])
    # One encoder per camera rendition, shared by its live viewers and its recorder.
    pool = BroadcastPool()
    live = LiveService(
        camera_exists=lambda camera_id: camera_id in cameras.running(),
        providers=cameras.feed,
        pool=pool,
        access_log=access_log,
        limits=SessionLimits(settings.live_sessions_per_user, settings.live_sessions_total),
        watch=watch,
        node=node.name,
        ice=IceServers(site.live),
    )
    index = SegmentIndex(db, settings.recordings_dir(), node=node.name)
    recording = RecordingService(site.cameras, pool, cameras.feed, index)
    await recording.start(cameras=[])
    # A worker's segments are on its own disk: it keeps them within retention and free space.
    scheduler = Scheduler(db.url)
    retention = RetentionBook(retention_days(entries))
    schedule_footage_purge(scheduler, [SegmentStore(index)], retention, access_log)
    schedule_disk_guard(scheduler, settings, SegmentStore(index), access_log)
    scheduler.start()
    analytics = AnalyticsService(
        site.cameras,
        site.models,
        cameras.feed,
        bus.publish_threadsafe,
        data_dir=settings.data_dir,
        tz=site.site.tzinfo,
    )
    # Its end-date guard stops whatever this worker analyses when an authorisation ends.
    analytics.schedule(scheduler)
    # The cameras' events go into the alarm stream once the node is connected: `intake` is
    # set below, before any camera (and so any subscription) is gained.
    onvif = OnvifEvents(site.cameras, onvif_intake(lambda payload: intake.receive(payload)))
    cluster = ClusterNode(node, lambda: _states(cameras, onvif))
    await cluster.start()
    intake = ClusterIntake(cluster.client, node=f"worker-{node.name}")
    await intake.publisher.start()
    # PTZ of the cameras this worker owns: their arbiters and locks live here.
    ptz = PtzService(
        site.cameras,
        access_log,
        bus.publish,
        assignee=partial(is_assignee, db),
        lock_s=settings.ptz_lock_seconds,
        owned=False,
        moving=cameras.moving_soon,
    )
    ptz.start()
    # Their tours too: each resumed when its camera is gained, if it is stored as running.
    tours = PtzTours(ptz, db, access_log)
    video = _Video(cameras, live, recording, analytics, onvif, ptz, tours)
    left = partial(_end_left_ptz, db, access_log, bus, node.name)
    ownership = _ownership(site, node, cluster, video, left)
    # The ownership rounds start a changed camera wherever it goes, this worker included.
    changes = CameraChanges(
        db,
        seed,
        cameras,
        recording,
        live,
        retention=retention,
        runs_here=lambda _c: False,
        followers=(ptz, onvif, analytics),  # new settings taken; started when a round gains it
    )
    _follow_registry(bus, changes, cameras, ownership)
    await ownership.start()
    log.info("csu worker %s joined the cluster at %s", node.name, node.nats_url)
    return WorkerRuntime(
        db,
        access_log,
        bus,
        watch,
        scheduler,
        cluster,
        cameras,
        live,
        recording,
        analytics,
        ownership,
        onvif,
        intake,
        ptz,
        tours,
    )


@dataclass(frozen=True)
class _Video:
    """What a worker runs per camera it owns."""

    cameras: CameraService
    live: LiveService
    recording: RecordingService
    analytics: AnalyticsService
    onvif: OnvifEvents
    ptz: PtzService
    tours: PtzTours


# Ends what a dead worker left of a camera's PTZ: (camera, the dead worker's name).
EndLeft = Callable[[str, str], Awaitable[None]]


def _ownership(
    site: SiteConfig, node: NodeSettings, cluster: ClusterNode, video: _Video, left: EndLeft
) -> CameraOwnership:
    async def gain(gained: Gained) -> None:
        # A worker that died stopped serving at most a lease ago.
        dark = None
        if gained.taken_from is not None:
            dark = datetime.now(UTC) - timedelta(seconds=node.lease_ttl_s)
            log.warning("taking camera %s over from %s", gained.camera_id, gained.taken_from)
            await left(gained.camera_id, gained.taken_from)
        video.cameras.start_camera(gained.camera_id, dark_since=dark)
        video.recording.start_camera(gained.camera_id)
        video.analytics.start_camera(gained.camera_id)
        video.onvif.start_camera(gained.camera_id)
        video.ptz.start_camera(gained.camera_id)
        try:
            await video.tours.resume(gained.camera_id)
        except Exception:  # the camera is served all the same; its tour waits for a restart
            log.exception("resuming the PTZ tour of %s", gained.camera_id)

    async def lose(camera_id: str) -> None:
        try:  # its run first, while the camera is still here (the tour stays stored as running)
            await video.tours.suspend(camera_id, "moved")
        except Exception:  # the camera goes all the same; the log says what failed
            log.exception("ending the PTZ tour run on %s", camera_id)
        await video.ptz.stop_camera(camera_id)
        await video.onvif.stop_camera(camera_id)
        await video.live.end_camera(camera_id, "camera moved to another worker")
        await video.analytics.stop_camera(camera_id)
        await video.recording.stop_camera(camera_id)
        await video.cameras.stop_camera(camera_id, "served by another worker")

    return CameraOwnership(
        cluster,
        [c.id for c in site.cameras if c.enabled],
        capacity=node.capacity or 1_000_000,  # none set: no bound (cameras may be added)
        on_gain=gain,
        on_lose=lose,
    )


def _follow_registry(
    bus: EventBus, changes: CameraChanges, cameras: CameraService, ownership: CameraOwnership
) -> None:
    """An administrator's camera change: the camera given up here if held, its settings taken,
    and the cameras shared again; the next ownership round starts it on some worker."""

    async def follow(event: CameraChanged) -> None:
        async def apply() -> list[str]:
            await changes.apply(event)
            return [view.config.id for view in cameras.cameras() if view.config.enabled]

        await ownership.reconsider(event.camera_id, apply)

    bus.subscribe(CameraChanged, follow)


async def stop_worker(runtime: WorkerRuntime) -> None:
    """Give the cameras back at once (others take them without waiting), then stop."""
    await runtime.ownership.stop()
    await runtime.tours.stop()
    await runtime.ptz.stop()
    await runtime.onvif.stop()
    await runtime.intake.publisher.stop()
    await runtime.live.stop()
    await runtime.analytics.stop()
    await runtime.recording.stop()
    await runtime.live.pool.stop()  # the encoders, once neither viewers nor recorders need them
    await runtime.cameras.stop()
    await runtime.scheduler.shutdown()
    await runtime.node.stop()
    await runtime.watch.stop()
    await runtime.bus.stop()
    runtime.db.dispose()


async def _end_left_ptz(
    db: Database, access_log: AccessLog, bus: EventBus, taker: str, camera_id: str, dead: str
) -> None:
    """End the PTZ session and the tour run a dead worker left open on a camera this one
    takes, if any (the tour then resumes here, as a new run)."""
    try:
        ended = await asyncio.to_thread(
            end_left_session, db, access_log, camera_id, dead=dead, taker=taker
        )
        if ended is not None:
            bus.publish(ended)
        await asyncio.to_thread(end_left_run, db, access_log, camera_id, dead=dead, taker=taker)
    except Exception:  # the camera is taken all the same; what was left stays unended
        log.exception("ending what worker %s left of the PTZ of %s", dead, camera_id)


def _states(cameras: CameraService, onvif: OnvifEvents) -> dict[str, CameraReport]:
    running = cameras.running()
    return {
        v.config.id: CameraReport(
            state=v.health.state.value,
            reason=v.health.reason,
            fps=round(v.health.fps, 2),
            events=_events(onvif, v.config.id),
        )
        for v in cameras.cameras()
        if v.config.id in running
    }


def _events(onvif: OnvifEvents, camera_id: str) -> EventsReport | None:
    if camera_id not in onvif.running() or (status := onvif.status(camera_id)) is None:
        return None
    return EventsReport(
        connected=status.connected,
        received=status.received,
        last_error=status.last_error,
        connected_at=status.connected_at,
        subscriptions=status.subscriptions,
    )


def _saved_zones(db: Database) -> dict[str, list[list[list[float]]]]:
    with db.session() as session:
        return stored_zones(session)
