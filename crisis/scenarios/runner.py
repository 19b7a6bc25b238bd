"""Play a scenario: at each step's time, hand it to the `inject` callable it was given.

The runner knows nothing of the intake: whoever starts it decides what an injection does (the
exercise's intake, which marks everything it creates, or the Forum's sandbox). It reports each
step sent or refused and its end as typed events (crisis.scenarios.events), and can be stopped.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from crisis.scenarios.events import RunEnded, RunEvent, StepFailed, StepSent
from crisis.scenarios.model import Scenario, Step, StepKind
from crisis.scenarios.payloads import Payload, render
from crisis.scenarios.scheduler import ScheduledStep, due_steps, end_of, next_due
from csu.i18n import Language

log = logging.getLogger(__name__)

# A long wait is taken in slices, so that a clock set forward or back is noticed.
_LONGEST_WAIT_S = 30.0


@dataclass(frozen=True)
class Injection:
    """One step handed over at its time: the step, and its payload made for this run."""

    run_id: str
    scenario: str
    index: int
    step: Step
    due_at: datetime
    sent_at: datetime
    payload: Payload

    @property
    def kind(self) -> StepKind:
        """alarm, cap, ngsi_ld, camera or inject."""
        return self.step.kind


InjectStep = Callable[[Injection], Awaitable[None]]
ReportEvent = Callable[[RunEvent], None]


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class ScenarioRunner:
    """Plays one run of a scenario; `run()` returns when it is over or stopped."""

    def __init__(
        self,
        scenario: Scenario,
        inject: InjectStep,
        *,
        run_id: str | None = None,
        language: Language = "fr",
        speed: float = 1.0,
        report: ReportEvent | None = None,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be more than 0")
        self.scenario = scenario
        self.run_id = run_id or f"ex-{uuid.uuid4().hex[:10]}"
        self._inject = inject
        self._language: Language = language
        self._speed = speed
        self._report = report
        self._clock = clock
        self._sleep = sleep
        self._stop = asyncio.Event()
        self._events: list[RunEvent] = []
        self._sent = 0

    @property
    def events(self) -> list[RunEvent]:
        """What the run has reported so far, in order."""
        return list(self._events)

    @property
    def sent(self) -> int:
        """How many steps have been handed over (or refused) so far."""
        return self._sent

    def stop(self) -> None:
        """End the run before its next step; a step being handed over is finished first."""
        self._stop.set()

    async def run(self, start: datetime | None = None) -> RunEnded:
        """Play every step at its time from `start` (now if None), then wait for the end."""
        begin = self._clock() if start is None else start
        total = len(self.scenario.steps)
        while self._sent < total and not self._stop.is_set():
            due = next_due(self.scenario, begin, self._sent, self._speed)
            if due is not None and await self._wait_until(due):
                continue
            for item in due_steps(self.scenario, begin, self._clock(), self._sent, self._speed):
                if self._stop.is_set():
                    break
                await self._hand_over(item)
        end = end_of(self.scenario, begin, self._speed)
        while not self._stop.is_set() and await self._wait_until(end):
            pass
        ended = RunEnded(
            run_id=self.run_id,
            scenario=self.scenario.name,
            ended_at=self._clock(),
            sent=self._sent,
            total=total,
            stopped=self._stop.is_set(),
        )
        self._emit(ended)
        return ended

    async def _wait_until(self, moment: datetime) -> bool:
        """Wait towards `moment`; True if the caller should look again (time left, not stopped)."""
        left = (moment - self._clock()).total_seconds()
        if left <= 0 or self._stop.is_set():
            return False
        sleeping = asyncio.ensure_future(self._sleep(min(left, _LONGEST_WAIT_S)))
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:  # cancelled from outside too: leave no task behind
            for task in (sleeping, stopping):
                task.cancel()
        return not self._stop.is_set()

    async def _hand_over(self, item: ScheduledStep) -> None:
        sent_at = self._clock()
        common = {"run_id": self.run_id, "scenario": self.scenario.name, "index": item.index}
        try:
            payload = render(item.step, self.run_id, sent_at, self._language)
            await self._inject(
                Injection(
                    run_id=self.run_id,
                    scenario=self.scenario.name,
                    index=item.index,
                    step=item.step,
                    due_at=item.due_at,
                    sent_at=sent_at,
                    payload=payload,
                )
            )
        except Exception as exc:  # one refused step must not end the exercise
            log.warning("scenario %s step %d refused: %s", self.scenario.name, item.index, exc)
            error = str(exc) or type(exc).__name__
            failed = StepFailed(due_at=item.due_at, failed_at=self._clock(), error=error, **common)
            self._emit(failed)
        else:
            self._emit(StepSent(due_at=item.due_at, sent_at=sent_at, **common))
        self._sent += 1

    def _emit(self, event: RunEvent) -> None:
        self._events.append(event)
        if self._report is not None:
            self._report(event)
