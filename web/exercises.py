"""Exercises over HTTP: a supervisor starts one from a scenario and ends it; consoles and walls
list those under way to show the EXERCICE banner. Starts and ends go in the access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from crisis.service import (
    ExerciseSummary,
    end_exercise,
    list_exercises,
    log_exercise,
    may_run,
    running_exercises,
    start_exercise,
)
from csu.bounds import RowId
from csu.text import StorableText
from privacy.policy import Action
from privacy.service import Viewer
from web.deps import AccessLogDep, CurrentViewer, DbSession, client_address, require

router = APIRouter(prefix="/api/exercises", tags=["crisis"])

Reader = Annotated[Viewer, Depends(require(Action.INCIDENT_READ))]


class ExerciseIn(BaseModel):
    """An exercise to start: the scenario it plays and the title shown on every EXERCICE mark."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"scenario": "orage-tremie", "title": "Orage, trémie inondée"}]
        },
    )

    scenario: StorableText = Field(min_length=1, max_length=128)
    title: StorableText = Field(min_length=1, max_length=256)


@router.post("", response_model=ExerciseSummary, status_code=status.HTTP_201_CREATED)
def start(
    body: ExerciseIn,
    request: Request,
    viewer: CurrentViewer,
    session: DbSession,
    access_log: AccessLogDep,
) -> ExerciseSummary:
    """Start an exercise (supervisor): what its injects create is marked with its id."""
    may_run(viewer.user.role)
    exercise = start_exercise(session, scenario=body.scenario, title=body.title, by=viewer.username)
    session.commit()
    log_exercise(
        access_log,
        exercise,
        action="exercise.start",
        user=viewer.username,
        role=viewer.user.role,
        client=client_address(request),
    )
    return exercise


@router.post("/{exercise_id}/end", response_model=ExerciseSummary)
def end(
    exercise_id: RowId,
    request: Request,
    viewer: CurrentViewer,
    session: DbSession,
    access_log: AccessLogDep,
) -> ExerciseSummary:
    """End a running exercise (supervisor); 409 when it has ended already."""
    may_run(viewer.user.role)
    exercise = end_exercise(session, exercise_id, by=viewer.username)
    session.commit()
    log_exercise(
        access_log,
        exercise,
        action="exercise.end",
        user=viewer.username,
        role=viewer.user.role,
        client=client_address(request),
    )
    return exercise


@router.get("", response_model=list[ExerciseSummary])
def listing(_viewer: Reader, session: DbSession, running: bool = False) -> list[ExerciseSummary]:
    """Exercises newest first; with running=true only those under way (the banner's)."""
    return running_exercises(session) if running else list_exercises(session)
