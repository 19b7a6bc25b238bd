"""One segment file: the encoder's H.264 packets muxed into MPEG-TS as they are, no re-encode."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

import av
from av.container import OutputContainer

from video.encoding.packets import VIDEO_TIME_BASE, TimedPacket
from video.recording.files import partial_file
from video.recording.index import Segment
from video.recording.segments import end_wall, segment_file

log = logging.getLogger(__name__)

# Each packet goes to the operating system as soon as it is muxed (a write, no fsync): a killed
# process then loses at most the frame being written. PyAV's default 256 KiB buffer (about
# 3 s of a 720p camera) was lost with the process.
_FLUSH_EACH_PACKET = {"flush_packets": "1"}


class SegmentWriter:
    """Writes one segment; the file gets its final name only once closed, so readers never see
    half a segment under an indexed name (a killed recorder's is recovered at the next start)."""

    def __init__(self, root: Path, camera_id: str, rendition: str, first: TimedPacket) -> None:
        if not first.keyframe:
            raise ValueError("a segment must start on a keyframe")
        self.camera_id = camera_id
        self.rendition = rendition
        self.first = first
        self.last = first
        self.path = segment_file(root, camera_id, rendition, first.wall)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._partial = partial_file(self.path)
        self._previous_pts: int | None = None
        self._container: OutputContainer = av.open(
            str(self._partial), "w", format="mpegts", container_options=_FLUSH_EACH_PACKET
        )
        self._stream = self._container.add_mux_stream("h264")
        self._stream.time_base = VIDEO_TIME_BASE
        self.packets = 0
        self.write(first)

    def write(self, item: TimedPacket) -> None:
        """Mux one packet, its pts counted from the segment's first frame."""
        # A copy: the encoder's packet is shared with live viewers on another thread.
        packet = av.Packet(bytes(item.packet))
        packet.pts = packet.dts = item.pts - self.first.pts
        packet.time_base = VIDEO_TIME_BASE
        packet.is_keyframe = item.keyframe
        packet.stream = self._stream
        self._container.mux(packet)
        if item is not self.first:
            self._previous_pts, self.last = self.last.pts, item
        self.packets += 1

    def close(self) -> Segment:
        """Finish the file, give it its final name; the segment to index."""
        self._container.close()
        os.replace(self._partial, self.path)
        return Segment(
            camera_id=self.camera_id,
            rendition=self.rendition,
            path=self.path,
            start=datetime.fromtimestamp(self.first.wall, UTC),
            end=datetime.fromtimestamp(end_wall(self.last, self._previous_pts), UTC),
            size_bytes=self.path.stat().st_size,
        )

    def abandon(self) -> None:
        """Drop a segment that cannot be finished (disk error)."""
        try:
            self._container.close()
        except (av.FFmpegError, OSError) as exc:
            log.warning("recording %s: could not close %s: %s", self.camera_id, self.path, exc)
        self._partial.unlink(missing_ok=True)
