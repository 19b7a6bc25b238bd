"""What of incidents and alarms a reader may see, given the cameras that may appear to them.

An operator authorised on one camera must not learn of another camera's incidents: an incident
is shown when it concerns no camera or at least one of the reader's, and then names only the
reader's cameras. An alarm raised by a camera is shown only to readers of that camera.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from incidents.events import AlarmSummary, IncidentSummary
from privacy.policy import CameraScope


def incident_visible(scope: CameraScope, cameras: Iterable[str]) -> bool:
    """True when an incident on these cameras may be shown to the reader."""
    listed = list(cameras)
    return scope.everything or not listed or any(scope.allows(c) for c in listed)


def shown_incident(scope: CameraScope, incident: IncidentSummary) -> IncidentSummary | None:
    """The incident as the reader may see it, or None when it is not theirs to see."""
    if scope.everything or not incident.cameras:
        return incident
    shown = [c for c in incident.cameras if scope.allows(c)]
    if not shown:
        return None
    if len(shown) == len(incident.cameras):
        return incident
    return incident.model_copy(update={"cameras": shown})


def alarm_visible(scope: CameraScope, camera_id: str | None) -> bool:
    """True when an alarm raised by this camera (or by none) may be shown to the reader."""
    return camera_id is None or scope.allows(camera_id)


def shown_alarms(scope: CameraScope, alarms: list[AlarmSummary]) -> list[AlarmSummary]:
    """The alarms of a list the reader may see, in order."""
    if scope.everything:
        return alarms
    return [a for a in alarms if alarm_visible(scope, a.camera_id)]


def entry_visible(scope: CameraScope, data: dict[str, Any], hidden_alarms: set[int]) -> bool:
    """True when a timeline entry names no camera, and no alarm, hidden from the reader."""
    camera_id = data.get("camera_id")
    if isinstance(camera_id, str) and not scope.allows(camera_id):
        return False
    if not hidden_alarms:
        return True
    named = {data.get("alarm_id"), *data.get("alarm_ids", ())}
    named.update(a.get("id") for a in data.get("alarms", ()) if isinstance(a, dict))
    return not named & hidden_alarms
