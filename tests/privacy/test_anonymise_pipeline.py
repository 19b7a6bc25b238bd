"""The anonymised rendition through a real ingest worker: every frame hides every face."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import av
import numpy as np
import pytest

from csu.backoff import Backoff
from csu.bus import EventBus
from csu.config import CameraConfig
from privacy.anonymise import Anonymiser, CenterFaceDetector, Detection, HoldRule, Style
from privacy.masking import MASK_COLOUR, ZoneMasker
from privacy.renditions import Rendition
from video.ingest import AnonymisedRendition, IngestWorker, MaskedFrame
from video.service import CameraService
from video.sources import FrameSource, SourceError
from video.sources.base import Image

MASK = np.array(MASK_COLOUR, np.uint8)
GIF = "intel_face-demographics-walking.gif"
# Ground truth: the detector on the full 480x270 frame, at a threshold well below its usual 0.5.
TRUTH_THRESHOLD = 0.35
# The rendition under test sees a reduced frame (long side 320), as a 720p camera's detector does.
LONG_SIDE = 320


def gif_frames(path: Path) -> list[tuple[float, Image]]:
    """The GIF's frames (BGR) with their presentation times in seconds."""
    with av.open(str(path)) as container:
        return [
            (float(frame.time or 0.0), np.asarray(frame.to_ndarray(format="bgr24"), np.uint8))
            for frame in container.decode(video=0)
        ]


class GifSource:
    """Plays decoded frames once at their own pace, as a live camera delivers them."""

    nominal_fps = 12.5

    def __init__(self, frames: list[tuple[float, Image]]) -> None:
        self._frames = iter(frames)
        self._start = time.monotonic()
        self._closed = threading.Event()

    def read(self) -> Image:
        """The next frame once its time has come; the end of the GIF ends the stream."""
        try:
            at, image = next(self._frames)
        except StopIteration:
            raise SourceError("end of stream") from None
        self._closed.wait(max(0.0, self._start + at - time.monotonic()))
        if self._closed.is_set():
            raise SourceError("source closed")
        return image.copy()

    def close(self) -> None:
        """Stop waiting."""
        self._closed.set()


def play_once(frames: list[tuple[float, Image]]) -> Callable[[str, float], FrameSource]:
    """An opener that plays the GIF once; reconnecting finds the camera gone."""
    opened = threading.Event()

    def opener(url: str, fps: float) -> FrameSource:
        if opened.is_set():
            raise SourceError("camera gone")
        opened.set()
        return GifSource(frames)

    return opener


def face_anonymiser(long_side: int, style: Style) -> Anonymiser:
    """The anonymiser the service builds by default, at a given detector size and style."""
    detector = CenterFaceDetector(long_side=long_side, threshold=0.2)
    return Anonymiser(detector, rule=HoldRule(), style=style, stale_after_s=1.0)


def follow(worker: IngestWorker, last_index: int, timeout: float) -> list[MaskedFrame]:
    """Every anonymised frame up to `last_index`, as a live encoder would take them."""
    frames: list[MaskedFrame] = []
    after, deadline = -1, time.monotonic() + timeout
    while after < last_index and time.monotonic() < deadline:
        frame = worker.wait_frame(after, 0.5, Rendition.ANONYMISED)
        if frame is not None:
            frames.append(frame)
            after = frame.index
    return frames


def covered(image: Image, box: tuple[int, int, int, int]) -> float:
    """The share of a pixel box that is burned to the mask colour."""
    x0, y0, x1, y1 = box
    return float((image[y0:y1, x0:x1] == MASK).all(axis=2).mean())


def anonymising_threads() -> list[str]:
    """Names of live detection threads."""
    return [t.name for t in threading.enumerate() if t.name.startswith("anonymise-")]


@pytest.fixture
def gif(shared_data: Path) -> list[tuple[float, Image]]:
    """The 35 frames of two people walking towards the camera (480x270, 12.5 fps)."""
    frames = gif_frames(shared_data / "images" / GIF)
    assert len(frames) == 35
    return frames


def test_every_anonymised_frame_hides_every_face(gif: list[tuple[float, Image]]) -> None:
    """Detection at 5 fps on reduced frames; on every frame at 12.5 fps, faces stay covered."""
    rendition = AnonymisedRendition(
        make=partial(face_anonymiser, LONG_SIDE, Style.FILL), detection_fps=5.0
    )
    worker = IngestWorker(
        "walk", "gif://walk", 12.5, ZoneMasker([]), opener=play_once(gif), anonymised=rendition
    )
    assert worker.latest(Rendition.ANONYMISED) is None  # asks for it before the first frame
    worker.start()
    try:
        frames = follow(worker, len(gif) - 1, timeout=15.0)
    finally:
        worker.stop()
    assert [f.index for f in frames] == list(range(len(gif)))
    truth = CenterFaceDetector(long_side=10_000, threshold=TRUTH_THRESHOLD)
    shown = 0
    for frame in frames:
        original = gif[frame.index][1]
        if (frame.image == MASK).all():
            continue  # before the first detection: nothing of the picture shown
        shown += 1
        faces = truth.detect(original)
        assert len(faces) == 2, f"frame {frame.index}: the ground truth lost a face"
        for face in faces:
            box = face.region.pixels(original.shape[1], original.shape[0])
            assert covered(frame.image, box) >= 0.98, f"a face shows on frame {frame.index}"
        unmasked = ~(frame.image == MASK).all(axis=2)
        assert np.array_equal(frame.image[unmasked], original[unmasked])
    # Most of the clip is shown: the model loads and detects in well under a second.
    assert shown >= len(gif) - 12
    assert (frames[0].image == MASK).all(), "the first frame came before any detection"


