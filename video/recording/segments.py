"""Pure rules of recording: where segments are cut and what the pre-alarm buffer keeps."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from video.encoding.packets import TICKS_PER_SECOND, TimedPacket

# When a segment holds a single frame there is no interval to measure: assume 25 fps.
DEFAULT_FRAME_PTS = TICKS_PER_SECOND // 25


class PreAlarmBuffer:
    """Whole GOPs of the last `seconds`, always starting on an IDR (events mode)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._gops: deque[list[TimedPacket]] = deque()

    def push(self, item: TimedPacket) -> None:
        """Keep a packet; packets before the first IDR are useless and dropped."""
        if item.keyframe:
            self._gops.append([item])
        elif self._gops:
            self._gops[-1].append(item)
        else:
            return
        # Keep the newest GOP that starts at or before the horizon, so the buffer still covers it.
        horizon = item.wall - self.seconds
        while len(self._gops) >= 2 and self._gops[1][0].wall <= horizon:
            self._gops.popleft()

    def drain(self, since: float | None = None) -> list[TimedPacket]:
        """The buffered packets from the last IDR at or before `since` (all if None), in order.

        The buffer is empty afterwards.
        """
        if since is not None:
            while len(self._gops) >= 2 and self._gops[1][0].wall <= since:
                self._gops.popleft()
        items = [p for gop in self._gops for p in gop]
        self._gops.clear()
        return items

    def first_wall(self) -> float | None:
        """Wall time of the oldest buffered frame."""
        return self._gops[0][0].wall if self._gops else None

    def __len__(self) -> int:
        return sum(len(g) for g in self._gops)


def should_cut(segment_start: float, item: TimedPacket, segment_s: float) -> bool:
    """True when this packet begins the next segment: a keyframe past the nominal length."""
    return item.keyframe and item.wall - segment_start >= segment_s


_STAMP = "%Y%m%dT%H%M%S.%f"
_DAY = "%Y-%m-%d"
_SUFFIX = "Z.ts"


@dataclass(frozen=True)
class SegmentName:
    """What a segment file's place and name say: camera, rendition, wall time of its first frame."""

    camera_id: str
    rendition: str
    start: datetime  # aware UTC


def segment_file(root: Path, camera_id: str, rendition: str, start: float) -> Path:
    """<root>/<camera>/<rendition>/<YYYY-MM-DD>/<start %Y%m%dT%H%M%S.%fZ>.ts (UTC)."""
    moment = datetime.fromtimestamp(start, UTC)
    day = moment.strftime(_DAY)
    return root / camera_id / rendition / day / f"{moment.strftime(_STAMP)}{_SUFFIX}"


def parse_segment_file(root: Path, path: Path) -> SegmentName | None:
    """Camera, rendition and start of a file named by segment_file; None for any other file."""
    try:
        camera_id, rendition, day, name = path.relative_to(root).parts
    except ValueError:
        return None
    if not name.endswith(_SUFFIX):
        return None
    try:
        start = datetime.strptime(name.removesuffix(_SUFFIX), _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None
    if start.strftime(_DAY) != day:
        return None
    return SegmentName(camera_id, rendition, start)


def frame_ticks(last_pts: int, previous_pts: int | None) -> int:
    """The last frame's duration in 90 kHz ticks: the interval before it (25 fps if alone)."""
    interval = last_pts - previous_pts if previous_pts is not None else DEFAULT_FRAME_PTS
    return max(interval, 1)


def end_wall(last: TimedPacket, previous_pts: int | None) -> float:
    """The segment's end: the last frame's wall time plus one frame interval."""
    return last.wall + frame_ticks(last.pts, previous_pts) / TICKS_PER_SECOND
