"""Recording's face: a recorder for every camera that records (each subscribed to its camera's
encoder), what is recorded over a time range, and legal holds."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from csu.config import CameraConfig
from csu.errors import Malformed
from privacy.access_log import AccessLog
from privacy.guard import refuse_unless_allowed
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import Viewer
from video.encoding import BroadcastPool
from video.ingest import ProviderLookup
from video.recording.files import recover_partial_segments
from video.recording.holds import HoldRequest, HoldService
from video.recording.index import SegmentIndex
from video.recording.indexer import SegmentIndexer
from video.recording.models import LegalHold
from video.recording.recorder import CameraRecorder
from video.recording.spans import Span, recorded_spans

# The package's face: the recording and hold services, what is recorded, and what callers use
# with them (defined where they belong).
__all__ = [
    "HoldRequest",
    "HoldService",
    "LegalHold",
    "Recorded",
    "RecordingService",
    "Span",
    "recorded",
]

log = logging.getLogger(__name__)

# Operators watch the zones rendition; it is what is kept (the anonymised one is made from it).
RECORDED = Rendition.ZONES
# Longer than the legal maximum retention: nothing older can exist.
MAX_RANGE = timedelta(days=31)


class RangeInvalid(Malformed):
    """A time range that is none, or longer than anything kept."""


@dataclass(frozen=True)
class Recorded:
    """What is recorded of one camera within [start, end) (in UTC), and the gaps between."""

    camera_id: str
    start: datetime
    end: datetime
    spans: list[Span]
    gaps: list[Span]


def recorded(
    index: SegmentIndex,
    access_log: AccessLog,
    *,
    viewer: Viewer,
    camera_id: str,
    start: datetime,
    end: datetime,
    client: str | None,
) -> Recorded:
    """The recorded spans and gaps (metadata, no picture: no reason asked, an allowed read goes
    unlogged) for a user with the playback right on the camera; a refusal is logged."""
    refuse_unless_allowed(
        access_log,
        viewer=viewer,
        action=Action.PLAYBACK,
        camera_id=camera_id,
        client=client,
        details={"request": "recorded spans"},
    )
    a, b = start.astimezone(UTC), end.astimezone(UTC)
    if b <= a:
        raise RangeInvalid("'end' must be after 'start'", key="errors.footage.order")
    if b - a > MAX_RANGE:
        raise RangeInvalid(
            "'end' is more than 31 days after 'start'", key="errors.footage.days", days=31
        )
    spans, gaps = recorded_spans(index.between(camera_id, a, b), a, b)
    return Recorded(camera_id, a, b, spans, gaps)


class RecordingService:
    """Starts a recorder per recording camera and routes incident clips to events-mode ones."""

    def __init__(
        self,
        cameras: Iterable[CameraConfig],
        pool: BroadcastPool,
        providers: ProviderLookup,
        index: SegmentIndex,
        *,
        indexer: SegmentIndexer | None = None,
    ) -> None:
        self.index = index
        self.indexer = indexer or SegmentIndexer(index)
        self._configs = {c.id: c for c in cameras if c.enabled and c.recording.mode != "off"}
        self._pool = pool
        self._providers = providers
        self._recorders: dict[str, CameraRecorder] = {}

    def set_config(self, camera_id: str, config: CameraConfig | None) -> None:
        """Take a camera's new settings (None: retired); restarting it is the caller's."""
        self._configs.pop(camera_id, None)
        if config is not None and config.enabled and config.recording.mode != "off":
            self._configs[camera_id] = config

    async def start(self, cameras: Iterable[str] | None = None) -> None:
        """Keep what a killed process was writing, then start the indexer and the recorders of
        `cameras` (every recording camera if None; a cluster worker adds its own later)."""
        # Before any recorder opens a file: every `.part` left now is a dead process's.
        await asyncio.to_thread(recover_partial_segments, self.index.root)
        self.indexer.start()
        for camera_id in self._configs if cameras is None else cameras:
            self.start_camera(camera_id)
        log.info("recording %d cameras into %s", len(self._recorders), self.index.root)

    def start_camera(self, camera_id: str) -> bool:
        """Start recording one camera that records and has a running picture."""
        config = self._configs.get(camera_id)
        if config is None or camera_id in self._recorders:
            return False
        provider = self._providers(config.id, RECORDED)
        if provider is None:
            log.warning("camera %s records but has no running picture", config.id)
            return False
        recorder = CameraRecorder(
            config.id,
            config.recording,
            self.index.root,
            self.indexer.submit,
            rendition=RECORDED,
        )
        recorder.start()
        self._recorders[config.id] = recorder
        self._pool.subscribe(config.id, RECORDED, provider, recorder.offer)
        return True

    async def stop_camera(self, camera_id: str) -> None:
        """Stop recording one camera and close its open segment (off the loop)."""
        recorder = self._recorders.pop(camera_id, None)
        if recorder is None:
            return
        self._pool.unsubscribe(camera_id, RECORDED, recorder.offer)
        await asyncio.to_thread(recorder.stop)

    async def stop(self) -> None:
        """Unsubscribe every recorder, then close their open segments (off the loop)."""
        await asyncio.gather(*(self.stop_camera(c) for c in list(self._recorders)))
        await asyncio.to_thread(self.indexer.stop)

    def recorder(self, camera_id: str) -> CameraRecorder | None:
        """A camera's running recorder, if it records."""
        return self._recorders.get(camera_id)

    def recorders(self) -> dict[str, CameraRecorder]:
        """Every running recorder by camera."""
        return dict(self._recorders)

    def request_clip(self, camera_id: str, start: datetime, end: datetime) -> None:
        """Make sure [start, end) is recorded as far as it still can be (safe from any thread).

        Continuous cameras record it anyway; an events-mode camera flushes its pre-alarm buffer
        and records on until `end`.
        """
        recorder = self._recorders.get(camera_id)
        if recorder is not None and recorder.events_mode:
            recorder.trigger(start.timestamp(), end.timestamp())


def recording_metrics(service: RecordingService) -> Iterator[Metric]:
    """Segments written and packets dropped (disk too slow) per camera; segments not indexed."""
    segments = CounterMetricFamily(
        "csu_recording_segments", "Segments written since start.", labels=["camera"]
    )
    dropped = CounterMetricFamily(
        "csu_recording_dropped_packets",
        "Packets the recorder could not keep up with (each drop leaves a gap).",
        labels=["camera"],
    )
    for camera_id, recorder in service.recorders().items():
        segments.add_metric([camera_id], recorder.stats.segments)
        dropped.add_metric([camera_id], recorder.stats.dropped)
    yield segments
    yield dropped
    yield GaugeMetricFamily(
        "csu_recording_unindexed_segments",
        "Closed segments kept on disk while the index cannot take them.",
        value=service.indexer.waiting,
    )
