"""Serving an analytics event's snapshot: the same gate as a live snapshot, logged first.

Snapshots are cut from the `zones` rendition (the one analysed), so a viewer whose policy gives
the anonymised rendition may not see them: that refusal is logged too.
"""

from __future__ import annotations

from pathlib import Path

from csu.errors import NotFound
from privacy.access_log import AccessLog
from privacy.guard import AccessDenied, authorise_camera_action, refuse_camera_action
from privacy.policy import Action
from privacy.renditions import Rendition
from privacy.rights import Viewer
from video.analytics.snapshots import find_snapshot


class NoSnapshot(NotFound, LookupError):
    """No snapshot is kept for that event (never taken, or destroyed at retention)."""


def read_event_snapshot(
    data_dir: Path,
    access_log: AccessLog,
    *,
    viewer: Viewer,
    event_id: str,
    rendition: Rendition,
    client: str | None,
) -> bytes:
    """Check the right and log the access, then read the event's JPEG."""
    found = find_snapshot(data_dir, event_id)
    if found is None:
        raise NoSnapshot(
            f"no snapshot kept for analytics event '{event_id}'",
            key="errors.no_snapshot",
            event=event_id,
        )
    camera_id, path = found
    details = {"analytics_event": event_id, "rendition": Rendition.ZONES.value}
    if rendition is not Rendition.ZONES:
        refuse_camera_action(
            access_log,
            user=viewer.user,
            action=Action.SNAPSHOT,
            camera_id=camera_id,
            client=client,
            details=details,
            why="the viewer's rendition is anonymised",
            message=AccessDenied(
                "event snapshots show faces; your view of cameras is anonymised",
                key="errors.snapshot_anonymised",
            ),
        )
    authorise_camera_action(
        access_log,
        viewer=viewer,
        action=Action.SNAPSHOT,
        camera_id=camera_id,
        client=client,
        details=details,
    )
    try:
        return path.read_bytes()
    except FileNotFoundError:  # destroyed at retention between the lookup and the read
        raise NoSnapshot(
            f"no snapshot kept for analytics event '{event_id}'",
            key="errors.no_snapshot",
            event=event_id,
        ) from None
