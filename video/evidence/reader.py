"""Packets of recorded segments over a time range, each with the wall time of its frame.

Frame wall time = segment start + (pts - first pts of the segment) / time base: the recorder
writes each segment's start as the wall time of its first frame.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import av

from video.encoding.packets import VIDEO_TIME_BASE, TimedPacket
from video.evidence.segments import RecordedSegment

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.stream import VideoStream


class FootageError(RuntimeError):
    """A segment file cannot be read; the message names it."""


def open_segment(segment: RecordedSegment) -> tuple[InputContainer, VideoStream]:
    """The segment's container and its video stream."""
    try:
        container = av.open(str(segment.path))
    except (av.FFmpegError, OSError) as exc:
        raise FootageError(f"cannot read segment {segment.path}: {exc}") from exc
    if not container.streams.video:
        container.close()
        raise FootageError(f"segment {segment.path} holds no video stream")
    return container, container.streams.video[0]


def packets_in_range(
    segments: Sequence[RecordedSegment], start: datetime, end: datetime
) -> Iterator[TimedPacket]:
    """Packets from the last IDR at or before `start` up to (not including) `end`, in order.

    Each packet is valid until the next one is asked for (its segment closes after its last).
    """
    start_s, end_s = start.timestamp(), end.timestamp()
    started = False
    for segment in sorted(segments, key=lambda s: s.start):
        if segment.end.timestamp() <= start_s or segment.start.timestamp() >= end_s:
            continue
        for timed in _segment_packets(segment, start_s, end_s, started):
            started = True
            yield timed
        if segment.end.timestamp() >= end_s and started:
            return


def _segment_packets(
    segment: RecordedSegment, start_s: float, end_s: float, started: bool
) -> Iterator[TimedPacket]:
    container, stream = open_segment(segment)
    # Frames before `start` since the last IDR: the decoder needs them to reach `start`.
    pending: list[TimedPacket] = []
    origin: int | None = None
    base = segment.start.timestamp()
    # MPEG-TS always has one; 90 kHz is its clock should a demuxer leave it unset.
    time_base = stream.time_base or VIDEO_TIME_BASE
    try:
        for packet in container.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue  # the demuxer's end-of-stream marker
            if origin is None:
                origin = packet.pts
            wall = base + float((packet.pts - origin) * time_base)
            timed = TimedPacket(packet, packet.pts, packet.is_keyframe, wall)
            if timed.wall >= end_s:
                return
            if not started:
                if timed.wall < start_s:
                    if packet.is_keyframe:
                        pending = [timed]
                    elif pending:
                        pending.append(timed)
                    continue
                if not pending and not packet.is_keyframe:
                    continue  # no picture can be decoded before an IDR
                started = True
                yield from pending
                pending = []
            yield timed
    except av.FFmpegError as exc:
        raise FootageError(f"segment {segment.path} is damaged: {exc}") from exc
    finally:
        container.close()
