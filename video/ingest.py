"""One ingest worker per camera: read, mask, publish the latest masked frame; reconnect on failure.

No frame leaves this worker unmasked: the privacy zones are burned in on the ingest thread before
the frame is stored where the rest of csu can reach it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from privacy.masking import ZoneMasker
from video.health import FrameClock
from video.sources import FrameSource, SourceError, open_source
from video.sources.base import Image

log = logging.getLogger(__name__)

SourceOpener = Callable[[str, float], FrameSource]


@dataclass(frozen=True)
class MaskedFrame:
    """A frame that has been through the privacy mask, with when and in what order it came."""

    image: Image
    index: int
    monotonic: float
    wallclock: float


@dataclass(frozen=True)
class Backoff:
    """Exponential reconnect delays with full jitter, so cameras do not retry in lockstep."""

    initial_s: float = 0.5
    maximum_s: float = 30.0

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before reconnect attempt number `attempt` (0-based)."""
        # Cap the exponent: 2**attempt as a float overflows after ~1000 attempts (hours down).
        ceiling = min(self.maximum_s, self.initial_s * 2.0 ** min(attempt, 64))
        return rng.uniform(ceiling / 2, ceiling)


class IngestWorker:
    """Runs one camera on its own thread."""

    def __init__(
        self,
        camera_id: str,
        url: str,
        fps: float,
        masker: ZoneMasker,
        *,
        opener: SourceOpener = open_source,
        backoff: Backoff | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.url = url
        self.fps = fps
        self.clock = FrameClock()
        self.started_at = time.monotonic()
        self.error: str | None = None
        self._masker = masker
        self._opener = opener
        self._backoff = backoff or Backoff()
        self._latest: MaskedFrame | None = None
        self._arrived = threading.Condition()
        self._index = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"ingest-{camera_id}", daemon=True)
        self._source: FrameSource | None = None

    def start(self) -> None:
        """Start ingesting."""
        self.started_at = time.monotonic()
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        source = self._source
        if source is not None:
            source.close()
        self._thread.join(timeout)

    def latest(self) -> MaskedFrame | None:
        """The newest masked frame, if any."""
        return self._latest

    def wait_frame(self, after_index: int, timeout: float) -> MaskedFrame | None:
        """Block (off the event loop) until a frame newer than `after_index`, or None on timeout."""
        with self._arrived:
            self._arrived.wait_for(
                lambda: self._latest is not None and self._latest.index > after_index, timeout
            )
            latest = self._latest
        return latest if latest is not None and latest.index > after_index else None

    def set_privacy_zones(self, masker: ZoneMasker) -> None:
        """Swap the masker; the next frame uses the new zones."""
        self._masker = masker

    def _run(self) -> None:
        attempt = 0
        rng = random.Random()
        while not self._stop.is_set():
            try:
                self._source = self._opener(self.url, self.fps)
                self._pump(self._source)
            except SourceError as exc:
                self.error = str(exc)
            except Exception as exc:  # a broken frame must not kill the camera's thread
                log.exception("camera %s: ingest failed", self.camera_id)
                self.error = f"ingest failure: {exc}"
            finally:
                if self._source is not None:
                    self._source.close()
                    self._source = None
            if self._latest is not None and time.monotonic() - self._latest.monotonic < 1.0:
                attempt = 0  # it was streaming: retry quickly
            self._stop.wait(self._backoff.delay(attempt, rng))
            attempt += 1

    def _pump(self, source: FrameSource) -> None:
        while not self._stop.is_set():
            image = source.read()
            masked = self._masker.apply(image)
            now = time.monotonic()
            # The index runs on across reconnects, so it always gives the order frames came in.
            with self._arrived:
                self._latest = MaskedFrame(masked, self._index, now, time.time())
                self._arrived.notify_all()
            self.clock.tick(now)
            self.error = None
            self._index += 1
