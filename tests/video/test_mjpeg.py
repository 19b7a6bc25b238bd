"""HTTP MJPEG cameras (multipart/x-mixed-replace JPEG) against a real local HTTP server."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from csu.bus import EventBus
from csu.config import CameraConfig
from tests.video.camera_checks import assert_masked, closest_difference, state, until
from tests.video.mjpeg_server import MjpegServer, Style, encode_video
from video.health import CameraState
from video.service import CameraService
from video.sources import SourceError, open_source
from video.sources.stream import StreamSource

FPS = 10
ZONE = ((0.1, 0.1), (0.5, 0.1), (0.5, 0.6), (0.1, 0.6))

STYLES = {
    "with-lengths": Style(),
    # Without Content-Length the demuxer cuts parts at the next boundary line.
    "without-lengths": Style(content_length=False),
    # A camera that mislabels its stream: FFmpeg's probe still knows it by its part headers.
    "mislabelled": Style(content_type="application/octet-stream"),
    "quoted-boundary": Style(content_type='multipart/x-mixed-replace;boundary="csuframe"'),
}


@pytest.fixture
def person_jpegs(person_video: Path) -> tuple[list[np.ndarray], list[bytes]]:
    """The first 20 frames of the person video and their JPEGs."""
    return encode_video(person_video, 20)


@pytest.mark.parametrize("style", sorted(STYLES))
def test_mjpeg_camera_decodes_frames_of_the_right_size(
    person_jpegs: tuple[list[np.ndarray], list[bytes]], style: str
) -> None:
    """Frames come out 768x432 BGR and look like the JPEGs served, for each camera style."""
    frames, jpegs = person_jpegs
    with MjpegServer(jpegs, FPS, STYLES[style]) as server:
        source = open_source(server.url, FPS)
        assert isinstance(source, StreamSource)
        try:
            start = time.monotonic()
            images = [source.read() for _ in range(5)]
            elapsed = time.monotonic() - start
        finally:
            source.close()
    for image in images:
        assert image.shape == (432, 768, 3)
        assert image.dtype == np.uint8
    assert elapsed < 5.0
    # FFmpeg's JPEG decoder and OpenCV's differ by rounding, not by picture.
    for index, image in enumerate(images):
        diff = np.abs(image.astype(np.int16) - frames[index].astype(np.int16)).mean()
        assert diff < 4.0, f"frame {index} differs from the source by {diff:.1f} on average"


async def test_mjpeg_camera_serves_masked_frames(
    person_jpegs: tuple[list[np.ndarray], list[bytes]], event_bus: EventBus
) -> None:
    """Through the camera service: online, zone pixels masked, the rest is the video."""
    frames, jpegs = person_jpegs
    with MjpegServer(jpegs, FPS) as server:
        camera = CameraConfig(
            id="kiosk", name="Kiosk", source=server.url, fps=FPS, privacy_zones=(ZONE,)
        )
        service = CameraService([camera], event_bus, monitor_interval_s=0.1)
        await service.start()
        try:
            assert await until(lambda: state(service, "kiosk") is CameraState.ONLINE, 10.0)
            frame = service.latest_frame("kiosk")
            assert frame is not None
            assert frame.image.shape == (432, 768, 3)
            assert_masked(frame.image, (ZONE,))
            assert closest_difference(frame.image, frames, (ZONE,)) < 4.0
        finally:
            await service.stop()


def test_missing_mjpeg_path_is_a_readable_source_error(
    person_jpegs: tuple[list[np.ndarray], list[bytes]],
) -> None:
    """A 404 from the camera says so, without quoting the URL."""
    _, jpegs = person_jpegs
    with MjpegServer(jpegs, FPS) as server:
        url = server.url.replace("/video.mjpg", "/nothing-here")
        source = open_source(url, FPS)
        try:
            with pytest.raises(SourceError, match=r"cannot open stream: .*404") as caught:
                source.read()
        finally:
            source.close()
    assert url not in str(caught.value)
