"""One ingest worker per camera: read, mask, publish the latest masked frame; reconnect on failure.

No frame leaves this worker unmasked: the privacy zones are burned in on the ingest thread before
the frame is stored where the rest of csu can reach it.

The anonymised rendition (zones plus faces hidden) runs on demand: the first request for it
starts a detection thread that runs the detector a few times a second on the newest zones frame;
the ingest thread then applies the held face regions to every frame (cheap), so the rendition
keeps the camera's full frame rate. Nobody asks for it for `idle_s`: the thread ends, and the
camera costs nothing more than its zones rendition.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from csu.backoff import Backoff
from privacy.anonymise import Anonymiser, obscure_all
from privacy.masking import Masker
from privacy.renditions import Rendition
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


class FrameProvider(Protocol):
    """Delivers one rendition's masked frames in order (a worker's RenditionFeed)."""

    def wait_frame(self, after_index: int, timeout: float) -> MaskedFrame | None:
        """Block until a frame newer than `after_index`, or None on timeout."""
        ...


# A camera's rendition, for the stages that follow every frame (encoding, analytics); None
# while no worker here runs the camera.
ProviderLookup = Callable[[str, Rendition], FrameProvider | None]


@dataclass(frozen=True)
class AnonymisedRendition:
    """How a worker makes its anonymised rendition when someone asks for it."""

    # Builds the camera's anonymiser (and its detector session) on the detection thread.
    make: Callable[[], Anonymiser]
    detection_fps: float = 5.0
    # The detection thread ends this long after the last request for the rendition.
    idle_s: float = 10.0
    # How long to wait before building again a detector that could not be built.
    retry: Backoff = field(default_factory=lambda: Backoff(initial_s=5.0, maximum_s=60.0))


class IngestWorker:
    """Runs one camera on its own thread."""

    def __init__(
        self,
        camera_id: str,
        url: str,
        fps: float,
        masker: Masker,
        *,
        opener: SourceOpener = open_source,
        backoff: Backoff | None = None,
        anonymised: AnonymisedRendition | None = None,
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
        self._anonymised = anonymised
        # Guards the demand time and the detection thread's start and end.
        self._demand_lock = threading.Lock()
        self._demanded_at = 0.0
        self._detection: threading.Thread | None = None
        # While True the ingest thread makes anonymised frames; wholly obscured until
        # `_anonymiser` exists and vouches for them.
        self._anonymising = False
        self._anonymiser: Anonymiser | None = None
        self._latest_anonymised: MaskedFrame | None = None

    def start(self) -> None:
        """Start ingesting."""
        self.started_at = time.monotonic()
        self._thread.start()

    def stop(self, timeout: float = 12.0) -> None:
        """Stop and wait for the threads."""
        self._stop.set()
        source = self._source
        if source is not None:
            source.close()
        self._thread.join(timeout)
        with self._demand_lock:
            detection = self._detection
        if detection is not None:
            detection.join(timeout)

    def latest(self, rendition: Rendition = Rendition.ZONES) -> MaskedFrame | None:
        """The newest frame of a rendition, if any; asking for the anonymised one starts it."""
        if rendition is not Rendition.ZONES:
            self._demand()
        return self._frame(rendition)

    def wait_frame(
        self, after_index: int, timeout: float, rendition: Rendition = Rendition.ZONES
    ) -> MaskedFrame | None:
        """Block (off the event loop) until a frame newer than `after_index`, or None on timeout."""
        if rendition is not Rendition.ZONES:
            self._demand()
        with self._arrived:
            self._arrived.wait_for(
                lambda: (f := self._frame(rendition)) is not None and f.index > after_index,
                timeout,
            )
            latest = self._frame(rendition)
        return latest if latest is not None and latest.index > after_index else None

    def feed(self, rendition: Rendition) -> RenditionFeed:
        """One rendition of this camera, for consumers that follow every frame."""
        return RenditionFeed(self, rendition)

    def set_privacy_zones(self, masker: Masker) -> None:
        """Swap the masker; the next frame uses the new zones."""
        self._masker = masker

    def _frame(self, rendition: Rendition) -> MaskedFrame | None:
        if rendition is Rendition.ZONES:
            return self._latest
        return self._latest_anonymised

    def _run(self) -> None:
        attempt = 0
        rng = random.Random()
        while not self._stop.is_set():
            index_before = self._index
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
            if self._index > index_before:
                attempt = 0  # it was streaming (even if it then stalled): retry quickly
            self._stop.wait(self._backoff.delay(attempt, rng))
            attempt += 1

    def _pump(self, source: FrameSource) -> None:
        while not self._stop.is_set():
            image = source.read()
            masked = self._masker.apply(image)
            now, wallclock = time.monotonic(), time.time()
            anonymised = self._anonymise(masked, now)
            # The index runs on across reconnects, so it always gives the order frames came in.
            with self._arrived:
                self._latest = MaskedFrame(masked, self._index, now, wallclock)
                if anonymised is not None:
                    self._latest_anonymised = MaskedFrame(anonymised, self._index, now, wallclock)
                self._arrived.notify_all()
            self.clock.tick(now)
            self.error = None
            self._index += 1

    def _anonymise(self, masked: Image, now: float) -> Image | None:
        """The anonymised copy of a zones frame, or None while nobody wants that rendition."""
        if not self._anonymising:
            return None
        anonymiser = self._anonymiser
        if anonymiser is None:
            return obscure_all(masked)
        try:
            return anonymiser.apply(masked, now)
        except Exception:  # fail closed: a broken anonymiser hides the whole picture
            log.exception("camera %s: anonymising failed; hiding the frame", self.camera_id)
            return obscure_all(masked)

    def _demand(self) -> None:
        """Note a request for the anonymised rendition; start detecting if not running."""
        if self._anonymised is None:
            return
        with self._demand_lock:
            self._demanded_at = time.monotonic()
            if self._detection is None and not self._stop.is_set():
                self._anonymising = True
                self._detection = threading.Thread(
                    target=self._detect, name=f"anonymise-{self.camera_id}", daemon=True
                )
                self._detection.start()

    def _wanted(self, spec: AnonymisedRendition) -> bool:
        """Whether to keep detecting; if not, end the rendition (under the lock `_demand` takes)."""
        with self._demand_lock:
            if not self._stop.is_set() and time.monotonic() - self._demanded_at < spec.idle_s:
                return True
            self._anonymising = False
            self._anonymiser = None
            self._latest_anonymised = None
            self._detection = None
            return False

    def _detect(self) -> None:
        spec = self._anonymised
        assert spec is not None  # only started by _demand, which checks it
        period = 1.0 / spec.detection_fps
        after, failing, failed_builds, rng = -1, False, 0, random.Random()
        while self._wanted(spec):
            started = time.monotonic()
            if self._anonymiser is None and not self._build(spec):
                self._stop.wait(spec.retry.delay(failed_builds, rng))
                failed_builds += 1
                continue
            frame = self.wait_frame(after, timeout=period)
            anonymiser = self._anonymiser
            if frame is not None and anonymiser is not None:
                after = frame.index
                failing = self._observe(anonymiser, frame, failing)
            self._stop.wait(max(0.0, started + period - time.monotonic()))

    def _build(self, spec: AnonymisedRendition) -> bool:
        try:
            self._anonymiser = spec.make()
        except Exception:  # frames stay wholly obscured meanwhile
            log.exception("camera %s: cannot build the anonymiser", self.camera_id)
            return False
        return True

    def _observe(self, anonymiser: Anonymiser, frame: MaskedFrame, failing: bool) -> bool:
        """Run one detection; whether it failed (logged once per run of failures)."""
        try:
            anonymiser.observe(frame.image, frame.monotonic)
        except Exception:
            if not failing:
                log.exception(
                    "camera %s: face detection failed; hiding whole frames", self.camera_id
                )
            return True
        if failing:
            log.info("camera %s: face detection recovered", self.camera_id)
        return False


@dataclass(frozen=True)
class RenditionFeed:
    """One rendition of a worker's frames, as an encoder or an analyser follows them."""

    worker: IngestWorker
    rendition: Rendition

    def wait_frame(self, after_index: int, timeout: float) -> MaskedFrame | None:
        """Block until a frame newer than `after_index`, or None on timeout."""
        return self.worker.wait_frame(after_index, timeout, self.rendition)
