"""Correlation follows the camera registry: a camera an administrator adds covers alarms at its
place at once, an edited one with its new view, a retired one no more (its incidents keep it)."""

from __future__ import annotations

import asyncio
import logging

from csu.bus import EventSource
from csu.cameras.events import CameraChanged
from csu.cameras.merge import in_force
from csu.cameras.store import registry
from csu.config import SiteConfig
from csu.db import Database
from incidents.service import IncidentService

log = logging.getLogger(__name__)


def follow_cameras(
    bus: EventSource, db: Database, seed: SiteConfig, incidents: IncidentService
) -> None:
    """Give the engine the cameras in force after every change (the registry read again: the
    event names the camera only, and the database is the truth on every node)."""

    async def reload(event: CameraChanged) -> None:
        entries = await asyncio.to_thread(registry, db, seed)
        incidents.use_cameras(in_force(entries))
        log.info("incident coverage follows camera %s (%s)", event.camera_id, event.change)

    bus.subscribe(CameraChanged, reload, name="incidents.camera_coverage")
