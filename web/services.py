"""The running services a request may use, built by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

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
from incidents.service import IncidentService
from privacy.access_log.service import AccessLog
from privacy.audit.runtime import LawfulAccess
from privacy.audit.service import AuditService
from privacy.service import AccountAdmin, CameraRights, RightsWatch
from video.analytics.service import AnalyticsService
from video.evidence.service import ExportService
from video.live.service import LiveRedirects, LiveService
from video.onvif.service import OnvifEvents
from video.ptz.service import PtzService
from video.recording.service import HoldService, RecordingService
from video.service import CameraService
from web.hub import EventHub


@dataclass
class AppServices:
    """Everything routes reach through `request.app.state.services`."""

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
    # PTZ control of the cameras this process runs (none on a cluster's API node, for now).
    ptz: PtzService | None = None
