"""The pure scheduler: which steps are due, given a start and now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crisis.scenarios.loader import parse_scenario
from crisis.scenarios.scheduler import due_steps, end_of, next_due, schedule

START = datetime(2026, 12, 7, 18, 0, tzinfo=UTC)


def test_each_step_is_due_at_start_plus_its_offset(small_text: str) -> None:
    scenario = parse_scenario(small_text)
    assert [(item.index, item.due_at) for item in schedule(scenario, START)] == [
        (0, START),
        (1, START + timedelta(seconds=90)),
        (2, START + timedelta(minutes=5)),
    ]
    assert end_of(scenario, START) == START + timedelta(minutes=10)


def test_due_steps_are_those_reached_and_not_sent(small_text: str) -> None:
    scenario = parse_scenario(small_text)
    assert due_steps(scenario, START, START - timedelta(seconds=1)) == []
    assert [i.index for i in due_steps(scenario, START, START)] == [0]
    assert [i.index for i in due_steps(scenario, START, START + timedelta(seconds=89))] == [0]
    # a late look (a paused process, a slow loop) catches up with every step reached
    assert [i.index for i in due_steps(scenario, START, START + timedelta(minutes=6))] == [0, 1, 2]
    later = START + timedelta(minutes=6)
    assert [i.index for i in due_steps(scenario, START, later, sent=2)] == [2]
    assert due_steps(scenario, START, START + timedelta(hours=1), sent=3) == []


def test_next_due_and_speed(small_text: str) -> None:
    scenario = parse_scenario(small_text)
    assert next_due(scenario, START, 0) == START
    assert next_due(scenario, START, 1) == START + timedelta(seconds=90)
    assert next_due(scenario, START, 3) is None
    # played ten times faster, the Forum's sandbox sees the 5-minute step at 30 s
    assert next_due(scenario, START, 2, speed=10) == START + timedelta(seconds=30)
    assert end_of(scenario, START, speed=10) == START + timedelta(minutes=1)
    with pytest.raises(ValueError, match="speed"):
        schedule(scenario, START, speed=0)
