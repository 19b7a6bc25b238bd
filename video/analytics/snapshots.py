"""Masked JPEG snapshots of analytics events, kept under the data folder by camera and day.

They are footage: served only through the access-logged gate, destroyed at the camera's
retention by the logged retention job (SnapshotStore).
"""

from __future__ import annotations

import logging
import re
import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import cv2

from privacy.retention.footage import FootageSpan
from video.analytics.geometry import Box
from video.sources.base import Image

log = logging.getLogger(__name__)

SNAPSHOT_DIR = "analytics"
JPEG_QUALITY = 80
_BOX_COLOUR = (0, 0, 255)
EVENT_ID = re.compile(r"[0-9a-f]{32}")


def save_snapshot(
    data_dir: Path, camera_id: str, event_id: str, image: Image, box: Box, at: datetime
) -> str:
    """Write the (already masked) frame with the event's box drawn; its path under `data_dir`."""
    relative = Path(SNAPSHOT_DIR) / camera_id / at.date().isoformat() / f"{event_id}.jpg"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    marked = image.copy()
    height, width = marked.shape[:2]
    corner1 = (round(box.x1 * width), round(box.y1 * height))
    corner2 = (round(box.x2 * width), round(box.y2 * height))
    cv2.rectangle(marked, corner1, corner2, _BOX_COLOUR, max(2, width // 400))
    ok, buffer = cv2.imencode(".jpg", marked, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise ValueError("JPEG encoding failed")
    target.write_bytes(bytes(buffer))
    return relative.as_posix()


def find_snapshot(data_dir: Path, event_id: str) -> tuple[str, Path] | None:
    """The camera and file of an event's snapshot, or None (an id is 32 hex digits, no path)."""
    if not EVENT_ID.fullmatch(event_id):
        return None
    for path in (data_dir / SNAPSHOT_DIR).glob(f"*/*/{event_id}.jpg"):
        return path.parent.parent.name, path
    return None


class SnapshotStore:
    """Event snapshots as footage for the retention job: one span per camera and UTC day.

    The job (privacy.retention.footage) logs each destruction in the access log before it.
    """

    name = "analytics-snapshots"

    def __init__(self, data_dir: Path) -> None:
        self._root = data_dir / SNAPSHOT_DIR

    def expired(self, camera_id: str, before: datetime) -> list[FootageSpan]:
        """The camera's snapshot days that ended before `before`."""
        root = self._root / camera_id
        if not root.is_dir():
            return []
        spans = []
        for folder in sorted(root.iterdir()):
            try:
                day = date.fromisoformat(folder.name)
            except ValueError:
                continue
            start = datetime.combine(day, time.min, UTC)
            span = FootageSpan(camera_id, start, start + timedelta(days=1), _ref(folder, root))
            if span.end <= before:
                spans.append(span)
        return spans

    def destroy(self, span: FootageSpan) -> None:
        """Remove the day's snapshots for good."""
        folder = self._root / span.camera_id / span.start.date().isoformat()
        shutil.rmtree(folder)
        log.info("analytics snapshots %s destroyed (retention)", span.ref)


def _ref(folder: Path, root: Path) -> str:
    return (Path(SNAPSHOT_DIR) / root.name / folder.name).as_posix()
