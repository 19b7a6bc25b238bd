"""Segment files read back: their index entry from the packets, and what a killed recorder left.

A recorder flushes every packet to the operating system as it muxes it, so after a kill -9 the
unfinished `.part` file holds every frame but possibly the last, which the kill may have cut
short: MPEG-TS cannot say whether its last frame is whole, so recovery drops that one frame.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import av

from video.encoding.packets import TICKS_PER_SECOND
from video.recording.index import Segment
from video.recording.segments import frame_ticks, parse_segment_file

log = logging.getLogger(__name__)

PARTIAL_SUFFIX = ".part"


@dataclass(frozen=True)
class _Packet:
    pts: int
    pos: int  # byte offset of the first transport packet of its frame


def partial_file(path: Path) -> Path:
    """The name a segment is written under until it is closed."""
    return path.with_name(path.name + PARTIAL_SUFFIX)


def probe_segment(root: Path, path: Path) -> Segment | None:
    """The index entry of a finished segment file, its end read from its last packets.

    None when the file is not named like a segment or holds no readable video.
    """
    name = parse_segment_file(root, path)
    packets = _packets(path) if name is not None else []
    if name is None or not packets:
        return None
    first, last = packets[0].pts, packets[-1].pts
    previous = packets[-2].pts if len(packets) > 1 else None
    ticks = last - first + frame_ticks(last, previous)
    return Segment(
        camera_id=name.camera_id,
        rendition=name.rendition,
        path=path,
        start=name.start,
        end=name.start + timedelta(seconds=ticks / TICKS_PER_SECOND),
        size_bytes=path.stat().st_size,
    )


def recover_partial(root: Path, partial: Path) -> Path | None:
    """Keep the whole frames of an unfinished segment under its final name; that name.

    A file with no whole frame, or not named like a segment, is deleted (None): it holds no
    footage, and no index, retention or hold could ever reach it.
    """
    final = partial.with_name(partial.name.removesuffix(PARTIAL_SUFFIX))
    packets = _packets(partial) if parse_segment_file(root, final) is not None else []
    if len(packets) < 2:
        log.warning("removing unfinished segment %s: no whole frame in it", partial)
        partial.unlink(missing_ok=True)
        return None
    with partial.open("r+b") as file:
        file.truncate(packets[-1].pos)
    os.replace(partial, final)
    log.warning("kept unfinished segment %s: %d frames", final, len(packets) - 1)
    return final


def recover_partial_segments(root: Path) -> list[Path]:
    """Recover every unfinished segment under root (at start, before any recorder writes)."""
    found = sorted(root.rglob(f"*.ts{PARTIAL_SUFFIX}")) if root.exists() else []
    return [final for path in found if (final := recover_partial(root, path)) is not None]


def _packets(path: Path) -> list[_Packet]:
    packets: list[_Packet] = []
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return []
            for packet in container.demux(container.streams.video[0]):
                if packet.pts is not None and packet.size and packet.pos is not None:
                    packets.append(_Packet(int(packet.pts), int(packet.pos)))
    except (av.FFmpegError, OSError) as exc:
        log.warning("cannot read segment %s: %s", path, exc)
    return packets
