"""Masked JPEG snapshots of analytics events, kept under the data folder by camera and day."""

from __future__ import annotations

import logging
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import cv2

from video.analytics.geometry import Box
from video.sources.base import Image

log = logging.getLogger(__name__)

SNAPSHOT_DIR = "analytics"
JPEG_QUALITY = 80
_BOX_COLOUR = (0, 0, 255)


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


def purge_snapshots(data_dir: Path, camera_id: str, retention_days: int, today: date) -> int:
    """Delete the camera's snapshot days older than its retention; how many days went."""
    root = data_dir / SNAPSHOT_DIR / camera_id
    if not root.is_dir():
        return 0
    oldest_kept = today - timedelta(days=retention_days)
    purged = 0
    for day in sorted(root.iterdir()):
        try:
            when = date.fromisoformat(day.name)
        except ValueError:
            continue
        if when < oldest_kept:
            shutil.rmtree(day)
            purged += 1
            log.info("analytics snapshots of %s on %s destroyed (retention)", camera_id, when)
    return purged
