"""Segment files on disk that the index lacks: what a failed index write or a killed process left.

Files are laid out <root>/<camera>/<rendition>/<day>/; a day folder's modification time changes
whenever a segment is added to or removed from it, so a pass only lists the folders that
changed since the last one (the first pass lists them all). Only finished `.ts` files are
considered: a segment being written still has its `.part` name.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from video.recording.files import probe_segment
from video.recording.index import SegmentIndex

log = logging.getLogger(__name__)

# A folder changed this recently may change again within the same timestamp tick: it is listed
# again next pass rather than marked as seen.
_QUIET_NS = 2_000_000_000
_DAY = timedelta(days=1)


class FolderScan:
    """Finds and indexes unindexed segment files, remembering which day folders are settled."""

    def __init__(self, index: SegmentIndex) -> None:
        self.index = index
        self._settled: dict[Path, int] = {}  # day folder -> modification time when reconciled
        self._unreadable: set[Path] = set()

    def run(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Index every finished file the index lacks, its end read back; how many were added.

        Database errors propagate: the caller tries the pass again later.
        """
        added = 0
        for folder, camera_id, day in self._day_folders():
            if stopping():
                break
            try:
                mtime = folder.stat().st_mtime_ns
            except FileNotFoundError:
                continue
            if self._settled.get(folder) == mtime:
                continue
            added += self._reconcile(folder, camera_id, day)
            if time.time_ns() - mtime > _QUIET_NS:
                self._settled[folder] = mtime
        return added

    def _reconcile(self, folder: Path, camera_id: str, day: datetime) -> int:
        # A second either side: a file's start is its first frame's, to the microsecond.
        margin = timedelta(seconds=1)
        prefix = self.index.relative(folder) + "/"
        indexed = {
            path.removeprefix(prefix)
            for path in self.index.paths_starting(camera_id, day - margin, day + _DAY + margin)
        }
        with os.scandir(folder) as entries:
            names = {entry.name for entry in entries if entry.name.endswith(".ts")}
        added = 0
        for name in sorted(names - indexed):
            path = folder / name
            if path in self._unreadable:
                continue
            segment = probe_segment(self.index.root, path)
            if segment is None:
                log.error("segment file %s cannot be read back; left as it is", path)
                self._unreadable.add(path)
                continue
            self.index.add(segment)
            log.warning(
                "indexed segment %s found on disk (%s to %s)", path, segment.start, segment.end
            )
            added += 1
        return added

    def _day_folders(self) -> Iterator[tuple[Path, str, datetime]]:
        root = self.index.root
        if not root.is_dir():
            return
        for folder in sorted(root.glob("*/*/*")):
            try:
                day = datetime.strptime(folder.name, "%Y-%m-%d").replace(tzinfo=UTC)
            except ValueError:
                continue
            if folder.is_dir():
                yield folder, folder.parent.parent.name, day
