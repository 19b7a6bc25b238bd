"""Recorded segments to MP4 without re-encoding: every frame kept, from a keyframe, zones masked."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import av
import numpy as np
import pytest

from privacy.masking import MASK_COLOUR
from tests.conftest import SHARED_DATA, require_service
from tests.video.segments import ListIndex, Segment, record_segments, video_frames
from video.evidence.anonymised import decoded_frames
from video.evidence.remux import remux
from video.evidence.segments import NoFootage
from video.sources.base import Image

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
FPS = 12.5
FRAME_TICKS = 7200  # one frame at 12.5 fps on the 90 kHz clock
CAR = "intel_car-detection.mp4"
# The top-left quarter of the picture, burned in before encoding (as ingest does).
ZONE = [[0.0, 0.0], [0.5, 0.0], [0.5, 0.5], [0.0, 0.5]]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[Segment]:
    """20 s of a real street clip (768x432) with a privacy zone, in five 4 s segments."""
    if not SHARED_DATA.exists():
        require_service(f"test data folder {SHARED_DATA}")
    frames = video_frames(SHARED_DATA / "video" / CAR, limit=250)
    folder = tmp_path_factory.mktemp("segments")
    return record_segments(
        frames, folder, camera_id="cam", start=T0, fps=FPS, segment_s=4.0, zones=[ZONE]
    )


def decode(source: Path | bytes) -> list[av.VideoFrame]:
    """Every frame of an MP4 file or of MP4 bytes."""
    target = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    with av.open(target) as container:
        return list(container.decode(video=0))


def images(frames: list[av.VideoFrame]) -> list[Image]:
    """BGR pixels."""
    return [np.asarray(f.to_ndarray(format="bgr24"), np.uint8) for f in frames]


def at(seconds: float) -> datetime:
    """T0 plus seconds."""
    return T0 + timedelta(seconds=seconds)


def test_the_whole_recording_keeps_every_frame_with_continuous_timestamps(
    recorded: list[Segment], tmp_path: Path
) -> None:
    """Five segments, 250 frames in, 250 frames out, one frame step apart across the joins."""
    out = tmp_path / "all.mp4"
    footage = remux(recorded, at(0), at(20), out)
    frames = decode(out)
    assert len(frames) == 250 == footage.frames
    assert frames[0].key_frame
    steps = {b.pts - a.pts for a, b in pairwise(frames)}
    assert steps == {FRAME_TICKS}
    assert frames[0].time_base == Fraction(1, 90_000)
    assert (footage.start, footage.end) == (at(0), at(20))
    assert footage.gaps == ()
    # Copied, not re-encoded: the MP4 decodes to exactly the recorded pixels.
    recorded_images = [image for image, _ in decoded_frames(recorded, at(0), at(20))]
    assert all(np.array_equal(a, b) for a, b in zip(images(frames), recorded_images, strict=True))


def test_a_range_starts_at_the_last_keyframe_at_or_before_its_start(
    recorded: list[Segment], tmp_path: Path
) -> None:
    """From 6.3 s to 13 s: the IDR before 6.3 s opens the file, frames before 13 s close it."""
    out = tmp_path / "part.mp4"
    footage = remux(recorded, at(6.3), at(13), out)
    frames = decode(out)
    assert frames[0].key_frame and frames[0].pts == 0
    # Keyframes come about every second: the file opens at most that much before the start.
    assert at(5.2) <= footage.start <= at(6.3)
    # Frames are 80 ms apart: the last one before 13 s is at 12.96 s and lasts to 13.04 s.
    last = math.ceil(13 * FPS)
    assert footage.end == at(last / FPS)
    first = round((footage.start - T0).total_seconds() * FPS)
    assert len(frames) == last - first
    whole = [image for image, _ in decoded_frames(recorded, at(0), at(20))]
    assert np.array_equal(images(frames)[0], whole[first])
    assert np.array_equal(images(frames)[-1], whole[last - 1])


def test_a_fragmented_mp4_streams_the_same_frames(recorded: list[Segment]) -> None:
    """Written to a sink that cannot seek, as playback streams it; moof boxes, same pictures."""

    class Sink:
        def __init__(self) -> None:
            self.data = bytearray()

        def write(self, data: bytes) -> int:
            self.data += data
            return len(data)

    sink = Sink()
    footage = remux(recorded, at(2), at(10), sink, fragmented=True)
    data = bytes(sink.data)
    assert b"moof" in data and data.index(b"moov") < data.index(b"moof")
    frames = decode(data)
    assert len(frames) == footage.frames
    assert frames[0].key_frame


def test_the_faststart_mp4_puts_its_index_first(recorded: list[Segment], tmp_path: Path) -> None:
    """moov before mdat: a player starts before the whole file is read."""
    out = tmp_path / "fast.mp4"
    remux(recorded, at(0), at(4), out)
    data = out.read_bytes()
    assert data.index(b"moov") < data.index(b"mdat")


def test_a_hole_in_the_recording_stays_a_hole(recorded: list[Segment], tmp_path: Path) -> None:
    """Segments at 0-8 s and 38-46 s: one gap reported, the clock jumps 30 s, no frame lost."""
    later = [
        Segment(
            s.camera_id,
            s.rendition,
            s.path,
            s.start + timedelta(seconds=30),
            s.end + timedelta(seconds=30),
            s.size_bytes,
        )
        for s in recorded[2:4]
    ]
    index = ListIndex([*recorded[:2], *later])
    out = tmp_path / "gap.mp4"
    footage = remux(index.between("cam", at(0), at(60)), at(0), at(60), out)
    frames = decode(out)
    assert len(frames) == 200
    assert footage.gaps == ((at(8), at(38)),)
    jump = frames[100].pts - frames[99].pts
    assert jump == 30 * 90_000 + FRAME_TICKS


def test_privacy_zone_pixels_stay_masked_in_the_mp4(
    recorded: list[Segment], tmp_path: Path, shared_data: Path
) -> None:
    """The zone is the mask colour in every exported frame; the street outside it shows."""
    out = tmp_path / "zones.mp4"
    remux(recorded, at(0), at(20), out)
    originals = video_frames(shared_data / "video" / CAR, limit=250)
    mask = np.array(MASK_COLOUR, np.int16)
    for image, original in zip(images(decode(out)), originals, strict=True):
        # Inside the zone (kept clear of the edge, where the codec blends): the flat mask colour.
        inside = image[8:200, 8:370].astype(np.int16)
        assert np.abs(inside - mask).max() <= 6
        outside = image[240:, 400:].astype(np.int16)
        assert np.abs(outside - original[240:, 400:].astype(np.int16)).mean() < 8
        # What the zone hides is real picture, not something already that colour.
        assert np.abs(original[8:200, 8:370].astype(np.int16) - mask).mean() > 40


def test_nothing_recorded_in_the_range_is_an_error_naming_it(
    recorded: list[Segment], tmp_path: Path
) -> None:
    """No segment, or segments that end before the range: NoFootage naming camera and range."""
    with pytest.raises(NoFootage, match="camera 'cam' from 2026-11-25T11:00:00"):
        remux(recorded, at(3600), at(3700), tmp_path / "none.mp4")
    with pytest.raises(NoFootage, match="nothing recorded"):
        remux([], at(0), at(1), tmp_path / "empty.mp4")
