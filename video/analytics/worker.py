"""One camera's analysis thread: follows the masked frames at its rate, off the event loop."""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from csu.backoff import Backoff
from privacy.renditions import Rendition
from video.analytics.events import VideoAnalyticsEvent
from video.analytics.pipeline import Analyser
from video.analytics.snapshots import save_snapshot
from video.analytics.tracks import Hit
from video.ingest import MaskedFrame, ProviderLookup

log = logging.getLogger(__name__)

# Before the camera's worker runs (or while it is down) the feed is looked up again this often.
_NO_FEED_WAIT_S = 1.0
# An analyser that cannot be built (its model missing, say) is built again after this.
_REBUILD = Backoff(initial_s=5.0, maximum_s=60.0)


@dataclass
class AnalysisStats:
    """What a camera's analysis has done since it started."""

    frames: int = 0
    busy_s: float = 0.0
    events: int = 0
    error: str | None = None


class CameraAnalysis:
    """Runs one camera's analyser on its own thread and publishes what the rules raise."""

    def __init__(
        self,
        camera_id: str,
        fps: float,
        build: Callable[[threading.Event], Analyser],
        feed_of: ProviderLookup,
        publish: Callable[[VideoAnalyticsEvent], None],
        data_dir: Path,
    ) -> None:
        self.camera_id = camera_id
        self.stats = AnalysisStats()
        self._period = 1.0 / fps
        self._build = build
        self._feed_of = feed_of
        self._publish = publish
        self._data_dir = data_dir
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"analytics-{camera_id}", daemon=True
        )

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to end and wait for it (call off the event loop)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        analyser = self._analyser()
        if analyser is None:
            return
        after = -1
        while not self._stop.is_set():
            started = time.monotonic()
            feed = self._feed_of(self.camera_id, Rendition.ZONES)
            if feed is None:
                self._stop.wait(_NO_FEED_WAIT_S)
                continue
            frame = feed.wait_frame(after, timeout=self._period)
            if frame is not None:
                after = frame.index
                self._analyse(analyser, frame)
            self._stop.wait(max(0.0, started + self._period - time.monotonic()))

    def _analyser(self) -> Analyser | None:
        failures, rng = 0, random.Random()
        while not self._stop.is_set():
            try:
                analyser = self._build(self._stop)  # set at stop: a model being prepared too
            except Exception as exc:  # a missing model must not end the other cameras' work
                if self._stop.is_set():
                    return None  # its preparation was cut short by the stop
                log.exception("camera %s: cannot start analytics", self.camera_id)
                self.stats.error = f"cannot start analytics: {exc}"
                self._stop.wait(_REBUILD.delay(failures, rng))
                failures += 1
                continue
            self.stats.error = None
            return analyser
        return None

    def _analyse(self, analyser: Analyser, frame: MaskedFrame) -> None:
        began = time.perf_counter()
        try:
            hits = analyser.analyse(frame.image, frame.monotonic)
        except Exception as exc:
            log.exception("camera %s: analysis failed on a frame", self.camera_id)
            self.stats.error = f"analysis failed: {exc}"
            return
        self.stats.frames += 1
        self.stats.busy_s += time.perf_counter() - began
        for hit in hits:
            self._emit(hit, frame)

    def _emit(self, hit: Hit, frame: MaskedFrame) -> None:
        at = datetime.fromtimestamp(frame.wallclock, UTC)
        event_id = uuid.uuid4().hex
        try:
            snapshot: str | None = save_snapshot(
                self._data_dir, self.camera_id, event_id, frame.image, hit.box, at
            )
        except (OSError, ValueError):
            # The alert matters more than its picture: it goes out without one.
            log.exception("camera %s: cannot save the event snapshot", self.camera_id)
            snapshot = None
        self.stats.events += 1
        self._publish(
            VideoAnalyticsEvent(
                event_id=event_id,
                camera_id=self.camera_id,
                kind=hit.kind,
                rule=hit.rule,
                occurred_at=at,
                box=(hit.box.x1, hit.box.y1, hit.box.x2, hit.box.y2),
                track=hit.track,
                snapshot=snapshot,
                details=hit.details,
            )
        )
