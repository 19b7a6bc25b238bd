"""The ingest worker: masked frames from real sources, health ticks, reconnects and stopping."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

import numpy as np

from csu.backoff import Backoff
from privacy.masking import MASK_COLOUR, ZoneMasker
from tests.video.conftest import CLIP_FPS, make_clip, wait_for
from video.health import CameraState, assess
from video.ingest import IngestWorker, MaskedFrame
from video.sources import FrameSource, SourceError, open_source
from video.sources.base import Image
from video.sources.demo import DemoSource

WIDTH, HEIGHT = 1280, 720
# The left house facade of the street scene, whose windows are what a zone hides.
ZONE = [(0.05, 0.1), (0.45, 0.1), (0.45, 0.5), (0.05, 0.5)]
ZONE_PX = (int(0.05 * WIDTH), int(0.1 * HEIGHT), int(0.45 * WIDTH), int(0.5 * HEIGHT))
MASK = np.array(MASK_COLOUR, np.uint8)
TINY = Backoff(initial_s=0.01, maximum_s=0.04)


def zone_pixels(image: Image) -> Image:
    """The zone's interior (one pixel in from its edge)."""
    x0, y0, x1, y1 = ZONE_PX
    return image[y0 + 1 : y1 - 1, x0 + 1 : x1 - 1]


