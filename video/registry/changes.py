"""An administrator's camera change applied to the cameras this process runs: the pipeline of
an added camera started, an edited one restarted with its new settings, a retired one stopped
(its live views ended, its recordings left to retention). What else a camera runs (PTZ, ONVIF
events, analytics) and exports follow as a CameraFollower, each told once the pipeline did."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol

from csu.cameras.events import CameraChanged
from csu.cameras.merge import retention_days
from csu.cameras.store import registry
from csu.config import CameraConfig, SiteConfig
from csu.db import Database
from video.live import LiveService
from video.recording.service import RecordingService
from video.service import CameraService

log = logging.getLogger(__name__)


class CameraFollower(Protocol):
    """A service that keeps per-camera state from a camera's settings."""

    async def follow_camera(
        self, camera_id: str, config: CameraConfig | None, *, start: bool
    ) -> None:
        """End what it runs of the camera on its old settings, take the new ones (None: the
        camera is retired) and, when `start` (the camera runs in this process), run again."""


class CameraChanges:
    """Follows the registry on the bus; `runs_here` says whether this process serves a camera
    (always in one process, never on a cluster's API node, on a worker the ones it owns)."""

    def __init__(
        self,
        db: Database,
        site: SiteConfig,
        cameras: CameraService,
        recording: RecordingService,
        live: LiveService,
        *,
        runs_here: Callable[[str], bool] = lambda _camera_id: True,
        retention: RetentionBook | None = None,
        followers: Sequence[CameraFollower] = (),
    ) -> None:
        self._db = db
        self._site = site
        self._cameras = cameras
        self._recording = recording
        self._live = live
        self._runs_here = runs_here
        self._retention = retention
        self._followers = followers

    async def apply(self, event: CameraChanged) -> None:
        """Bring the camera to what the registry holds now (read again: the database is the
        truth, and an event carries no stream address)."""
        entries = await asyncio.to_thread(registry, self._db, self._site)
        config = next((e.config for e in entries if e.camera_id == event.camera_id), None)
        camera_id = event.camera_id
        if self._retention is not None:
            self._retention.update(retention_days(entries))
        await self.stop(camera_id, f"camera {event.change} by an administrator")
        self._recording.set_config(camera_id, config)
        started = False
        if config is None:
            self._cameras.forget(camera_id)
        else:
            self._cameras.put_config(config)
            started = self._runs_here(camera_id) and self._cameras.start_camera(camera_id)
            if started:
                self._recording.start_camera(camera_id)
        for follower in self._followers:
            try:
                await follower.follow_camera(camera_id, config, start=started)
            except Exception:  # the others follow all the same; the log says which failed
                log.exception("camera %s %s: %r did not follow", camera_id, event.change, follower)
        if config is None:
            log.info("camera %s retired: stopped, its recordings kept to retention", camera_id)
        else:
            log.info("camera %s %s: in force", camera_id, event.change)

    async def stop(self, camera_id: str, reason: str) -> None:
        """End a camera's live views, recording and ingest here (nothing if it runs elsewhere)."""
        if camera_id not in self._cameras.running():
            return
        await self._live.end_camera(camera_id, reason)
        await self._recording.stop_camera(camera_id)
        await self._cameras.stop_camera(camera_id, reason)


class RetentionBook(Mapping[str, int]):
    """Each camera's retention in days, kept current as cameras change; read by the purge job
    on the scheduler's thread, so it reads a copy."""

    def __init__(self, days: Mapping[str, int]) -> None:
        self._days = dict(days)
        self._lock = threading.Lock()

    def update(self, days: Mapping[str, int]) -> None:
        """Take the registry's retentions now (ids never leave: footage outlives its camera)."""
        with self._lock:
            self._days = {**self._days, **days}

    def __getitem__(self, camera_id: str) -> int:
        return self._days[camera_id]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._days))

    def __len__(self) -> int:
        return len(self._days)
