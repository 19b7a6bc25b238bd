"""Recorded segments as a footage store: retention purge and the disk-full policy.

A segment overlapping an active legal hold is never offered for destruction, neither by the
retention purge nor when the disk fills.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlmodel import col

from csu.scheduler import Scheduler
from csu.settings import Settings
from privacy.access_log import AccessLog
from privacy.retention.footage import FootageSpan, destroy_logged
from video.recording.index import SegmentIndex, unheld
from video.recording.models import RecordingSegment

log = logging.getLogger(__name__)

# One run of the disk-full policy destroys at most this many segments (about 3 hours of one
# camera): a volume filled by something else must not wipe every recording in one go.
MAX_DISK_FULL_DESTRUCTIONS = 1000


class SegmentStore:
    """The FootageStore of recorded segments (privacy.retention.footage)."""

    name = "recordings"

    def __init__(self, index: SegmentIndex) -> None:
        self.index = index

    def expired(self, camera_id: str, before: datetime) -> Sequence[FootageSpan]:
        """Segments of this camera that ended before `before` and are under no legal hold."""
        with self.index.db.session() as session:
            rows = self.index.rows(
                session,
                col(RecordingSegment.camera_id) == camera_id,
                col(RecordingSegment.end) <= before,
                unheld(),
            )
        return [_span(row) for row in rows]

    def oldest_unheld(self) -> FootageSpan | None:
        """The oldest segment of any camera under no legal hold, if any."""
        with self.index.db.session() as session:
            query = self.index.rows(session, unheld())
        return _span(query[0]) if query else None

    def destroy(self, span: FootageSpan) -> None:
        """Delete the segment's file, then its index row (raises OSError if the file stays)."""
        with self.index.db.session() as session:
            row = session.get(RecordingSegment, int(span.ref))
            if row is None:
                return
            self.index.path_of(row).unlink(missing_ok=True)
            session.delete(row)


def _span(row: RecordingSegment) -> FootageSpan:
    assert row.id is not None
    return FootageSpan(row.camera_id, row.start, row.end, str(row.id))


def free_bytes_of(store: SegmentStore) -> int:
    """Free bytes on the volume that holds the recordings."""
    store.index.root.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(store.index.root).free


def make_room(
    store: SegmentStore,
    access_log: AccessLog,
    min_free_bytes: int,
    *,
    free_bytes: Callable[[SegmentStore], int] = free_bytes_of,
) -> list[FootageSpan]:
    """Destroy the oldest unheld segments until the volume has `min_free_bytes` free.

    Each destruction is logged before it happens; returns those destroyed.
    """
    destroyed: list[FootageSpan] = []
    while free_bytes(store) < min_free_bytes and len(destroyed) < MAX_DISK_FULL_DESTRUCTIONS:
        span = store.oldest_unheld()
        if span is None:
            log.error(
                "recordings volume below %d bytes free and nothing unheld left", min_free_bytes
            )
            break
        if not destroy_logged(store, span, {"reason": "disk_full"}, access_log):
            break
        destroyed.append(span)
    return destroyed


def schedule_disk_guard(
    scheduler: Scheduler, settings: Settings, store: SegmentStore, access_log: AccessLog
) -> None:
    """Keep the recordings disk from filling: oldest unheld footage goes first, each
    destruction logged."""
    if settings.recording_min_free_mb <= 0:
        return
    scheduler.add_interval(
        make_room,
        job_id="recordings.disk_full",
        seconds=settings.recording_free_check_seconds,
        kwargs={
            "store": store,
            "access_log": access_log,
            "min_free_bytes": settings.recording_min_free_mb * 1024 * 1024,
        },
    )
