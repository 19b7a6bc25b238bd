"""What the composition root started for one API node (or the single process): each package's
running service, handed to web's dependencies by type and stopped in the reverse order."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, fields

from crisis.service import CrisisService, WallService
from csu.bus import EventBus
from csu.cluster.leadership import Leadership
from csu.cluster.runtime import ClusterNode
from csu.config import SiteConfig
from csu.db import Database
from csu.identity.logins import LoginService
from csu.metrics import Metrics
from csu.scheduler import Scheduler
from csu.settings import Settings
from incidents.remarks.service import RemarkService
from incidents.service import IncidentService
from privacy.access_log import AccessLog
from privacy.accounts import AccountAdmin
from privacy.audit.runtime import LawfulAccess, stop_lawful_access
from privacy.audit.service import AuditService
from privacy.rights import CameraRights
from privacy.rights_watch import RightsWatch
from video.analytics.service import AnalyticsService
from video.bookmarks.service import BookmarkService
from video.evidence.service import ExportService
from video.live import LiveService
from video.live.remote import LiveRedirects
from video.onvif.service import OnvifEvents
from video.ptz.service import PtzRemote, PtzService
from video.ptz.tour.service import PtzTours
from video.recording.holds import HoldService
from video.recording.service import RecordingService
from video.registry.service import CameraAdmin
from video.requisitions.service import RequisitionService
from video.service import CameraService
from web.hub import EventHub


@dataclass
class AppServices:
    """Every running service of the app, as start_services built them."""

    settings: Settings
    site: SiteConfig
    db: Database
    bus: EventBus
    scheduler: Scheduler
    metrics: Metrics
    cameras: CameraService
    access_log: AccessLog
    incidents: IncidentService
    hub: EventHub
    live: LiveService
    walls: WallService
    crises: CrisisService
    audit: AuditService
    lawful: LawfulAccess
    analytics: AnalyticsService
    accounts: AccountAdmin
    recordings: RecordingService
    holds: HoldService
    exports: ExportService
    logins: LoginService
    rights: CameraRights
    watch: RightsWatch
    # Set on a cluster's API node only: the cluster, and where WHEP offers go instead.
    cluster: ClusterNode | None = None
    redirects: LiveRedirects | None = None
    leadership: Leadership | None = None
    # The cameras' ONVIF event subscriptions (none on a cluster's API node).
    onvif: OnvifEvents | None = None
    # PTZ control of the cameras this process runs (none on a cluster's API node, which
    # forwards PTZ requests to the camera's worker instead).
    ptz: PtzService | None = None
    ptz_remote: PtzRemote | None = None
    # The preset tours of the cameras `ptz` moves.
    tours: PtzTours | None = None
    # Cameras added, edited and retired by administrators.
    camera_admin: CameraAdmin | None = None
    # Moments of recorded footage marked with a note.
    bookmarks: BookmarkService | None = None
    # The register of judicial requisitions.
    requisitions: RequisitionService | None = None
    # The Forum visitors' remarks and their moderation.
    remarks: RemarkService | None = None

    def running(self) -> list[object]:
        """Every service that is set, for web's dependencies (each found by its type)."""
        found = (getattr(self, f.name) for f in fields(self))
        return [service for service in found if service is not None]


async def stop_services(services: AppServices) -> None:
    """Stop everything in the reverse order of start (the leader lease first: the standby
    takes over while this node winds down)."""
    if services.leadership is not None:
        await services.leadership.stop()
    await services.logins.stop()
    services.hub.close()
    services.exports.close()
    await services.walls.stop()
    await services.crises.stop()
    await services.recordings.stop()
    await services.live.stop()
    await services.live.pool.stop()  # the encoders, once neither viewers nor recorders need them
    await services.analytics.stop()
    if services.onvif is not None:
        await services.onvif.stop()
    if services.tours is not None:
        await services.tours.stop()
    if services.ptz is not None:
        await services.ptz.stop()
    if services.ptz_remote is not None:
        await services.ptz_remote.close()
    await services.incidents.stop()
    await services.cameras.stop()
    await services.scheduler.shutdown()
    await services.watch.stop()
    if services.cluster is not None:
        await services.cluster.stop()
    await services.bus.stop()
    await asyncio.to_thread(stop_lawful_access, services.lawful)
    services.db.dispose()
