"""Frame sources: demo scenes, video files through PyAV, and the URL factory."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tests.video.conftest import (
    CLIP_FPS,
    CLIP_FRAMES,
    CLIP_SIZE,
    decoded_index,
    make_clip,
)
from video.scenes import SCENES, make_scene
from video.sources import FrameSource, SourceError, open_source
from video.sources.demo import DemoSource
from video.sources.stream import StreamSource


def read_timed(source: FrameSource, n: int) -> tuple[list[np.ndarray], float]:
    """Read `n` frames; the frames and the seconds it took."""
    start = time.monotonic()
    frames = [source.read() for _ in range(n)]
    return frames, time.monotonic() - start


# --- demo scenes ---------------------------------------------------------------------------


def test_demo_source_gives_720p_bgr_frames() -> None:
    """A demo camera delivers 1280x720, three-channel uint8 frames."""
    source = open_source("demo://street", 25)
    try:
        assert isinstance(source, DemoSource)
        assert source.nominal_fps == 25
        frame = source.read()
        assert frame.shape == (720, 1280, 3)
        assert frame.dtype == np.uint8
        assert frame.std() > 10  # a drawn scene, not a blank image
    finally:
        source.close()


def test_demo_source_is_paced_at_its_rate() -> None:
    """10 frames at 50 fps take about 0.18 s: the first is due at once, then one per 20 ms."""
    source = DemoSource("plaza", 50)
    try:
        _, elapsed = read_timed(source, 10)
    finally:
        source.close()
    assert 0.15 <= elapsed <= 1.8  # paced (not at once); a loaded machine may take longer


def test_demo_source_close_stops_the_wait() -> None:
    """close() from another thread releases a read waiting for its frame at once."""
    source = DemoSource("street", 0.05)  # the second frame is due 20 s after the first
    source.read()
    timer = threading.Timer(0.1, source.close)
    timer.start()
    start = time.monotonic()
    source.read()
    assert time.monotonic() - start < 3.0
    timer.join()


@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_scene_renders_and_moves(name: str) -> None:
    """Each scene renders at the requested size and changes over time."""
    scene = make_scene(name, 640, 360)
    first, later = scene.render(0.0), scene.render(5.0)
    assert first.shape == later.shape == (360, 640, 3)
    assert first.dtype == np.uint8
    assert first.std() > 5
    changed = np.any(first != later, axis=2).mean()
    assert changed > 0.001, f"scene {name} does not move"
    # Rendering must not draw on the shared background.
    assert np.array_equal(scene.render(0.0), first)


@pytest.mark.parametrize("name", sorted(SCENES))
def test_every_scene_opens_as_a_demo_url(name: str) -> None:
    """demo://<scene> opens for every built-in scene."""
    source = open_source(f"demo://{name}", 30)
    try:
        assert source.read().shape == (720, 1280, 3)
    finally:
        source.close()


def test_unknown_scene_is_a_source_error() -> None:
    """An unknown scene name is a SourceError naming the known ones."""
    with pytest.raises(SourceError, match=r"unknown demo scene 'nowhere'.*street"):
        open_source("demo://nowhere", 25)


def test_unsupported_scheme_is_a_source_error() -> None:
    """ftp:// is not a camera source."""
    with pytest.raises(SourceError, match="unsupported source scheme 'ftp'"):
        open_source("ftp://x", 25)


# --- files and streams ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "size", "fps"),
    [
        ("intel_one-by-one-person-detection.mp4", (768, 432), 10.0),
        ("visionworks_pedestrians.mp4", (960, 540), 29.97),
    ],
)
def test_file_source_decodes_real_video_in_real_time(
    videos: Path, name: str, size: tuple[int, int], fps: float
) -> None:
    """A shared video decodes to BGR frames of its size, paced near its own frame rate."""
    path = videos / name
    assert path.is_file()
    source = open_source(path.as_uri(), 25)
    assert isinstance(source, StreamSource)
    n = 8
    try:
        frames, elapsed = read_timed(source, n)
    finally:
        source.close()
    width, height = size
    for frame in frames:
        assert frame.shape == (height, width, 3)
        assert frame.dtype == np.uint8
    assert frames[0].std() > 10
    assert any(not np.array_equal(frames[0], f) for f in frames[1:])
    expected = (n - 1) / fps  # the first frame is shown at once
    assert expected * 0.8 <= elapsed <= expected + 1.5


