"""JPEG snapshots of the latest masked frame, logged before they are served."""

from __future__ import annotations

from datetime import UTC, datetime

import cv2

from csu.errors import Unavailable
from privacy.access_log import AccessLog
from privacy.guard import authorise_camera_action
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import Viewer
from video.service import CameraService
from video.sources.base import Image

JPEG_QUALITY = 80


class NoFrame(Unavailable, LookupError):
    """The camera has no frame to give (offline or starting)."""


def encode_jpeg(image: Image, quality: int = JPEG_QUALITY) -> bytes:
    """The image as JPEG bytes."""
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return bytes(buffer)


def take_snapshot(
    cameras: CameraService,
    access_log: AccessLog,
    *,
    viewer: Viewer,
    camera_id: str,
    rendition: Rendition,
    client: str | None,
) -> bytes:
    """Check the right and log the access, then encode the latest masked frame."""
    frame = cameras.latest_frame(camera_id, rendition)
    details = {
        "rendition": rendition.value,
        "frame_at": datetime.fromtimestamp(frame.wallclock, UTC).isoformat() if frame else None,
    }
    authorise_camera_action(
        access_log,
        viewer=viewer,
        action=Action.SNAPSHOT,
        camera_id=camera_id,
        client=client,
        details=details,
    )
    if frame is None:
        raise NoFrame(f"camera '{camera_id}' has no picture right now")
    return encode_jpeg(frame.image)
