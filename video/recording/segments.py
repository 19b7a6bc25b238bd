"""Pure rules of recording: where segments are cut and what the pre-alarm buffer keeps."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from video.live.encoder import EncodedPacket

PTS_PER_SECOND = 90_000
# When a segment holds a single frame there is no interval to measure: assume 25 fps.
DEFAULT_FRAME_PTS = PTS_PER_SECOND // 25


@dataclass(frozen=True)
class TimedPacket:
    """An encoder packet with the wall time of its frame (epoch seconds)."""

    packet: EncodedPacket
    pts: int
    keyframe: bool
    wall: float


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


def segment_file(root: Path, camera_id: str, rendition: str, start: float) -> Path:
    """<root>/<camera>/<rendition>/<YYYY-MM-DD>/<start %Y%m%dT%H%M%S.%fZ>.ts (UTC)."""
    moment = datetime.fromtimestamp(start, UTC)
    day = moment.strftime("%Y-%m-%d")
    return root / camera_id / rendition / day / f"{moment.strftime('%Y%m%dT%H%M%S.%f')}Z.ts"


def end_wall(last: TimedPacket, previous_pts: int | None) -> float:
    """The segment's end: the last frame's wall time plus one frame interval."""
    interval = last.pts - previous_pts if previous_pts is not None else DEFAULT_FRAME_PTS
    return last.wall + max(interval, 1) / PTS_PER_SECOND