def test_file_source_loops_at_the_end(clip: Path) -> None:
    """Reading past the end of a file starts it again from the first frame."""
    source = open_source(clip.as_uri(), CLIP_FPS)
    try:
        frames = [source.read() for _ in range(CLIP_FRAMES + 5)]
    finally:
        source.close()
    indices = [decoded_index(f) for f in frames]
    assert indices == list(range(CLIP_FRAMES)) + list(range(5))
    width, height = CLIP_SIZE
    assert all(f.shape == (height, width, 3) for f in frames)


def test_file_source_is_paced_in_real_time(clip: Path) -> None:
    """Ten frames at 25 fps are held to about 0.36 s rather than decoded at once."""
    source = StreamSource(str(clip), CLIP_FPS, loop=True)
    try:
        _, elapsed = read_timed(source, CLIP_FRAMES)
    finally:
        source.close()
    expected = (CLIP_FRAMES - 1) / CLIP_FPS
    assert expected * 0.8 <= elapsed <= expected + 1.2


def test_stream_without_loop_ends_with_a_source_error(tmp_path: Path) -> None:
    """A live stream (no loop) is not paced and ends with SourceError("end of stream")."""
    slow = make_clip(tmp_path / "slow.mp4", fps=2)  # paced, its frames would take 4.5 s
    source = StreamSource(str(slow), 2, loop=False)
    try:
        frames, elapsed = read_timed(source, CLIP_FRAMES)
        assert [decoded_index(f) for f in frames] == list(range(CLIP_FRAMES))
        assert elapsed < 1.5
        with pytest.raises(SourceError, match="end of stream"):
            source.read()
    finally:
        source.close()


def test_percent_encoded_file_url_opens(tmp_path: Path) -> None:
    """file:///dir%20name/clip.mp4 opens the file whose folder name has a space."""
    folder = tmp_path / "camera recordings"
    folder.mkdir()
    path = make_clip(folder / "clip.mp4", frames=3)
    url = path.as_uri()
    assert "%20" in url
    source = open_source(url, CLIP_FPS)
    try:
        assert decoded_index(source.read()) == 0
    finally:
        source.close()


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    """A file that does not exist fails on read with SourceError, not an FFmpeg exception."""
    source = open_source((tmp_path / "absent.mp4").as_uri(), 25)
    try:
        with pytest.raises(SourceError, match="cannot open stream"):
            source.read()
    finally:
        source.close()


def test_file_without_video_is_a_source_error(tmp_path: Path) -> None:
    """A file FFmpeg cannot read as video is a SourceError."""
    path = tmp_path / "notes.mp4"
    path.write_bytes(b"this is not a video" * 100)
    source = StreamSource(str(path), 25, loop=True)
    try:
        with pytest.raises(SourceError):
            source.read()
    finally:
        source.close()


def test_looping_a_file_without_frames_fails_instead_of_spinning(tmp_path: Path) -> None:
    """A looped file that holds no frame raises SourceError rather than reopening forever."""
    path = tmp_path / "empty.y4m"
    path.write_text("YUV4MPEG2 W64 H48 F25:1 Ip A1:1 C420jpeg\n")
    source = StreamSource(str(path), 25, loop=True)
    outcome: list[BaseException] = []

    def read() -> None:
        try:
            source.read()
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(9.0)
    source.close()
    assert not reader.is_alive(), "read() spins on a file without frames"
    assert len(outcome) == 1 and isinstance(outcome[0], SourceError)


def test_read_after_close_is_a_source_error(clip: Path) -> None:
    """A closed stream refuses to read."""
    source = StreamSource(str(clip), CLIP_FPS, loop=True)
    source.read()
    source.close()
    with pytest.raises(SourceError, match="source closed"):
        source.read()


def test_close_from_another_thread_while_decoding_is_safe(videos: Path) -> None:
    """Closing while another thread decodes ends that read cleanly (it used to segfault)."""
    path = videos / "visionworks_pedestrians.mp4"
    rng = random.Random(5)
    for _ in range(25):
        source = StreamSource(str(path), 30, loop=True)
        errors: list[str] = []

        def pump(src: StreamSource = source, errs: list[str] = errors) -> None:
            try:
                while True:
                    src.read()
            except SourceError as exc:
                errs.append(str(exc))

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        time.sleep(rng.uniform(0.0, 0.08))
        source.close()
        reader.join(6.0)
        assert not reader.is_alive()
        assert errors == ["source closed"]