def test_no_detection_until_asked_and_none_once_nobody_watches(
    gif: list[tuple[float, Image]], shared_data: Path
) -> None:
    """Zero cost for a camera nobody watches anonymised: the detection thread comes and goes."""
    rendition = AnonymisedRendition(
        make=partial(face_anonymiser, LONG_SIDE, Style.PIXELATE), detection_fps=5.0, idle_s=0.5
    )
    url = (shared_data / "images" / GIF).as_uri()
    worker = IngestWorker("idle", url, 12.5, ZoneMasker([]), anonymised=rendition)
    worker.start()
    try:
        assert worker.wait_frame(-1, 3.0) is not None
        time.sleep(0.3)
        assert anonymising_threads() == []
        assert worker.latest(Rendition.ANONYMISED) is None
        assert worker.feed(Rendition.ANONYMISED).wait_frame(-1, 3.0) is not None
        assert anonymising_threads() == ["anonymise-idle"]
        deadline = time.monotonic() + 3.0
        while anonymising_threads() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert anonymising_threads() == []
        assert worker.latest(Rendition.ZONES) is not None
        # Asked again: it starts again, wholly obscured until its own first detection.
        frame = worker.wait_frame(-1, 3.0, Rendition.ANONYMISED)
        assert frame is not None
    finally:
        worker.stop()
    assert anonymising_threads() == []


def test_a_detector_that_cannot_be_built_hides_whole_frames(
    gif: list[tuple[float, Image]], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A missing or broken model: the rendition streams, wholly obscured, and says why."""
    broken = tmp_path / "centerface.onnx"
    broken.write_bytes(b"not a model")

    def make() -> Anonymiser:
        return Anonymiser(CenterFaceDetector(path=broken))

    rendition = AnonymisedRendition(make=make, retry=Backoff(initial_s=0.2, maximum_s=0.2))
    worker = IngestWorker(
        "broken", "gif://walk", 12.5, ZoneMasker([]), opener=play_once(gif), anonymised=rendition
    )
    worker.latest(Rendition.ANONYMISED)
    with caplog.at_level(logging.ERROR, logger="video.ingest"):
        worker.start()
        try:
            frames = follow(worker, 20, timeout=10.0)
        finally:
            worker.stop()
    assert len(frames) >= 15
    assert all((f.image == MASK).all() for f in frames)
    assert "cannot build the anonymiser" in caplog.text


class FailingDetector:
    """A detector whose every call fails, as a session does when its memory or model is gone."""

    def detect(self, image: Image) -> Sequence[Detection]:
        raise RuntimeError("onnxruntime: session failed")


def test_a_failing_detection_hides_whole_frames_and_is_logged_once(
    gif: list[tuple[float, Image]], caplog: pytest.LogCaptureFixture
) -> None:
    """Fail closed: no frame of the rendition shows the picture while detection fails."""
    rendition = AnonymisedRendition(make=lambda: Anonymiser(FailingDetector()), detection_fps=10.0)
    worker = IngestWorker(
        "failing", "gif://walk", 12.5, ZoneMasker([]), opener=play_once(gif), anonymised=rendition
    )
    worker.latest(Rendition.ANONYMISED)
    with caplog.at_level(logging.ERROR, logger="video.ingest"):
        worker.start()
        try:
            frames = follow(worker, 25, timeout=10.0)
        finally:
            worker.stop()
    assert len(frames) >= 20
    assert all((f.image == MASK).all() for f in frames)
    assert caplog.text.count("face detection failed") == 1


async def test_the_camera_service_serves_the_anonymised_rendition(shared_data: Path) -> None:
    """latest_frame(camera, ANONYMISED): nothing, then obscured, then faces hidden, zones intact."""
    url = (shared_data / "images" / GIF).as_uri()
    camera = CameraConfig(id="hall", name="Hall", source=url, fps=12)
    bus = EventBus()
    await bus.start()
    service = CameraService([camera], bus, monitor_interval_s=0.05)
    await service.start()
    try:
        assert service.latest_frame("hall", Rendition.ANONYMISED) is None
        deadline = time.monotonic() + 10.0
        frame = None
        while time.monotonic() < deadline:
            frame = service.latest_frame("hall", Rendition.ANONYMISED)
            if frame is not None and not (frame.image == MASK).all():
                break
            await asyncio.sleep(0.05)
        assert frame is not None and not (frame.image == MASK).all()
        zones = service.latest_frame("hall")
        assert zones is not None and not np.array_equal(zones.image, frame.image)
        feed = service.feed("hall", Rendition.ANONYMISED)
        assert feed is not None and service.feed("nowhere", Rendition.ANONYMISED) is None
        faces = CenterFaceDetector(threshold=TRUTH_THRESHOLD).detect(zones.image)
        assert len(faces) == 2
    finally:
        await service.stop()
        await bus.stop()
