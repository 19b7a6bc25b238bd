"""Playback: a time range as a fragmented MP4 streamed while it is remuxed, once the request is
checked and logged.

The remux runs on its own thread and hands bytes over a bounded queue, so a long range is never
held in memory and a viewer who leaves stops the work at its next write.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from privacy.access_log import AccessLog
from privacy.guard import AccessDenied, authorise_camera_action, refuse_camera_action
from privacy.policy import Action
from privacy.rights import Viewer
from video.evidence.reader import packets_in_range
from video.evidence.remux import remux
from video.evidence.segments import (
    MAX_PLAYBACK,
    RecordedSegment,
    check_footage_request,
    no_footage,
)

log = logging.getLogger(__name__)

_QUEUE_CHUNKS = 64
_POLL_S = 0.5
_END = b""


class _Cancelled(Exception):
    """The reader went away."""


class _QueueSink:
    def __init__(self, chunks: queue.Queue[bytes], cancelled: threading.Event) -> None:
        self._chunks = chunks
        self._cancelled = cancelled

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        while not self._cancelled.is_set():
            try:
                self._chunks.put(chunk, timeout=_POLL_S)
                return len(chunk)
            except queue.Full:
                continue
        raise _Cancelled


def stream_mp4(
    segments: Sequence[RecordedSegment], start: datetime, end: datetime
) -> Iterator[bytes]:
    """The fragmented MP4 of [start, end), chunk by chunk as the muxer writes it."""
    chunks: queue.Queue[bytes] = queue.Queue(_QUEUE_CHUNKS)
    cancelled = threading.Event()

    def produce() -> None:
        try:
            remux(segments, start, end, _QueueSink(chunks, cancelled), fragmented=True)
        except Exception:
            if cancelled.is_set():
                return  # the viewer left; the muxer may wrap our exception in its own
            # The status line is sent already: the stream ends short and the log says why.
            log.exception("playback remux failed for %s", segments[0].camera_id)
        while not cancelled.is_set():
            try:
                chunks.put(_END, timeout=_POLL_S)
                return
            except queue.Full:
                continue

    worker = threading.Thread(target=produce, name="playback-remux", daemon=True)
    worker.start()
    try:
        while (chunk := chunks.get()) != _END:
            yield chunk
    finally:
        cancelled.set()


def first_frame_at(
    segments: Sequence[RecordedSegment], start: datetime, end: datetime
) -> datetime | None:
    """When the MP4 of [start, end) begins (its last IDR at or before start): the picture at
    the video's time t was taken at this time plus t, so a player can show the site's clock."""
    packets = packets_in_range(segments, start, end)
    try:
        first = next(packets, None)
        return None if first is None else datetime.fromtimestamp(first.wall, UTC)
    finally:
        packets.close()  # type: ignore[attr-defined]


def check_playback(start: datetime, end: datetime, reason: str) -> None:
    """FootageRequestInvalid naming every problem of a playback request (range, reason)."""
    check_footage_request(start, end, reason, limit=MAX_PLAYBACK, doing="play back")


def refuse_anonymised_playback(
    access_log: AccessLog,
    *,
    viewer: Viewer,
    camera_id: str,
    span: tuple[datetime, datetime],
    reason: str,
    client: str | None,
) -> None:
    """Refuse (and log) playback to an account that sees only anonymised video: recordings hold
    the zones rendition, and faces are hidden only in exports made for it."""
    if not viewer.anonymised:
        return
    refuse_camera_action(
        access_log,
        user=viewer.user,
        action=Action.PLAYBACK,
        camera_id=camera_id,
        client=client,
        reason=reason.strip(),
        span=span,
        why="the account sees only anonymised video; recordings hold the zones rendition",
        message=AccessDenied(
            f"account '{viewer.username}' sees only anonymised video:"
            " ask for a public_request export instead",
            key="errors.anonymised_only",
        ),
    )


def playback(
    access_log: AccessLog,
    segments: Sequence[RecordedSegment],
    *,
    viewer: Viewer,
    camera_id: str,
    span: tuple[datetime, datetime],
    reason: str,
    client: str | None,
) -> Iterator[bytes]:
    """Log the playback (its reason and span; AccessDenied, logged, without the right), then the
    segments as one fragmented MP4, chunk by chunk; NoFootage when nothing is recorded."""
    start, end = span
    authorise_camera_action(
        access_log,
        viewer=viewer,
        action=Action.PLAYBACK,
        camera_id=camera_id,
        client=client,
        reason=reason.strip(),
        span=span,
    )
    if not segments:
        raise no_footage(camera_id, start, end)
    return stream_mp4(segments, start, end)
