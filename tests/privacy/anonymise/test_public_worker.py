"""The public rendition through a worker and the service: opted-in cameras only, served late."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np

from csu.bus import EventBus
from csu.config import CameraConfig
from privacy.anonymise import Detection, Region
from privacy.anonymise.public import PublicMasking, public_anonymiser
from privacy.masking import MASK_COLOUR, Image, ZoneMasker
from privacy.renditions import Rendition
from video.ingest import AnonymisedRendition, IngestWorker, MaskedFrame
from video.service import CameraService
from video.sources import FrameSource, SourceError

MASK = np.array(MASK_COLOUR, np.uint8)
FPS = 25.0
PERSON = Region(0.25, 0.25, 0.5, 0.75)


class Numbered:
    """Frames at 25 fps whose last pixel column carries the frame's number (a live camera)."""

    nominal_fps = FPS

    def __init__(self) -> None:
        self._count = 0
        self._closed = threading.Event()

    def read(self) -> Image:
        """The next frame when due."""
        if self._closed.wait(1.0 / FPS):
            raise SourceError("closed")
        image = np.full((72, 128, 3), 90, np.uint8)
        image[:, -1, 0] = self._count % 256
        self._count += 1
        return image

    def close(self) -> None:
        """Stop."""
        self._closed.set()


class Always:
    """A detector that finds the same box on every frame."""

    def __init__(self, *regions: Region) -> None:
        self._regions = regions

    def detect(self, image: Image) -> list[Detection]:
        """The fixed boxes."""
        return [Detection(r, 0.9) for r in self._regions]


def opener(url: str, fps: float) -> FrameSource:
    """Every camera of these tests is a numbered one."""
    return Numbered()


def follow(worker: IngestWorker, count: int, timeout: float) -> list[MaskedFrame]:
    """Public frames as an encoder takes them, until `count` of them or the timeout."""
    frames: list[MaskedFrame] = []
    after, deadline = -1, time.monotonic() + timeout
    while len(frames) < count and time.monotonic() < deadline:
        frame = worker.wait_frame(after, 0.5, Rendition.PUBLIC)
        if frame is not None:
            frames.append(frame)
            after = frame.index
    return frames


def test_public_frames_come_late_in_order_and_masked() -> None:
    masking = PublicMasking(delay_s=0.4)
    rendition = AnonymisedRendition(
        make=lambda: public_anonymiser(Always(PERSON), Always(), masking),
        detection_fps=masking.detection_fps,
        delay_s=masking.delay_s,
    )
    worker = IngestWorker("cam", "test://", FPS, ZoneMasker([]), opener=opener, public=rendition)
    assert worker.offers(Rendition.PUBLIC)
    worker.start()
    try:
        frames = follow(worker, 40, timeout=10.0)
        zones = worker.latest(Rendition.ZONES)
    finally:
        worker.stop()
    assert len(frames) == 40
    indices = [f.index for f in frames]
    assert indices == sorted(indices)
    assert zones is not None and zones.index - frames[-1].index >= 0.3 * FPS  # served late
    shown = [f for f in frames if not (f.image == MASK).all()]
    assert len(shown) >= 30
    for frame in shown:
        x0, y0, x1, y1 = PERSON.pixels(128, 72)
        assert (frame.image[y0:y1, x0:x1] == MASK).all()
        assert frame.image[36, -1, 0] == frame.index % 256  # each frame its own picture


def test_a_worker_with_no_public_rendition_never_serves_one() -> None:
    worker = IngestWorker("cam", "test://", FPS, ZoneMasker([]), opener=opener)
    assert not worker.offers(Rendition.PUBLIC) and worker.offers(Rendition.ZONES)


async def test_only_cameras_opted_in_offer_the_public_rendition(tmp_path: Path) -> None:
    cameras = [
        CameraConfig(id="square", name="Square", source="demo://square", public=True),
        CameraConfig(id="street", name="Street", source="demo://street"),
    ]
    bus = EventBus()
    await bus.start()
    service = CameraService(cameras, bus, opener=opener, data_dir=None)
    opted = CameraService(cameras, bus, opener=opener, data_dir=tmp_path)
    await service.start()
    await opted.start()
    try:
        assert opted.feed("square", Rendition.PUBLIC) is not None
        assert opted.feed("street", Rendition.PUBLIC) is None
        assert opted.latest_frame("street", Rendition.PUBLIC) is None
        assert opted.feed("street", Rendition.ZONES) is not None
        # No data folder for the person model: no camera offers it.
        assert service.feed("square", Rendition.PUBLIC) is None
    finally:
        await service.stop()
        await opted.stop()
        await bus.stop()
