"""What a scenario runner reports as it plays: each step sent or refused, and its end."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from csu.times import UtcTime


class _RunEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    run_id: str
    scenario: str


class StepSent(_RunEvent):
    """Step `index` was handed to the intake at `sent_at` (it was due at `due_at`)."""

    kind: Literal["step_sent"] = "step_sent"
    index: int
    due_at: UtcTime
    sent_at: UtcTime


class StepFailed(_RunEvent):
    """Handing step `index` over failed; the run goes on with the next step."""

    kind: Literal["step_failed"] = "step_failed"
    index: int
    due_at: UtcTime
    failed_at: UtcTime
    error: str


class RunEnded(_RunEvent):
    """The run is over: played to its end, or stopped (`stopped`) after `sent` steps."""

    kind: Literal["run_ended"] = "run_ended"
    ended_at: UtcTime
    sent: int
    total: int
    stopped: bool


RunEvent = StepSent | StepFailed | RunEnded
