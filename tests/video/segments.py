"""Real recorded segments for evidence tests: real frames, zones burned in, the live encoder's
packets muxed into MPEG-TS files as the recorder writes them, and an in-memory index over them
(the API tests add the same segments to the real database index)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from privacy.masking import Polygon, ZoneMasker
from video.encoding import VIDEO_TIME_BASE, EncoderSettings, H264Stream
from video.recording.index import Segment
from video.sources.base import Image


class ListIndex:
    """The recordings index over a list of segments (the `between` query of the real one)."""

    def __init__(self, segments: Sequence[Segment] = ()) -> None:
        self.segments = list(segments)

    def between(self, camera_id: str, start: datetime, end: datetime) -> list[Segment]:
        """Segments of the camera overlapping [start, end), oldest first."""
        return sorted(
            (
                s
                for s in self.segments
                if s.camera_id == camera_id and s.start < end and s.end > start
            ),
            key=lambda s: s.start,
        )


def video_frames(path: Path, limit: int | None = None) -> list[Image]:
    """Decoded BGR frames of a video file (or GIF)."""
    frames: list[Image] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            frames.append(np.asarray(frame.to_ndarray(format="bgr24"), np.uint8))
            if limit is not None and len(frames) >= limit:
                break
    return frames


def record_segments(
    frames: Sequence[Image],
    folder: Path,
    *,
    camera_id: str,
    start: datetime,
    fps: float,
    segment_s: float = 10.0,
    zones: Sequence[Polygon] = (),
) -> list[Segment]:
    """Mask, encode once and cut into TS segments that each start with an IDR."""
    folder.mkdir(parents=True, exist_ok=True)
    encoder = H264Stream(EncoderSettings(fps=fps))
    masker = ZoneMasker(zones)
    per_segment = max(1, round(segment_s * fps))
    segments = []
    for first in range(0, len(frames), per_segment):
        chunk = frames[first : first + per_segment]
        seg_start = start + timedelta(seconds=first / fps)
        path = folder / f"{camera_id}-{first:06d}.ts"
        _write_segment(path, chunk, encoder, masker, fps, first)
        segments.append(
            Segment(
                camera_id=camera_id,
                rendition="zones",
                path=path,
                start=seg_start,
                end=seg_start + timedelta(seconds=len(chunk) / fps),
                size_bytes=path.stat().st_size,
            )
        )
    return segments


def _write_segment(
    path: Path,
    frames: Sequence[Image],
    encoder: H264Stream,
    masker: ZoneMasker,
    fps: float,
    first_index: int,
) -> None:
    height, width = frames[0].shape[0] & ~1, frames[0].shape[1] & ~1
    with av.open(str(path), "w", format="mpegts") as container:
        stream = container.add_stream("h264", rate=Fraction(fps).limit_denominator(1001))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = VIDEO_TIME_BASE
        for offset, image in enumerate(frames):
            # The 90 kHz clock runs on across segments, as the live encoder's does.
            pts = round((first_index + offset) / fps / VIDEO_TIME_BASE)
            masked = masker.apply(image.copy())
            for packet in encoder.encode(masked, pts, keyframe=offset == 0):
                packet.stream = stream
                container.mux(packet)


STREET_T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def street_footage(
    shared_data: Path,
    folder: Path,
    *,
    zones: Sequence[Polygon] = (),
    limit: int = 150,
) -> list[Segment]:
    """12 s of the real street clip (150 frames at 12.5 fps) as 4 s segments of cam-street."""
    return record_segments(
        video_frames(shared_data / "video" / "intel_car-detection.mp4", limit=limit),
        folder,
        camera_id="cam-street",
        start=STREET_T0,
        fps=12.5,
        segment_s=4.0,
        zones=zones,
    )
