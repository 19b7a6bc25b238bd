"""Exercises: a scenario played through the real chain (adapters, engine, walls, crisis log),
every alarm, incident, crisis and log line it creates marked with the exercise's id.

The record (`incidents.models.Exercise`) is kept after its end for the debrief and the purge;
`Exercises.inject` is the one way a scenario's step enters csu.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field
from sqlmodel import Session, col, select

from csu.db import Database
from csu.errors import Conflict, Forbidden, NotFound
from csu.identity.roles import Role
from csu.times import UtcTime
from incidents.models import Exercise, ExerciseMark
from incidents.service import Channel, IncidentService, IntakeResult, QueuedResult, Submission
from privacy.access_log import AccessLog, AccessRecord

# Who starts and ends an exercise: the watch's supervisor, who answers for the real watch beside.
EXERCISE_ROLES = frozenset({Role.SUPERVISOR})


class ExerciseSummary(BaseModel):
    """An exercise as the API lists it; `running` until someone ends it."""

    id: int
    scenario: str
    title: str
    started_by: str
    started_at: UtcTime
    ended_at: UtcTime | None
    ended_by: str | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def running(self) -> bool:
        """Whether it still takes injects."""
        return self.ended_at is None

    def mark(self) -> ExerciseMark:
        """What its alarms and incidents carry: EXERCICE, with its title."""
        return ExerciseMark(id=self.id, title=self.title)


class ExerciseNotFound(NotFound, LookupError):
    """No exercise has this id."""

    def __init__(self, exercise_id: int) -> None:
        super().__init__(f"no exercise {exercise_id}", key="exercises.not_found", id=exercise_id)


class ExerciseEnded(Conflict, ValueError):
    """The exercise has ended: it takes no more injects and cannot end twice."""

    def __init__(self, exercise_id: int) -> None:
        super().__init__(f"exercise {exercise_id} has ended", key="exercises.ended", id=exercise_id)


class CsuAlarmInject(BaseModel):
    """A step's alarm in csu's own JSON (what the hypervisor posts to /api/alarms)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["csu"] = "csu"
    alarm: dict[str, Any]


class CapInject(BaseModel):
    """A step's CAP 1.2 alert, as its XML text (a prefecture's or Météo-France's)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["cap"] = "cap"
    xml: str


class NgsiLdInject(BaseModel):
    """A step's NGSI-LD notification (a city platform's entities), as its JSON object."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["ngsi-ld"] = "ngsi-ld"
    notification: dict[str, Any]


# What `inject` takes: one of csu's three alarm formats, told apart by `kind`.
Injected = Annotated[CsuAlarmInject | CapInject | NgsiLdInject, Field(discriminator="kind")]


def injected(payload: dict[str, Any] | str) -> CsuAlarmInject | CapInject | NgsiLdInject:
    """A scenario step's payload as an inject: XML text is CAP, a dict typed `Notification`
    (or holding a `data` list) is NGSI-LD, any other dict is csu's alarm JSON."""
    if isinstance(payload, str):
        return CapInject(xml=payload)
    if payload.get("type") == "Notification" or isinstance(payload.get("data"), list):
        return NgsiLdInject(notification=payload)
    return CsuAlarmInject(alarm=payload)


def submission(
    payload: CsuAlarmInject | CapInject | NgsiLdInject, mark: ExerciseMark
) -> Submission:
    """The payload as the intake receives it, by its own channel, marked for the exercise."""
    now = datetime.now(UTC)
    if isinstance(payload, CapInject):
        body, channel, kind = payload.xml.encode(), Channel.HTTP_CAP, "application/cap+xml"
    elif isinstance(payload, NgsiLdInject):
        body, channel = json.dumps(payload.notification).encode(), Channel.HTTP_NGSI_LD
        kind = "application/json"
    else:
        body, channel, kind = (
            json.dumps(payload.alarm).encode(),
            Channel.HTTP_JSON,
            "application/json",
        )
    hint = f"exercise:{mark.id}"
    return Submission(channel, body, now, content_type=kind, source_hint=hint, exercise=mark)


class ExerciseForbidden(Forbidden, PermissionError):
    """Only a supervisor starts or ends an exercise."""

    def __init__(self, role: str) -> None:
        super().__init__(f"the {role} role may not run an exercise", key="exercises.forbidden")


def may_run(role: str) -> None:
    """Refuse (ExerciseForbidden) a role that may not start or end an exercise."""
    if role not in EXERCISE_ROLES:
        raise ExerciseForbidden(role)


def log_exercise(
    access_log: AccessLog,
    exercise: ExerciseSummary,
    *,
    action: Literal["exercise.start", "exercise.end"],
    user: str,
    role: str,
    client: str | None,
) -> None:
    """Write an exercise's start or end to the access log (who, from where, which scenario)."""
    details = {"exercise_id": exercise.id, "scenario": exercise.scenario, "title": exercise.title}
    access_log.append(
        AccessRecord(action=action, user=user, role=role, client=client, details=details)
    )


def _summary(row: Exercise) -> ExerciseSummary:
    return ExerciseSummary.model_validate(row, from_attributes=True)


def start_exercise(session: Session, *, scenario: str, title: str, by: str) -> ExerciseSummary:
    """Record a new exercise, running from now."""
    row = Exercise(scenario=scenario, title=title, started_by=by, started_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    return _summary(row)


def end_exercise(session: Session, exercise_id: int, *, by: str) -> ExerciseSummary:
    """End a running exercise; ExerciseNotFound, or ExerciseEnded when it has ended already."""
    row = session.get(Exercise, exercise_id)
    if row is None:
        raise ExerciseNotFound(exercise_id)
    if row.ended_at is not None:
        raise ExerciseEnded(exercise_id)
    row.ended_at, row.ended_by = datetime.now(UTC), by
    session.add(row)
    session.flush()
    return _summary(row)


def list_exercises(session: Session, *, limit: int = 100) -> list[ExerciseSummary]:
    """Exercises, newest first."""
    query = select(Exercise).order_by(col(Exercise.id).desc()).limit(limit)
    return [_summary(row) for row in session.exec(query)]


def running_exercises(session: Session) -> list[ExerciseSummary]:
    """The exercises under way now (a console shows the EXERCICE banner while there is one)."""
    query = select(Exercise).where(col(Exercise.ended_at).is_(None)).order_by(col(Exercise.id))
    return [_summary(row) for row in session.exec(query)]


def get_exercise(session: Session, exercise_id: int) -> ExerciseSummary:
    """One exercise; ExerciseNotFound when there is none of this id."""
    row = session.get(Exercise, exercise_id)
    if row is None:
        raise ExerciseNotFound(exercise_id)
    return _summary(row)


class Exercises:
    """Injects a running exercise's steps into the real intake (the scenario runner's door)."""

    def __init__(self, db: Database, incidents: IncidentService) -> None:
        self._db = db
        self._incidents = incidents

    async def inject(
        self, exercise_id: int, payload: CsuAlarmInject | CapInject | NgsiLdInject
    ) -> IntakeResult | QueuedResult:
        """Send one step's alarm through the real intake, marked for the exercise; refused
        (ExerciseNotFound, ExerciseEnded) unless the exercise is running."""
        with self._db.session() as session:
            exercise = get_exercise(session, exercise_id)
        if not exercise.running:
            raise ExerciseEnded(exercise_id)
        return await self._incidents.receive(submission(payload, exercise.mark()))
