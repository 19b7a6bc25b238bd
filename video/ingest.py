"""One ingest worker per camera: read, mask, publish the latest masked frame; reconnect on failure.

No frame leaves this worker unmasked: the privacy zones are burned in on the ingest thread before
the frame is stored where the rest of csu can reach it.

The anonymised rendition (zones plus faces hidden) and the public one (zones plus every person
and text region filled) run on demand, each the same way: the first request for it starts a
detection thread that runs its detector a few times a second on the newest zones frame; the ingest
thread then applies the held regions to every frame (cheap), so the rendition keeps the camera's
full frame rate. Nobody asks for it for `idle_s`: the thread ends, and the camera costs nothing
more than its zones rendition. A camera given no public rendition (not opted in) never has one.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
    """How a worker makes an on-demand rendition (anonymised, public) when someone asks for it."""

    # Builds the camera's anonymiser (and its detector session) on the detection thread.
    make: Callable[[], Anonymiser]
    detection_fps: float = 5.0
    # The detection thread ends this long after the last request for the rendition.
    idle_s: float = 10.0
    # How long to wait before building again a detector that could not be built.
    retry: Backoff = field(default_factory=lambda: Backoff(initial_s=5.0, maximum_s=60.0))
    # Frames are served this late (0: at once): see PublicMasking.delay_s.
    delay_s: float = 0.0


@dataclass
class _OnDemand:
    """One on-demand rendition's state in a worker (its fields guarded as the worker says)."""

    spec: AnonymisedRendition
    thread_prefix: str
    what: str  # what its detector finds, for the log
    demanded_at: float = 0.0
    detection: threading.Thread | None = None
    # While True the ingest thread makes this rendition's frames; wholly obscured until
    # `anonymiser` exists and vouches for them.
    active: bool = False
    anonymiser: Anonymiser | None = None
    latest: MaskedFrame | None = None
    # Zones frames held back for a delayed rendition (only the ingest thread touches it).
    pending: deque[MaskedFrame] = field(default_factory=deque)


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
        public: AnonymisedRendition | None = None,
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
        self._on_demand: dict[Rendition, _OnDemand] = {}
        if anonymised is not None:
            self._on_demand[Rendition.ANONYMISED] = _OnDemand(anonymised, "anonymise", "face")
        if public is not None:
            self._on_demand[Rendition.PUBLIC] = _OnDemand(public, "public", "person and text")
        # Guards the demand times and the detection threads' start and end.
        self._demand_lock = threading.Lock()

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
            detections = [d.detection for d in self._on_demand.values()]
        for detection in detections:
            if detection is not None:
                detection.join(timeout)

    def latest(self, rendition: Rendition = Rendition.ZONES) -> MaskedFrame | None:
        """The newest frame of a rendition, if any; asking for an on-demand one starts it."""
        if rendition is not Rendition.ZONES:
            self._demand(rendition)
        return self._frame(rendition)

    def wait_frame(
        self, after_index: int, timeout: float, rendition: Rendition = Rendition.ZONES
    ) -> MaskedFrame | None:
        """Block (off the event loop) until a frame newer than `after_index`, or None on timeout."""
        if rendition is not Rendition.ZONES:
            self._demand(rendition)
        with self._arrived:
            self._arrived.wait_for(
                lambda: (f := self._frame(rendition)) is not None and f.index > after_index,
                timeout,
            )
            latest = self._frame(rendition)
        return latest if latest is not None and latest.index > after_index else None

    def offers(self, rendition: Rendition) -> bool:
        """Whether this worker makes that rendition (zones always; the others when configured)."""
        return rendition is Rendition.ZONES or rendition in self._on_demand

    def feed(self, rendition: Rendition) -> RenditionFeed:
        """One rendition of this camera, for consumers that follow every frame."""
        return RenditionFeed(self, rendition)

    def set_privacy_zones(self, masker: Masker) -> None:
        """Swap the masker; the next frame uses the new zones."""
        self._masker = masker

    def _frame(self, rendition: Rendition) -> MaskedFrame | None:
        if rendition is Rendition.ZONES:
            return self._latest
        on_demand = self._on_demand.get(rendition)
        return None if on_demand is None else on_demand.latest

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
            # The index runs on across reconnects, so it always gives the order frames came in.
            zones = MaskedFrame(masked, self._index, now, wallclock)
            made = [(d, self._anonymise(d, zones)) for d in self._on_demand.values()]
            with self._arrived:
                self._latest = zones
                for on_demand, frame in made:
                    if frame is not None:
                        on_demand.latest = frame
                self._arrived.notify_all()
            self.clock.tick(now)
            self.error = None
            self._index += 1

    def _anonymise(self, on_demand: _OnDemand, zones: MaskedFrame) -> MaskedFrame | None:
        """A rendition's frame for a new zones frame (with a delay, an older one's), or None
        while nobody wants that rendition or a delayed one has nothing due yet."""
        if not on_demand.active:
            on_demand.pending.clear()
            return None
        due: MaskedFrame | None = zones
        if on_demand.spec.delay_s > 0:
            # Held back so that a detection made after each frame can mask it too.
            on_demand.pending.append(zones)
            due = None
            while (
                on_demand.pending
                and zones.monotonic - on_demand.pending[0].monotonic >= on_demand.spec.delay_s
            ):
                due = on_demand.pending.popleft()
        return None if due is None else replace(due, image=self._hide(on_demand, due))

    def _hide(self, on_demand: _OnDemand, frame: MaskedFrame) -> Image:
        anonymiser = on_demand.anonymiser
        if anonymiser is None:
            return obscure_all(frame.image)
        try:
            return anonymiser.apply(frame.image, frame.monotonic)
        except Exception:  # fail closed: a broken anonymiser hides the whole picture
            log.exception("camera %s: anonymising failed; hiding the frame", self.camera_id)
            return obscure_all(frame.image)

    def _demand(self, rendition: Rendition) -> None:
        """Note a request for an on-demand rendition; start detecting if not running."""
        on_demand = self._on_demand.get(rendition)
        if on_demand is None:
            return
        with self._demand_lock:
            on_demand.demanded_at = time.monotonic()
            if on_demand.detection is None and not self._stop.is_set():
                on_demand.active = True
                on_demand.detection = threading.Thread(
                    target=self._detect,
                    args=(on_demand,),
                    name=f"{on_demand.thread_prefix}-{self.camera_id}",
                    daemon=True,
                )
                on_demand.detection.start()

    def _wanted(self, on_demand: _OnDemand) -> bool:
        """Whether to keep detecting; if not, end the rendition (under the lock `_demand` takes)."""
        with self._demand_lock:
            idle = time.monotonic() - on_demand.demanded_at
            if not self._stop.is_set() and idle < on_demand.spec.idle_s:
                return True
            on_demand.active = False
            on_demand.anonymiser = None
            on_demand.latest = None
            on_demand.detection = None
            return False

    def _detect(self, on_demand: _OnDemand) -> None:
        spec = on_demand.spec
        period = 1.0 / spec.detection_fps
        after, failing, failed_builds, rng = -1, False, 0, random.Random()
        while self._wanted(on_demand):
            started = time.monotonic()
            if on_demand.anonymiser is None and not self._build(on_demand):
                self._stop.wait(spec.retry.delay(failed_builds, rng))
                failed_builds += 1
                continue
            # The zones frame: every on-demand rendition detects on the picture zones masked.
            frame = self.wait_frame(after, timeout=period)
            anonymiser = on_demand.anonymiser
            if frame is not None and anonymiser is not None:
                after = frame.index
                failing = self._observe(anonymiser, frame, failing, on_demand.what)
            self._stop.wait(max(0.0, started + period - time.monotonic()))

    def _build(self, on_demand: _OnDemand) -> bool:
        try:
            on_demand.anonymiser = on_demand.spec.make()
        except Exception:  # frames stay wholly obscured meanwhile
            log.exception("camera %s: cannot build the anonymiser", self.camera_id)
            return False
        return True

    def _observe(
        self, anonymiser: Anonymiser, frame: MaskedFrame, failing: bool, what: str
    ) -> bool:
        """Run one detection; whether it failed (logged once per run of failures)."""
        try:
            anonymiser.observe(frame.image, frame.monotonic)
        except Exception:
            if not failing:
                log.exception(
                    "camera %s: %s detection failed; hiding whole frames", self.camera_id, what
                )
            return True
        if failing:
            log.info("camera %s: %s detection recovered", self.camera_id, what)
        return False


@dataclass(frozen=True)
class RenditionFeed:
    """One rendition of a worker's frames, as an encoder or an analyser follows them."""

    worker: IngestWorker
    rendition: Rendition

    def wait_frame(self, after_index: int, timeout: float) -> MaskedFrame | None:
        """Block until a frame newer than `after_index`, or None on timeout."""
        return self.worker.wait_frame(after_index, timeout, self.rendition)
