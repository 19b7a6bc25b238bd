"""Events the incidents package publishes (consoles, walls and the crisis room follow them)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field, computed_field

from csu.events import Event, Reach
from csu.times import UtcTime
from incidents.alarms.scales import severity_rank
from incidents.models import OPEN_STATUSES, ExerciseMark, IncidentFields, exercise_mark


class AlarmHeading(BaseModel):
    """What names an alarm and says how it stands: all a cluster's node tells a sender of the
    alarms in its payload before the engine stores them, and the head of a stored alarm's summary.
    """

    source: str
    external_id: str
    type: str
    severity: str
    status: str


class AlarmSummary(AlarmHeading):
    """An alarm as a console lists it."""

    id: int
    occurred_at: UtcTime
    description: str
    incident_id: int | None
    created: bool
    inhibited: bool
    camera_id: str | None = None  # the camera that raised it (video loss, analytics)
    exercise_id: int | None = Field(default=None, exclude=True)
    exercise_title: str | None = Field(default=None, exclude=True)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exercise(self) -> ExerciseMark | None:
        """The exercise that injected it ({id, title}), None for a real alarm."""
        return exercise_mark(self.exercise_id, self.exercise_title)


class AlarmsStored(Event):
    """A batch of alarms was stored (the newest `MAX_LISTED` listed; `total` counts all)."""

    topic: ClassVar[str] = "incidents.alarms_stored"
    # Live: a console push; the alarms themselves are in the database.
    reach: ClassVar[Reach] = "live"
    MAX_LISTED: ClassVar[int] = 50
    alarms: list[AlarmSummary]
    total: int
    rejected: int


class ProcedureStep(BaseModel):
    """A checklist step, and who ticked it when."""

    text: str
    done: bool = False
    by: str | None = None
    at: str | None = None


class IncidentSummary(IncidentFields):
    """An incident: as the engine holds it, as consoles and walls are sent it.

    Read from and written to its table (`incidents.models.Incident`) only by
    `incidents.incident_rows`. The engine changes the ones it holds: what it publishes is a copy.
    """

    id: int
    cameras: list[str] = Field(default_factory=list, description="Covering cameras, nearest first.")
    procedure: list[ProcedureStep] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def severity_rank(self) -> int:
        """0 (informational) to 4 (critical): the order consoles sort by, told by the server."""
        return severity_rank(self.severity)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def open(self) -> bool:
        """Whether someone still has to deal with it (new, acknowledged or in progress)."""
        return self.status in OPEN_STATUSES

    @computed_field  # type: ignore[prop-decorator]
    @property
    def exercise(self) -> ExerciseMark | None:
        """The exercise it belongs to ({id, title}): shown EXERCICE; None for the real watch."""
        return exercise_mark(self.exercise_id, self.exercise_title)


class IncidentChanged(Event):
    """An incident was opened or changed; `change` says how."""

    topic: ClassVar[str] = "incidents.changed"
    # Live: consoles and walls on every node follow it; the incident is in the database.
    reach: ClassVar[Reach] = "live"
    incident: IncidentSummary
    change: str  # opened, alarms, acknowledged, assigned, note, status, escalated, procedure


class IncidentEscalated(Event):
    """An operator handed an incident to the crisis cell."""

    topic: ClassVar[str] = "incidents.escalated"
    # Local: the crisis service beside the engine that published it opens or joins the crisis
    # once; every node sees the outcome as IncidentChanged and CrisisChanged.
    reach: ClassVar[Reach] = "local"
    incident: IncidentSummary
    by: str
    text: str | None
