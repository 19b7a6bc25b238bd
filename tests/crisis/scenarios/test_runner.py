"""The runner on a fast clock: each step handed over at its time, progress reported, stop."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from crisis.scenarios.events import RunEnded, RunEvent, StepFailed, StepSent
from crisis.scenarios.loader import parse_scenario
from crisis.scenarios.runner import Injection, ScenarioRunner

START = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)


class FastClock:
    """A clock that time-travels when slept on: a 10-minute scenario plays in no time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        await asyncio.sleep(0)


async def test_every_step_is_handed_over_at_its_time(small_text: str) -> None:
    clock = FastClock(START)
    handed: list[Injection] = []
    reported: list[RunEvent] = []

    async def inject(injection: Injection) -> None:
        handed.append(injection)

    runner = ScenarioRunner(
        parse_scenario(small_text),
        inject,
        run_id="ex-1",
        report=reported.append,
        clock=clock,
        sleep=clock.sleep,
    )
    ended = await runner.run(START)

    assert [(i.index, i.kind, i.sent_at) for i in handed] == [
        (0, "alarm", START),
        (1, "inject", START + timedelta(seconds=90)),
        (2, "camera", START + timedelta(minutes=5)),
    ]
    alarm = json.loads(handed[0].payload.body or b"")
    assert alarm["external_id"] == "EAU-ex-1-1"
    assert alarm["occurred_at"] == "2026-12-07T18:00:00+00:00"
    assert handed[0].payload.content_type == "application/json"
    assert handed[0].payload.document() == alarm
    assert handed[1].payload.body is None and handed[1].step.inject is not None
    assert handed[1].payload.document() is None
    camera = json.loads(handed[2].payload.body or b"")
    assert handed[2].payload.camera_id == "cam-mail-parking"
    assert (camera["type"], camera["camera_id"], camera["status"]) == (
        "video.loss",
        "cam-mail-parking",
        "active",
    )
    assert camera["description"] == "Caméra cam-mail-parking : perte du signal vidéo (exercice)"
    assert reported == runner.events
    assert [type(e) for e in reported] == [StepSent, StepSent, StepSent, RunEnded]
    assert [(e.index, e.due_at, e.sent_at) for e in reported[:3] if isinstance(e, StepSent)] == [
        (0, START, START),
        (1, START + timedelta(seconds=90), START + timedelta(seconds=90)),
        (2, START + timedelta(minutes=5), START + timedelta(minutes=5)),
    ]
    # the run lasts the scenario's whole duration, then ends
    assert ended == RunEnded(
        run_id="ex-1",
        scenario="essai",
        ended_at=START + timedelta(minutes=10),
        sent=3,
        total=3,
        stopped=False,
    )


async def test_a_refused_step_is_reported_and_the_run_goes_on(small_text: str) -> None:
    clock = FastClock(START)

    async def inject(injection: Injection) -> None:
        if injection.index == 1:
            raise RuntimeError("intake refused it")

    runner = ScenarioRunner(
        parse_scenario(small_text), inject, run_id="ex-2", clock=clock, sleep=clock.sleep
    )
    ended = await runner.run(START)
    failed = [e for e in runner.events if isinstance(e, StepFailed)]
    assert [(e.index, e.error) for e in failed] == [(1, "intake refused it")]
    assert ended.sent == 3 and not ended.stopped


async def test_stop_ends_the_run_before_its_next_step(small_text: str) -> None:
    # Real time, played 600 times faster: the 90-second step comes after 0.15 s.
    handed: list[int] = []
    runner: ScenarioRunner

    async def inject(injection: Injection) -> None:
        handed.append(injection.index)
        if injection.index == 1:
            runner.stop()

    runner = ScenarioRunner(parse_scenario(small_text), inject, speed=600)
    ended = await asyncio.wait_for(runner.run(), timeout=5)
    assert handed == [0, 1]
    assert (ended.sent, ended.total, ended.stopped) == (2, 3, True)
    assert isinstance(runner.events[-1], RunEnded)


async def test_a_late_start_catches_up_with_the_steps_already_due(small_text: str) -> None:
    clock = FastClock(START + timedelta(minutes=2))
    handed: list[tuple[int, datetime, datetime]] = []

    async def inject(injection: Injection) -> None:
        handed.append((injection.index, injection.due_at, injection.sent_at))

    runner = ScenarioRunner(parse_scenario(small_text), inject, clock=clock, sleep=clock.sleep)
    await runner.run(START)
    late = START + timedelta(minutes=2)
    assert handed == [
        (0, START, late),
        (1, START + timedelta(seconds=90), late),
        (2, START + timedelta(minutes=5), START + timedelta(minutes=5)),
    ]


async def test_a_cancelled_run_leaves_no_task_behind(small_text: str) -> None:
    async def inject(injection: Injection) -> None:
        return None

    runner = ScenarioRunner(parse_scenario(small_text), inject)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await asyncio.sleep(0)
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    assert others == []
    assert [e.index for e in runner.events if isinstance(e, StepSent)] == [0]
