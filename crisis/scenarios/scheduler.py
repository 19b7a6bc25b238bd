"""When each step of a scenario is due: pure functions of the scenario, its start and now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crisis.scenarios.model import Scenario, Step


@dataclass(frozen=True)
class ScheduledStep:
    """A step and the moment it is due in one run."""

    index: int
    due_at: datetime
    step: Step


def schedule(scenario: Scenario, start: datetime, speed: float = 1.0) -> list[ScheduledStep]:
    """Every step with its due time for a run started at `start`, played `speed` times faster."""
    if speed <= 0:
        raise ValueError("speed must be more than 0")
    return [
        ScheduledStep(index, start + step.at / speed, step)
        for index, step in enumerate(scenario.steps)
    ]


def due_steps(
    scenario: Scenario, start: datetime, now: datetime, sent: int = 0, speed: float = 1.0
) -> list[ScheduledStep]:
    """The steps due by `now` that are not sent yet (the first `sent` steps are), in order."""
    return [item for item in schedule(scenario, start, speed)[sent:] if item.due_at <= now]


def next_due(scenario: Scenario, start: datetime, sent: int, speed: float = 1.0) -> datetime | None:
    """When the first unsent step is due; None when every step is sent."""
    remaining = schedule(scenario, start, speed)[sent:]
    return remaining[0].due_at if remaining else None


def end_of(scenario: Scenario, start: datetime, speed: float = 1.0) -> datetime:
    """When a run started at `start` is over."""
    return start + scenario.duration / speed
