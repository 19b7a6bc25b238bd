"""Recorded footage with faces hidden, for public access requests: decode, anonymise, re-encode.

The recording holds the zones rendition; faces are looked for on every frame (offline there is
no frame budget to save) and the anonymiser fails closed: a detector error fails the export
rather than deliver a face.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np
from av.video.codeccontext import VideoCodecContext

from privacy.anonymise import Anonymiser
from video.encoding.encoder import even_size, yuv420_frame
from video.encoding.packets import VIDEO_TIME_BASE
from video.evidence.reader import packets_in_range
from video.evidence.remux import FASTSTART, Footage, FrameWatch, Timeline
from video.evidence.segments import RecordedSegment, no_footage
from video.sources.base import Image

if TYPE_CHECKING:
    from av.container import OutputContainer
    from av.video.stream import VideoStream

# A delivered file, not a live stream: a slower preset buys a smaller file at the same quality.
ENCODER_OPTIONS = {"preset": "veryfast", "crf": "23"}
GOP_FRAMES = 50


def anonymised_mp4(
    segments: Sequence[RecordedSegment],
    start: datetime,
    end: datetime,
    output: Path,
    make_anonymiser: Callable[[], Anonymiser],
    watch: FrameWatch | None = None,
) -> Footage:
    """Write [start, end) to an MP4 with every face the anonymiser finds hidden (`watch` told
    each frame's wall time)."""
    camera_id = segments[0].camera_id if segments else "?"
    if not segments:
        raise no_footage(camera_id, start, end)
    anonymiser = make_anonymiser()
    timeline = Timeline(watch)
    with av.open(str(output), "w", format="mp4", options=FASTSTART) as out:
        stream: VideoStream | None = None
        for image, wall in decoded_frames(segments, start, end):
            anonymiser.observe(image, wall)
            hidden = anonymiser.apply(image, wall)
            if stream is None:
                stream = _open_stream(out, hidden)
            pts = timeline.pts(wall, keyframe=False)
            frame = yuv420_frame(hidden, pts, (stream.width, stream.height))
            for packet in stream.encode(frame):
                out.mux(packet)
        if stream is not None:
            for packet in stream.encode(None):
                out.mux(packet)
    return timeline.footage(camera_id, start, end)


def decoded_frames(
    segments: Sequence[RecordedSegment], start: datetime, end: datetime
) -> Iterator[tuple[Image, float]]:
    """The range's frames as BGR images with their wall times (from the IDR before start)."""
    decoder = av.CodecContext.create("h264", "r")
    assert isinstance(decoder, VideoCodecContext)
    # Baseline, no B-frames: frames leave the decoder in the order their packets went in.
    walls: list[float] = []
    for timed in packets_in_range(segments, start, end):
        walls.append(timed.wall)
        for frame in decoder.decode(timed.packet):
            yield np.asarray(frame.to_ndarray(format="bgr24"), np.uint8), walls.pop(0)
    for frame in decoder.decode(None):
        yield np.asarray(frame.to_ndarray(format="bgr24"), np.uint8), walls.pop(0)


def _open_stream(out: OutputContainer, image: Image) -> VideoStream:
    stream = out.add_stream("libx264", options=ENCODER_OPTIONS)
    stream.width, stream.height = even_size(image)
    stream.pix_fmt = "yuv420p"
    stream.time_base = VIDEO_TIME_BASE
    stream.codec_context.time_base = VIDEO_TIME_BASE
    stream.codec_context.gop_size = GOP_FRAMES
    stream.codec_context.max_b_frames = 0
    return stream
