"""Helpers for the recording tests: a recorder fed by a real encoder, and segment decoding."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from csu.config.cameras import RecordingConfig
from privacy.masking import MASK_COLOUR, zone_mask
from privacy.renditions import Rendition
from video.encoding import BroadcastPool
from video.ingest import FrameProvider
from video.recording.index import Segment, SegmentIndex
from video.recording.recorder import CameraRecorder
from video.sources.base import Image

ZONE = [(0.05, 0.05), (0.45, 0.05), (0.45, 0.45), (0.05, 0.45)]


@dataclass
class Decoded:
    """A segment's frames with their wall times (start + (pts - first_pts) / 90 kHz)."""

    images: list[Image]
    walls: list[datetime]
    first_is_key: bool


def decode(segment: Segment) -> Decoded:
    """Decode a whole segment file with PyAV."""
    images, walls, first_pts, first_key = [], [], None, False
    with av.open(str(segment.path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        for frame in container.decode(stream):
            if first_pts is None:
                first_pts, first_key = frame.pts, frame.key_frame
            assert frame.pts is not None and frame.time_base == Fraction(1, 90_000)
            walls.append(segment.start + timedelta(seconds=(frame.pts - first_pts) / 90_000))
            images.append(frame.to_ndarray(format="bgr24"))
    return Decoded(images, walls, first_key)


def zone_pixels(image: Image) -> Image:
    """The pixels well inside ZONE (eroded, away from block edges)."""
    height, width = image.shape[:2]
    mask = zone_mask([ZONE], width, height)
    assert mask is not None
    inner = np.zeros_like(mask)
    y0, y1 = int(0.1 * height), int(0.4 * height)
    x0, x1 = int(0.1 * width), int(0.4 * width)
    inner[y0:y1, x0:x1] = 1
    return image[(mask > 0) & (inner > 0)]


def assert_zone_masked(image: Image) -> None:
    """Every pixel inside the zone is the mask colour, to H.264's rounding."""
    inside = zone_pixels(image).astype(int)
    assert inside.size > 0
    assert np.abs(inside - np.array(MASK_COLOUR)).max() <= 12, "unmasked pixels in the zone"
    assert image.std() > 10, "the picture outside the zone is flat"


async def record_for(
    pool: BroadcastPool,
    provider: FrameProvider,
    index: SegmentIndex,
    config: RecordingConfig,
    seconds: float,
    camera_id: str = "cam",
) -> CameraRecorder:
    """Record `seconds` of the provider through the pool's shared encoder, then stop."""
    recorder = CameraRecorder(camera_id, config, index.root, index.add)
    recorder.start()
    pool.subscribe(camera_id, Rendition.ZONES, provider, recorder.offer)
    await asyncio.sleep(seconds)
    pool.unsubscribe(camera_id, Rendition.ZONES, recorder.offer)
    await asyncio.to_thread(recorder.stop)
    return recorder


def assert_contiguous(segments: list[Segment], before: datetime, after: datetime) -> None:
    """Segments follow one another without holes, inside the recording's wall-clock window."""
    assert segments, "no segment indexed"
    for a, b in itertools.pairwise(segments):
        assert abs((b.start - a.end).total_seconds()) < 0.5, (a, b)
    # The encoder starts on the camera's latest frame, which may predate the subscription.
    assert before - timedelta(seconds=1) <= segments[0].start
    assert segments[-1].end <= after + timedelta(seconds=1)
    for segment in segments:
        assert segment.start.tzinfo is not None and segment.path.is_absolute()
        assert segment.size_bytes == segment.path.stat().st_size > 0


def now() -> datetime:
    """The current UTC time."""
    return datetime.now(UTC)


def tree(root: Path) -> list[Path]:
    """Every file under root."""
    return sorted(p for p in root.rglob("*") if p.is_file())
