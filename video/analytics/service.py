"""The analytics of a site: which cameras may be analysed, their threads, and the end-date switch.

A camera is analysed only while its site-file authorisation holds: enabled, with a legal basis,
until the end of its end date (site time zone). The end is enforced twice: cameras already past
it never start, and a scheduled job stops the others when it comes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from csu.config import CameraConfig
from csu.config.analytics import DetectionModelConfig
from csu.scheduler import Scheduler
from privacy.access_log import AccessLog
from privacy.renditions import Rendition
from privacy.rights import Viewer
from video.analytics.events import VideoAnalyticsEvent
from video.analytics.pipeline import build_analyser
from video.analytics.snapshot_access import read_event_snapshot
from video.analytics.worker import AnalysisStats, CameraAnalysis
from video.ingest import ProviderLookup

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def authorisation_end(end_date: date, tz: ZoneInfo) -> datetime:
    """The instant an authorisation ends: midnight after its last day, in the site's zone."""
    return datetime.combine(end_date + timedelta(days=1), time.min, tz)


@dataclass(frozen=True)
class CameraAnalytics:
    """A camera's analytics as the API reports them."""

    camera_id: str
    enabled: bool
    running: bool
    legal_basis: str | None
    ends_at: datetime | None
    stats: AnalysisStats | None


class AnalyticsService:
    """Starts an analysis thread per authorised camera; stops each at its end date."""

    def __init__(
        self,
        cameras: Sequence[CameraConfig],
        models: Sequence[DetectionModelConfig],
        feed_of: ProviderLookup,
        publish: Callable[[VideoAnalyticsEvent], None],
        *,
        data_dir: Path,
        tz: ZoneInfo,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._configs = {c.id: c for c in cameras if c.enabled and c.analytics.enabled}
        self._models: Mapping[str, DetectionModelConfig] = {m.id: m for m in models}
        self._feed_of = feed_of
        self._publish = publish
        self._data_dir = data_dir
        self._tz = tz
        self._clock = clock
        self._running: dict[str, CameraAnalysis] = {}
        self._ended: set[str] = set()

    def ends_at(self, camera_id: str) -> datetime | None:
        """When the camera's authorisation ends, if it has analytics enabled."""
        config = self._configs.get(camera_id)
        if config is None or config.analytics.end_date is None:
            return None
        return authorisation_end(config.analytics.end_date, self._tz)

    def authorised(self, camera_id: str) -> bool:
        """Whether the camera may be analysed now."""
        ends = self.ends_at(camera_id)
        return ends is not None and camera_id not in self._ended and self._clock() < ends

    def start(self, cameras: Sequence[str] | None = None) -> None:
        """Start every camera (or those named: a cluster's worker, its own) whose authorisation
        holds now."""
        for camera_id in self._configs if cameras is None else cameras:
            self.start_camera(camera_id)

    def start_camera(self, camera_id: str) -> bool:
        """Start one camera's analysis if it has analytics and its authorisation holds."""
        config = self._configs.get(camera_id)
        if config is None or camera_id in self._running:
            return False
        if not self.authorised(camera_id):
            log.warning("camera %s: analytics authorisation has ended; not started", camera_id)
            return False
        analysis = CameraAnalysis(
            camera_id,
            config.analytics.fps,
            partial(build_analyser, config.analytics, self._models, self._data_dir),
            self._feed_of,
            self._publish,
            self._data_dir,
        )
        self._running[camera_id] = analysis
        analysis.start()
        log.info(
            "camera %s: analytics on until %s (%s)",
            camera_id,
            self.ends_at(camera_id),
            config.analytics.legal_basis,
        )
        return True

    async def stop_camera(self, camera_id: str) -> None:
        """Stop one camera's analysis (its worker gave the camera up)."""
        analysis = self._running.pop(camera_id, None)
        if analysis is not None:
            await asyncio.to_thread(analysis.stop)

    async def follow_camera(
        self, camera_id: str, config: CameraConfig | None, *, start: bool
    ) -> None:
        """An administrator's change (video.registry.changes): the analysis on the camera's old
        settings stops (joined off the loop), its new authorisation is taken (an edited end
        date holds anew; the 60 s guard of `schedule` ends it when it comes) and, when `start`,
        the analysis starts again if it holds (never for a retired camera)."""
        await self.stop_camera(camera_id)
        self._ended.discard(camera_id)
        if config is None or not (config.enabled and config.analytics.enabled):
            self._configs.pop(camera_id, None)
            return
        self._configs[camera_id] = config
        if start:
            self.start_camera(camera_id)

    async def stop(self) -> None:
        """Stop every analysis thread (joined off the event loop)."""
        running = list(self._running.values())
        self._running.clear()
        await asyncio.gather(*(asyncio.to_thread(a.stop) for a in running))

    def schedule(self, scheduler: Scheduler) -> None:
        """Register the end-date switch of every running camera."""
        for camera_id in self._running:
            ends = self.ends_at(camera_id)
            assert ends is not None  # only authorised cameras run
            scheduler.add_at(
                self.end,
                job_id=f"analytics.end.{camera_id}",
                run_at=ends,
                kwargs={"camera_id": camera_id},
            )
        # A second guard for the switch: a job that fired late or not at all (clock change).
        scheduler.add_interval(self.end_due, job_id="analytics.end_due", seconds=60)

    def end(self, camera_id: str) -> None:
        """The authorisation has ended: stop the camera's analysis for good (blocks; a job)."""
        self._ended.add(camera_id)
        analysis = self._running.pop(camera_id, None)
        if analysis is not None:
            analysis.stop()
            log.warning("camera %s: analytics authorisation ended; analysis stopped", camera_id)

    def end_due(self) -> list[str]:
        """End every running camera whose authorisation has run out; the ids ended."""
        due = [c for c in list(self._running) if not self.authorised(c)]
        for camera_id in due:
            self.end(camera_id)
        return due

    def running(self) -> list[str]:
        """The cameras being analysed now."""
        return list(self._running)

    def cameras(self) -> list[CameraAnalytics]:
        """Every camera with analytics enabled in the site file, running or not."""
        return [
            CameraAnalytics(
                camera_id=c.id,
                enabled=True,
                running=c.id in self._running,
                legal_basis=c.analytics.legal_basis,
                ends_at=self.ends_at(c.id),
                stats=self._running[c.id].stats if c.id in self._running else None,
            )
            for c in self._configs.values()
        ]

    def event_snapshot(
        self,
        access_log: AccessLog,
        *,
        viewer: Viewer,
        event_id: str,
        rendition: Rendition,
        client: str | None,
    ) -> bytes:
        """The masked frame an event was raised on, its box drawn: the right checked and the
        access logged first; NoSnapshot when none is kept."""
        return read_event_snapshot(
            self._data_dir,
            access_log,
            viewer=viewer,
            event_id=event_id,
            rendition=rendition,
            client=client,
        )
