"""One camera's recorder: its own thread turns the encoder's packets into segment files.

Each closed segment is handed over to be indexed (video.recording.indexer): the recorder never
waits on the database.

The encoder thread only puts packets on a bounded queue and never waits: when the disk is too
slow the queue fills, packets are dropped, and the recording resumes at the next keyframe (a gap
in the index rather than a stalled live view).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import av

from csu.config.cameras import RecordingConfig
from video.encoding.packets import TimedPacket
from video.recording.index import Segment
from video.recording.segments import PreAlarmBuffer, should_cut
from video.recording.writer import SegmentWriter

if TYPE_CHECKING:
    from pathlib import Path

    from video.encoding.packets import EncodedPacket

log = logging.getLogger(__name__)

# About 20 s of 25 fps video: room for a slow disk write without dropping anything.
QUEUE_PACKETS = 500
# Frames further apart than this mean the camera was away: the segment ends, a gap begins, so
# the index never claims footage of the outage.
MAX_FRAME_GAP_S = 2.0
# An alarm reaches the recorder a little after it happened (intake, correlation, commit): the
# buffer keeps this much more than the pre-alarm time, so the clip still starts on time.
TRIGGER_SLACK_S = 3.0
_STOP = object()
_LOST = object()

SegmentClosed = Callable[[Segment], object]


@dataclass
class RecorderStats:
    """What a recorder did, for metrics, tests and the bench."""

    packets: int = 0
    dropped: int = 0
    segments: int = 0
    cpu_s: float = 0.0  # thread CPU time spent muxing and writing


class CameraRecorder:
    """Records one camera's rendition, continuously or around triggers (events mode)."""

    def __init__(
        self,
        camera_id: str,
        config: RecordingConfig,
        root: Path,
        on_segment: SegmentClosed,
        *,
        rendition: str = "zones",
    ) -> None:
        self.camera_id = camera_id
        self.config = config
        self.rendition = rendition
        self.stats = RecorderStats()
        self._root = root
        self._on_segment = on_segment
        self._queue: queue.Queue[TimedPacket | object] = queue.Queue(QUEUE_PACKETS)
        self._writer: SegmentWriter | None = None
        self._buffer = PreAlarmBuffer(config.pre_alarm_s + TRIGGER_SLACK_S)
        self._since = float("inf")
        self._until = float("-inf")
        self._lock = threading.Lock()
        self._lost = False
        self._last_wall: float | None = None
        self._thread = threading.Thread(target=self._run, name=f"rec-{camera_id}", daemon=True)

    @property
    def events_mode(self) -> bool:
        """True when recording only around triggers."""
        return self.config.mode == "events"

    def start(self) -> None:
        """Start the recorder's thread."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Close the open segment and stop (blocking: call off the event loop)."""
        while True:
            try:
                self._queue.put(_STOP, timeout=0.5)
                break
            except queue.Full:
                if not self._thread.is_alive():
                    break
        self._thread.join(timeout)

    def offer(self, packet: EncodedPacket, wall: float) -> None:
        """Take one encoder packet (encoder thread: never blocks)."""
        item = TimedPacket(packet, int(packet.pts or 0), bool(packet.is_keyframe), wall)
        try:
            if self._lost:
                # Tell the thread about the hole first, so it never joins the two sides.
                self._queue.put_nowait(_LOST)
                self._lost = False
            self._queue.put_nowait(item)
        except queue.Full:
            self._lost = True
            self.stats.dropped += 1

    def trigger(self, since: float, until: float) -> None:
        """Record (events mode) from wall time `since` (as far as buffered) until `until`."""
        with self._lock:
            self._since = min(self._since, since)
            self._until = max(self._until, until)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            started = time.thread_time()
            if item is _STOP:
                self._close()
                self.stats.cpu_s += time.thread_time() - started
                return
            try:
                if item is _LOST:
                    self._close()
                    self._buffer.drain()
                else:
                    assert isinstance(item, TimedPacket)
                    self._take(item)
            except (av.FFmpegError, OSError):
                log.exception("recording %s: segment write failed", self.camera_id)
                self._abandon()
            self.stats.cpu_s += time.thread_time() - started

    def _take(self, item: TimedPacket) -> None:
        self.stats.packets += 1
        if self._last_wall is not None and item.wall - self._last_wall > MAX_FRAME_GAP_S:
            self._close()
            self._buffer.drain()
        self._last_wall = item.wall
        if self.events_mode:
            self._take_event(item)
            return
        writer = self._writer
        if writer is not None and should_cut(writer.first.wall, item, self.config.segment_s):
            self._close()
            writer = None
        if writer is None:
            if item.keyframe:
                self._writer = SegmentWriter(self._root, self.camera_id, self.rendition, item)
            return
        writer.write(item)

    def _take_event(self, item: TimedPacket) -> None:
        with self._lock:
            since, until = self._since, self._until
            if self._writer is not None:
                # Already recording: a trigger meanwhile only extends `until`.
                self._since = float("inf")
        if self._writer is None:
            self._buffer.push(item)
            if item.wall < until:
                self._flush_buffer(since)
            return
        if item.wall >= until:
            self._close()
            self._buffer.push(item)
            return
        if should_cut(self._writer.first.wall, item, self.config.segment_s):
            self._close()
            self._writer = SegmentWriter(self._root, self.camera_id, self.rendition, item)
            return
        self._writer.write(item)

    def _flush_buffer(self, since: float) -> None:
        with self._lock:
            self._since = float("inf")  # the next trigger brings its own start
        items = self._buffer.drain(since)
        if not items:
            return
        self._writer = SegmentWriter(self._root, self.camera_id, self.rendition, items[0])
        for item in items[1:]:
            if should_cut(self._writer.first.wall, item, self.config.segment_s):
                self._close()
                self._writer = SegmentWriter(self._root, self.camera_id, self.rendition, item)
            else:
                self._writer.write(item)

    def _close(self) -> None:
        writer, self._writer = self._writer, None
        if writer is None:
            return
        try:
            segment = writer.close()
        except (av.FFmpegError, OSError):
            log.exception("recording %s: segment %s not finished", self.camera_id, writer.path)
            writer.abandon()
            return
        self.stats.segments += 1
        try:
            self._on_segment(segment)
        except Exception:
            # The file stays: the indexer's next pass over the folders indexes it.
            log.exception("recording %s: segment %s not handed over", self.camera_id, segment.path)

    def _abandon(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.abandon()
