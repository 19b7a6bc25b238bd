"""Incident clips: which stretch of each attached camera's recording goes with an incident."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Clip:
    """A camera's footage around an alarm, [start, end)."""

    incident_id: int
    camera_id: str
    start: datetime
    end: datetime


# Told about each clip once its timeline entry is committed (e.g. to start an events recorder).
ClipSink = Callable[[Clip], None]


@dataclass(frozen=True)
class ClipPolicy:
    """Seconds before and after the alarm per camera; cameras not listed get no clip."""

    windows: Mapping[str, tuple[float, float]] = field(default_factory=dict)

    def clip(self, incident_id: int, camera_id: str, alarm_at: datetime) -> Clip | None:
        """The clip of this camera for an alarm at `alarm_at`, if the camera records."""
        window = self.windows.get(camera_id)
        if window is None:
            return None
        before, after = window
        return Clip(
            incident_id,
            camera_id,
            alarm_at - timedelta(seconds=before),
            alarm_at + timedelta(seconds=after),
        )
