"""Recorded segments to one MP4, packets copied as recorded (no re-encode).

The MP4 starts at the last IDR at or before the asked start (keyframe granularity) and its
timestamps follow the frames' wall times, so gaps in the recording stay gaps and the clock of
the file matches the manifest's absolute start and end.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import av

from video.encoding.packets import VIDEO_TIME_BASE, TimedPacket
from video.evidence.reader import open_segment, packets_in_range
from video.evidence.segments import RecordedSegment, no_footage

if TYPE_CHECKING:
    from av.container import OutputContainer
    from av.video.stream import VideoStream

# moov first: a player (or a court's viewer) starts before the whole file has arrived.
FASTSTART = {"movflags": "+faststart"}
# Fragments a browser <video> plays as they arrive; no seek back is needed to write them.
FRAGMENTED = {"movflags": "frag_keyframe+empty_moov+default_base_moof"}
# A pause between frames longer than this is a hole in the recording, not a slow camera.
GAP_S = 2.0
DEFAULT_FRAME_S = 1 / 25


# Told each frame's wall time as it is written: how far an export has got (its progress bar).
FrameWatch = Callable[[float], None]


class ByteSink(Protocol):
    """Where a fragmented MP4 is streamed (write only: nothing is seeked)."""

    def write(self, data: bytes) -> int:
        """Take the next bytes."""
        ...


@dataclass(frozen=True)
class Footage:
    """What an MP4 holds: absolute UTC span of its frames, their count, holes in the span."""

    start: datetime
    end: datetime
    frames: int
    keyframes: int
    gaps: tuple[tuple[datetime, datetime], ...] = field(default=())


class Timeline:
    """Output timestamps (90 kHz from the first frame) and the footage's span, as frames pass."""

    def __init__(self, watch: FrameWatch | None = None) -> None:
        self._watch = watch
        self.origin: float | None = None
        self.walls: list[float] = []
        self.keyframes = 0
        self._last_pts = -1

    def pts(self, wall: float, keyframe: bool) -> int:
        """The strictly increasing output pts of a frame at `wall`."""
        if self.origin is None:
            self.origin = wall
        self.walls.append(wall)
        self.keyframes += keyframe
        if self._watch is not None:
            self._watch(wall)
        self._last_pts = max(self._last_pts + 1, round((wall - self.origin) / VIDEO_TIME_BASE))
        return self._last_pts

    def frame_s(self) -> float:
        """The usual interval between frames."""
        steps = [b - a for a, b in pairwise(self.walls) if b > a]
        return statistics.median(steps) if steps else DEFAULT_FRAME_S

    def footage(self, camera_id: str, start: datetime, end: datetime) -> Footage:
        """The span covered; NoFootage when no frame was written."""
        if not self.walls:
            raise no_footage(camera_id, start, end)
        step = self.frame_s()
        gaps = tuple((_utc(a + step), _utc(b)) for a, b in pairwise(self.walls) if b - a > GAP_S)
        return Footage(
            _utc(self.walls[0]), _utc(self.walls[-1] + step), len(self.walls), self.keyframes, gaps
        )


def remux(
    segments: Sequence[RecordedSegment],
    start: datetime,
    end: datetime,
    output: Path | ByteSink,
    *,
    fragmented: bool = False,
    watch: FrameWatch | None = None,
) -> Footage:
    """Copy the frames of [start, end) into an MP4 (faststart, or fragmented for streaming);
    `watch` is told each frame's wall time as it goes."""
    camera_id = segments[0].camera_id if segments else "?"
    if not segments:
        raise no_footage(camera_id, start, end)
    options = FRAGMENTED if fragmented else FASTSTART
    template_container, template = open_segment(sorted(segments, key=lambda s: s.start)[0])
    timeline = Timeline(watch)
    try:
        target = str(output) if isinstance(output, Path) else output
        with av.open(target, "w", format="mp4", options=options) as out:
            stream = out.add_stream_from_template(template)
            stream.time_base = VIDEO_TIME_BASE
            _copy(packets_in_range(segments, start, end), out, stream, timeline)
    finally:
        template_container.close()
    return timeline.footage(camera_id, start, end)


def _copy(
    packets: Iterable[TimedPacket],
    out: OutputContainer,
    stream: VideoStream,
    timeline: Timeline,
) -> None:
    # One packet held back: its duration is known once the next arrives (the last one's is
    # the usual interval), so the MP4 shows the last frame for a frame's time.
    held, held_pts = None, 0
    for timed in packets:
        packet = timed.packet
        shift = packet.dts - packet.pts if packet.dts is not None and packet.pts is not None else 0
        pts = timeline.pts(timed.wall, timed.keyframe)
        if held is not None:
            held.duration = pts - held_pts
            out.mux(held)
        packet.stream = stream
        packet.time_base = VIDEO_TIME_BASE
        packet.pts, packet.dts = pts, pts + shift
        held, held_pts = packet, pts
    if held is not None:
        held.duration = max(1, round(timeline.frame_s() / VIDEO_TIME_BASE))
        out.mux(held)


def _utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
