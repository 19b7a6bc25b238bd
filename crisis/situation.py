"""What the walls are about: open incidents, the crisis's incidents, and where the cameras are."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from sqlmodel import Session

from crisis import crises
from crisis.events import CrisisSummary
from crisis.layouts import IncidentView, Situation
from csu.config import CameraConfig
from incidents.events import IncidentSummary
from incidents.service import incident_detail, list_incidents


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (lon, lat) points; equirectangular is plenty at city scale."""
    mean_lat = math.radians((a[1] + b[1]) / 2)
    dx = math.radians(b[0] - a[0]) * math.cos(mean_lat)
    dy = math.radians(b[1] - a[1])
    return 6_371_000 * math.hypot(dx, dy)


def nearest_first(
    cameras: Sequence[CameraConfig], where: tuple[float, float] | None
) -> tuple[str, ...]:
    """Camera ids by distance to a place (site order for cameras without a place, or no place)."""
    if where is None:
        return tuple(c.id for c in cameras)
    far = math.inf

    def key(camera: CameraConfig) -> float:
        if camera.location is None:
            return far
        return distance_m((camera.location.lon, camera.location.lat), where)

    return tuple(c.id for c in sorted(cameras, key=key))


def _place(incident: IncidentSummary) -> tuple[float, float] | None:
    if incident.lon is None or incident.lat is None:
        return None
    return (incident.lon, incident.lat)


def _view(incident: IncidentSummary) -> IncidentView:
    exercise = incident.exercise_id is not None
    return IncidentView(incident.id, incident.severity, tuple(incident.cameras), exercise)


class SituationBoard:
    """Incidents worth a wall tile, kept up to date from incident events."""

    def __init__(self, cameras: Sequence[CameraConfig]) -> None:
        self._cameras = tuple(cameras)
        self._incidents: dict[int, IncidentSummary] = {}
        self._crisis: tuple[int, ...] = ()

    def use_cameras(self, cameras: Sequence[CameraConfig]) -> None:
        """The cameras in force from now on (an administrator changed one)."""
        self._cameras = tuple(cameras)

    def missing(self) -> list[int]:
        """Crisis incidents the board has no summary of yet."""
        return [i for i in self._crisis if i not in self._incidents]

    def update(self, incident: IncidentSummary) -> bool:
        """Take an incident's new state; True when walls may need to change."""
        keep = incident.open or incident.id in self._crisis
        if keep:
            changed = self._incidents.get(incident.id) != incident
            self._incidents[incident.id] = incident
            return changed
        return self._incidents.pop(incident.id, None) is not None

    def set_crisis(self, incident_ids: Iterable[int]) -> None:
        """The incidents of the open crisis (empty when none is open)."""
        self._crisis = tuple(incident_ids)
        self._incidents = {i: s for i, s in self._incidents.items() if s.open or i in self._crisis}

    def situation(self, *, crisis: bool, status: Mapping[str, str]) -> Situation:
        """What a wall shows: every open incident, or in crisis mode the crisis's incidents with
        the cameras nearest to its first placed incident as fill."""
        if not crisis:
            views = tuple(_view(s) for s in self._incidents.values() if s.open)
            return Situation(views, status, tuple(c.id for c in self._cameras))
        linked = [self._incidents[i] for i in self._crisis if i in self._incidents]
        place = next((p for p in map(_place, linked) if p is not None), None)
        fill = nearest_first(self._cameras, place)
        return Situation(tuple(_view(s) for s in linked), status, fill)


def summaries(session: Session, incident_ids: Sequence[int]) -> list[IncidentSummary]:
    """The current summaries of these incidents (unknown ids are skipped)."""
    details = [incident_detail(session, i) for i in incident_ids]
    return [d.incident for d in details if d is not None]


def open_situation(session: Session) -> tuple[list[IncidentSummary], CrisisSummary | None]:
    """The open incidents and the open crisis, as stored: where the walls start from."""
    crisis = crises.current_crisis(session)
    incidents = [i for i in list_incidents(session, limit=500) if i.open]
    return incidents, crises.summary(crisis) if crisis else None
