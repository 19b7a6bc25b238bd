"""A preset tour as pure rules: where the camera goes next and when, over times passed in.

A tour visits its stops in order, round and round, staying `dwell_s` at each (counted from the
command to go there). It is the camera's lowest-priority user: while anyone holds the camera it
sends nothing, and once the camera has been free again for RESUME_AFTER (its holder released it
or their lock lapsed) it goes back to the stop it was showing, for a whole dwell, then on in
order. An operator who lets go finds the tour where it was, not at some later stop; the pause
gives them a moment to take the camera back, and lets the stop that ends a lapsed lock reach the
camera before the tour's next move does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from video.ptz.commands import Token

MIN_DWELL_S = 5  # a camera still moving at the next stop shows nothing worth the tour
MAX_DWELL_S = 3600
MAX_STOPS = 32
RESUME_AFTER = timedelta(seconds=3)


class TourStop(BaseModel):
    """One preset of a tour and how long the camera stays there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    preset: Token = Field(description="The preset's token on the camera.")
    dwell_s: int = Field(ge=MIN_DWELL_S, le=MAX_DWELL_S, description="Seconds spent there.")


class TourPlan(BaseModel):
    """A camera's tour: two or more stops, visited in this order and again from the first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stops: list[TourStop] = Field(min_length=2, max_length=MAX_STOPS)


@dataclass(frozen=True)
class TourState:
    """Where a running tour stands."""

    index: int = 0  # the stop shown, or gone back to once the camera is free
    due: datetime | None = None  # when to move on; None: go to `index` at the next step
    paused: bool = False  # someone held the camera since the tour last moved it
    free_since: datetime | None = None  # while paused: since when nobody holds the camera


@dataclass(frozen=True)
class Step:
    """The tour's state after a step, and the preset to send the camera to now (if any)."""

    state: TourState
    preset: str | None


def step(plan: TourPlan, state: TourState, now: datetime, *, held: bool) -> Step:
    """One look at the tour at `now`; `held` when someone holds the camera."""
    index = state.index % len(plan.stops)  # the plan may have shrunk since
    if held:
        return Step(TourState(index, None, paused=True), None)
    if state.paused:
        free_since = state.free_since or now
        if now - free_since < RESUME_AFTER:
            return Step(replace(state, index=index, free_since=free_since), None)
    elif state.due is not None:
        if now < state.due:
            return Step(state, None)
        index = (index + 1) % len(plan.stops)
    stop = plan.stops[index]
    return Step(TourState(index, now + timedelta(seconds=stop.dwell_s)), stop.preset)
