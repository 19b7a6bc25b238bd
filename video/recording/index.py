"""The database index of recorded segments: what exists for a camera over a time range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csu.db import Database
from video.recording.models import LegalHold, RecordingSegment


@dataclass(frozen=True)
class Segment:
    """One closed segment file; frame wall times are start + (pts - first_pts) / 90000."""

    camera_id: str
    rendition: str  # "zones"
    path: Path  # absolute
    start: datetime  # aware UTC: wall time of the first frame
    end: datetime  # aware UTC: wall time of the last frame + one frame interval
    size_bytes: int


def aware(moment: datetime) -> datetime:
    """The moment in UTC; SQLite hands back naive datetimes, which are UTC here."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SegmentIndex:
    """Reads and writes the recording_segments table; files live under `root`."""

    def __init__(self, db: Database, root: Path) -> None:
        self.db = db
        self.root = root.resolve()

    def between(self, camera_id: str, start: datetime, end: datetime) -> list[Segment]:
        """Segments overlapping [start, end), ordered by start."""
        query = (
            select(RecordingSegment)
            .where(
                col(RecordingSegment.camera_id) == camera_id,
                col(RecordingSegment.start) < end,
                col(RecordingSegment.end) > start,
            )
            .order_by(col(RecordingSegment.start))
        )
        with self.db.session() as session:
            return [self.segment(row) for row in session.exec(query)]

    def add(self, segment: Segment) -> int:
        """Index a closed segment; its id."""
        row = RecordingSegment(
            camera_id=segment.camera_id,
            rendition=segment.rendition,
            path=segment.path.relative_to(self.root).as_posix(),
            start=segment.start,
            end=segment.end,
            size_bytes=segment.size_bytes,
        )
        with self.db.session() as session:
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def rows(self, session: Session, *conditions: sa.ColumnElement[bool]) -> list[RecordingSegment]:
        """Index rows matching the conditions, oldest first."""
        query = select(RecordingSegment).where(*conditions).order_by(col(RecordingSegment.start))
        return list(session.exec(query))

    def path_of(self, row: RecordingSegment) -> Path:
        """The absolute file of an index row."""
        return self.root / row.path

    def segment(self, row: RecordingSegment) -> Segment:
        """An index row as the public Segment."""
        return Segment(
            camera_id=row.camera_id,
            rendition=row.rendition,
            path=self.path_of(row),
            start=aware(row.start),
            end=aware(row.end),
            size_bytes=row.size_bytes,
        )


def unheld() -> sa.ColumnElement[bool]:
    """The condition 'this segment overlaps no active legal hold on its camera'."""
    held = (
        select(LegalHold.id)
        .where(
            col(LegalHold.camera_id) == col(RecordingSegment.camera_id),
            col(LegalHold.released_at).is_(None),
            col(LegalHold.start) < col(RecordingSegment.end),
            col(LegalHold.end) > col(RecordingSegment.start),
        )
        .exists()
    )
    return ~held