def outside_pixels(image: Image) -> Image:
    """Everything well clear of the zone: the bottom 40 % of the frame and the right half."""
    return np.concatenate(
        [image[int(0.6 * HEIGHT) :].reshape(-1, 3), image[:, WIDTH // 2 :].reshape(-1, 3)]
    )


def assert_masked(frame: MaskedFrame) -> None:
    """The zone is uniformly the mask colour, the rest of the picture is not."""
    assert frame.image.shape == (HEIGHT, WIDTH, 3)
    assert (zone_pixels(frame.image) == MASK).all(), "an unmasked frame left the worker"
    rest = outside_pixels(frame.image)
    assert not (rest == MASK).all(axis=1).all()
    assert rest.std() > 10


def latest(worker: IngestWorker) -> MaskedFrame:
    """The worker's newest frame, which the caller knows exists."""
    frame = worker.latest()
    assert frame is not None
    return frame


def ingest_threads(camera_id: str) -> list[threading.Thread]:
    """Live threads of a camera's worker."""
    return [t for t in threading.enumerate() if t.name == f"ingest-{camera_id}"]


class CountingOpener:
    """Opens real sources (or fails), counting attempts and when they came."""

    def __init__(self, fail_with: str | None = None, fail_after: int | None = None) -> None:
        self.fail_with = fail_with
        self.fail_after = fail_after
        self.attempts: list[float] = []
        self.lock = threading.Lock()

    def __call__(self, url: str, fps: float) -> FrameSource:
        with self.lock:
            self.attempts.append(time.monotonic())
        if self.fail_with is not None:
            raise SourceError(self.fail_with)
        source = open_source(url, fps)
        if self.fail_after is not None:
            return DroppingSource(source, self.fail_after)
        return source

    @property
    def count(self) -> int:
        with self.lock:
            return len(self.attempts)


class DroppingSource:
    """A real source whose connection drops after `frames` frames, as a flaky camera's does."""

    def __init__(self, inner: FrameSource, frames: int) -> None:
        self.nominal_fps = inner.nominal_fps
        self._inner = inner
        self._left = frames

    def read(self) -> Image:
        if self._left <= 0:
            raise SourceError("connection dropped")
        self._left -= 1
        return self._inner.read()

    def close(self) -> None:
        self._inner.close()


class GreySource:
    """A source whose frames are single-channel: every frame is broken for the masker."""

    nominal_fps = 50.0

    def read(self) -> Image:
        time.sleep(0.01)
        return np.zeros((HEIGHT, WIDTH), np.uint8)

    def close(self) -> None:
        pass


def test_worker_publishes_masked_frames_from_a_demo_camera() -> None:
    """A demo street camera: every frame the worker hands out has the zone burned in."""
    worker = IngestWorker("street", "demo://street", 25, ZoneMasker([ZONE]))
    worker.start()
    try:
        assert wait_for(lambda: worker.latest() is not None, timeout=10.0)
        first = latest(worker)
        assert_masked(first)
        assert worker.error is None
        # Sample frames as they come: each is masked, and the scene outside the zone moves.
        seen: list[MaskedFrame] = [first]
        deadline = time.monotonic() + 10.0  # 25 fps gives ten frames in 0.4 s
        while len(seen) < 10 and time.monotonic() < deadline:
            frame = latest(worker)
            if frame.index != seen[-1].index:
                assert_masked(frame)
                seen.append(frame)
            time.sleep(0.005)
        assert len(seen) >= 10
        assert [f.index for f in seen] == sorted({f.index for f in seen})
        assert not np.array_equal(outside_pixels(seen[0].image), outside_pixels(seen[-1].image))
        assert seen[-1].monotonic > seen[0].monotonic
        assert abs(seen[-1].wallclock - time.time()) < 5.0
    finally:
        worker.stop()


def test_frame_clock_ticks_near_the_nominal_rate() -> None:
    """At 25 fps the worker ticks its clock about 25 times a second, and assess says online."""
    worker = IngestWorker("plaza", "demo://plaza", 25, ZoneMasker([ZONE]))
    worker.start()
    try:
        assert wait_for(lambda: worker.latest() is not None)
        t0, n0 = time.monotonic(), len(worker.clock.times)
        time.sleep(2.0)
        t1, n1 = time.monotonic(), len(worker.clock.times)
        rate = (n1 - n0) / (t1 - t0)
        # Never faster than nominal; on a loaded machine rendering may lag, but not below half
        # the rate, where assess would call the camera degraded.
        assert 12.5 <= rate <= 30.0
        assert latest(worker).index >= 25
        health = assess(
            clock=worker.clock,
            now=time.monotonic(),
            nominal_fps=worker.fps,
            started_at=worker.started_at,
            error=worker.error,
        )
        assert health.state is CameraState.ONLINE
    finally:
        worker.stop()


def test_a_file_camera_is_masked_too(tmp_path: Path) -> None:
    """A file source goes through the same mask (at the clip's own size)."""
    clip = make_clip(tmp_path / "clip.mp4", frames=10)
    worker = IngestWorker("file", clip.as_uri(), CLIP_FPS, ZoneMasker([ZONE]))
    worker.start()
    try:
        assert wait_for(lambda: worker.latest() is not None)
        image = latest(worker).image
        assert image.shape == (240, 320, 3)
        x0, y0, x1, y1 = int(0.05 * 320), int(0.1 * 240), int(0.45 * 320), int(0.5 * 240)
        assert (image[y0 + 1 : y1 - 1, x0 + 1 : x1 - 1] == MASK).all()
        assert not (image[200:, 200:] == MASK).all()
    finally:
        worker.stop()


def test_failing_source_sets_the_error_and_keeps_retrying_with_backoff() -> None:
    """An opener that always fails: the error is the reason, attempts go on, spaced out."""
    opener = CountingOpener(fail_with="cannot open stream: Connection refused")
    worker = IngestWorker(
        "down", "rtsp://10.0.0.1/s", 25, ZoneMasker([]), opener=opener, backoff=TINY
    )
    worker.start()
    try:
        assert wait_for(lambda: opener.count >= 8, timeout=10.0)
        assert worker.error == "cannot open stream: Connection refused"
        assert worker.latest() is None
    finally:
        worker.stop()
    times = list(opener.attempts)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for attempt, gap in enumerate(gaps):
        ceiling = min(TINY.maximum_s, TINY.initial_s * 2**attempt)
        # Only lower bounds: a loaded machine may stretch any gap. They grow with the attempt,
        # past the longest first delay from the third retry on: the delays grow.
        assert gap >= ceiling / 2 - 0.002, f"retry {attempt} after {gap:.4f} s"
    health = assess(
        clock=worker.clock,
        now=time.monotonic(),
        nominal_fps=worker.fps,
        started_at=worker.started_at,
        error=worker.error,
    )
    assert health.state is CameraState.OFFLINE
    assert health.reason == "cannot open stream: Connection refused"


def test_worker_reconnects_after_a_drop_and_frames_resume() -> None:
    """A camera that drops every 5 frames is reopened quickly and its frames keep coming."""
    opener = CountingOpener(fail_after=5)
    # Were the attempt count not reset after streaming, the 7th retry would wait over 5 s.
    backoff = Backoff(initial_s=0.02, maximum_s=10.0)
    worker = IngestWorker(
        "flaky", "demo://parking", 50, ZoneMasker([ZONE]), opener=opener, backoff=backoff
    )
    worker.start()
    try:
        assert wait_for(lambda: opener.count >= 8, timeout=12.0)
        assert wait_for(lambda: (f := worker.latest()) is not None and f.index >= 35, timeout=6.0)
        assert_masked(latest(worker))
        # The index runs on across reconnects (8 connections x 5 frames, not 0..4 again).
        indices: list[int] = []
        deadline = time.monotonic() + 10.0
        while (len(indices) < 2 or indices[-1] == indices[0]) and time.monotonic() < deadline:
            indices.append(latest(worker).index)
            time.sleep(0.005)
        assert indices == sorted(indices)
        assert indices[-1] > indices[0]
    finally:
        worker.stop()


def test_a_broken_frame_does_not_kill_the_worker() -> None:
    """A frame the masker cannot handle is an ingest failure; the worker keeps retrying."""
    opens = 0

    def opener(url: str, fps: float) -> FrameSource:
        nonlocal opens
        opens += 1
        return GreySource()

    worker = IngestWorker(
        "grey", "demo://street", 50, ZoneMasker([ZONE]), opener=opener, backoff=TINY
    )
    worker.start()
    try:
        assert wait_for(lambda: opens >= 3)
        error = worker.error
        assert error is not None and error.startswith("ingest failure")
        assert worker.latest() is None  # nothing unmasked was published
        assert ingest_threads("grey")
    finally:
        worker.stop()


def test_new_privacy_zones_apply_to_the_next_frames() -> None:
    """set_privacy_zones swaps the mask: the old zone shows again, the new one is hidden."""
    worker = IngestWorker("swap", "demo://street", 50, ZoneMasker([ZONE]))
    worker.start()
    try:
        assert wait_for(lambda: worker.latest() is not None)
        right = [(0.55, 0.1), (0.95, 0.1), (0.95, 0.5), (0.55, 0.5)]
        worker.set_privacy_zones(ZoneMasker([right]))
        swapped_at = latest(worker).index

        def swapped() -> bool:
            return latest(worker).index > swapped_at + 1

        assert wait_for(swapped)
        image = latest(worker).image
        x0, y0, x1, y1 = int(0.55 * WIDTH), int(0.1 * HEIGHT), int(0.95 * WIDTH), int(0.5 * HEIGHT)
        assert (image[y0 + 1 : y1 - 1, x0 + 1 : x1 - 1] == MASK).all()
        assert not (zone_pixels(image) == MASK).all(axis=2).all()
    finally:
        worker.stop()


def test_stop_joins_promptly_while_waiting_for_a_frame() -> None:
    """stop() interrupts a source waiting for its next frame (one in 10 s) and joins the thread."""
    worker = IngestWorker("slow", "demo://street", 0.1, ZoneMasker([ZONE]))
    worker.start()
    assert wait_for(lambda: worker.latest() is not None)
    start = time.monotonic()
    worker.stop()
    assert time.monotonic() - start < 1.5
    assert not ingest_threads("slow")


def test_stop_joins_promptly_during_a_backoff_wait() -> None:
    """stop() ends a long reconnect wait at once."""
    opener = CountingOpener(fail_with="unreachable")
    worker = IngestWorker(
        "wait",
        "rtsp://x/y",
        25,
        ZoneMasker([]),
        opener=opener,
        backoff=Backoff(initial_s=30.0, maximum_s=60.0),
    )
    worker.start()
    assert wait_for(lambda: opener.count >= 1 and worker.error is not None)
    start = time.monotonic()
    worker.stop()
    assert time.monotonic() - start < 1.5  # the wait was 15 s at least
    assert not ingest_threads("wait")
    assert opener.count == 1


def test_stop_joins_promptly_on_a_file_camera(videos: Path) -> None:
    """stop() on a file being decoded and paced returns quickly and leaves no thread."""
    url = (videos / "intel_car-detection.mp4").as_uri()
    worker = IngestWorker("cars", url, 10, ZoneMasker([ZONE]))
    worker.start()
    assert wait_for(lambda: worker.latest() is not None)
    start = time.monotonic()
    worker.stop()
    assert time.monotonic() - start < 3.0
    assert not ingest_threads("cars")


def test_demo_source_frames_match_the_scene_outside_the_zone() -> None:
    """Masking touches only the zone: outside it, the frame is the scene's own rendering."""
    source = DemoSource("street", 25)
    try:
        original = source.read()
    finally:
        source.close()
    masked = ZoneMasker([ZONE]).apply(original.copy())
    assert (zone_pixels(masked) == MASK).all()
    x0, y0, x1, y1 = ZONE_PX
    keep = np.ones((HEIGHT, WIDTH), np.bool_)
    keep[y0 - 3 : y1 + 3, x0 - 3 : x1 + 3] = False
    assert np.array_equal(masked[keep], original[keep])
