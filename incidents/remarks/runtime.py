"""Starting the remarks: the service built from the settings, and its daily purge scheduled."""

from __future__ import annotations

from datetime import tzinfo

from csu.db import Database
from csu.scheduler import Scheduler
from csu.settings import Settings
from incidents.remarks.rules import CityBox, RemarkLimiter
from incidents.remarks.service import RemarkService, purge_job
from privacy.access_log.service import AccessLog

PURGE_CRON = "41 3 * * *"  # daily at a quiet hour (UTC), apart from the access log's prune


def start_remarks(
    settings: Settings, db: Database, access_log: AccessLog, scheduler: Scheduler, zone: tzinfo
) -> RemarkService:
    """The remark service for this node, its remarks purged past their retention every day."""
    limiter = RemarkLimiter(settings.remarks_per_kiosk_per_minute, settings.remarks_per_minute)
    service = RemarkService(
        db,
        access_log,
        CityBox(*settings.remarks_box),
        limiter,
        retention_days=settings.remarks_retention_days,
        zone=zone,
    )
    scheduler.add_cron(
        purge_job, job_id="retention.remarks", cron=PURGE_CRON, kwargs={"service": service}
    )
    return service
