"""The database index of recorded segments: what exists for a camera over a time range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, col, select

from csu.db import Database
from video.recording.models import LegalHold, RecordingSegment

# A segment's start is stored to the microsecond; the window only lets the lookup use the index.
_SAME_START = timedelta(seconds=1)


@dataclass(frozen=True)
class Segment:
    """One closed segment file; frame wall times are start + (pts - first_pts) / 90000."""

    camera_id: str
    rendition: str  # "zones"
    path: Path  # absolute
    start: datetime  # aware UTC: wall time of the first frame
    end: datetime  # aware UTC: wall time of the last frame + one frame interval
    size_bytes: int
    node: str | None = None  # the cluster worker whose disk holds it (None: this process's)


class SegmentIndex:
    """Reads and writes the recording_segments table; files live under `root`.

    In a cluster every worker records to its own disk and names itself (`node`) in the rows it
    writes; what it manages (purge, free space, reconciliation) is its own rows only, while
    `between` sees every node's, so that an API node can tell where a range is kept.
    """

    def __init__(self, db: Database, root: Path, node: str | None = None) -> None:
        self.db = db
        self.root = root.resolve()
        self.node = node

    def own(self) -> sa.ColumnElement[bool]:
        """The condition 'this segment's file is on this process's disk'."""
        column = col(RecordingSegment.node)
        return column.is_(None) if self.node is None else column == self.node

    def between(
        self, camera_id: str, start: datetime, end: datetime, *, here_only: bool = False
    ) -> list[Segment]:
        """Segments overlapping [start, end), ordered by start (only this disk's if asked)."""
        query = (
            select(RecordingSegment)
            .where(
                col(RecordingSegment.camera_id) == camera_id,
                col(RecordingSegment.start) < end,
                col(RecordingSegment.end) > start,
                *([self.own()] if here_only else []),
            )
            .order_by(col(RecordingSegment.start))
        )
        with self.db.session() as session:
            return [self.segment(row) for row in session.exec(query)]

    def add(self, segment: Segment) -> int:
        """Index a closed segment; its id, the existing one if this file is indexed already."""
        path = self.relative(segment.path)
        with self.db.session() as session:
            # A file the recorder handed in may meanwhile have been found on disk by the
            # reconciliation: indexing it twice would play it twice.
            existing = session.exec(
                select(RecordingSegment.id).where(
                    col(RecordingSegment.camera_id) == segment.camera_id,
                    col(RecordingSegment.start) >= segment.start - _SAME_START,
                    col(RecordingSegment.start) <= segment.start + _SAME_START,
                    col(RecordingSegment.path) == path,
                    self.own(),
                )
            ).first()
            if existing is not None:
                return existing
            row = RecordingSegment(
                camera_id=segment.camera_id,
                rendition=segment.rendition,
                path=path,
                start=segment.start,
                end=segment.end,
                size_bytes=segment.size_bytes,
                node=self.node,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            return row.id

    def paths_starting(self, camera_id: str, start: datetime, end: datetime) -> set[str]:
        """Relative paths of this camera's segments that start in [start, end)."""
        query = select(RecordingSegment.path).where(
            col(RecordingSegment.camera_id) == camera_id,
            col(RecordingSegment.start) >= start,
            col(RecordingSegment.start) < end,
            self.own(),
        )
        with self.db.session() as session:
            return set(session.exec(query))

    def relative(self, path: Path) -> str:
        """A file's path as the index stores it."""
        return path.relative_to(self.root).as_posix()

    def rows(self, session: Session, *conditions: sa.ColumnElement[bool]) -> list[RecordingSegment]:
        """This disk's index rows matching the conditions, oldest first."""
        query = (
            select(RecordingSegment)
            .where(self.own(), *conditions)
            .order_by(col(RecordingSegment.start))
        )
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
            start=row.start,
            end=row.end,
            size_bytes=row.size_bytes,
            node=row.node,
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
