"""The pure rules of a preset tour: stops in order round and round, each for its dwell, nothing
sent while someone holds the camera, and back to the interrupted stop once it has been free a
moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from video.ptz.tour.plan import (
    MAX_DWELL_S,
    MAX_STOPS,
    MIN_DWELL_S,
    RESUME_AFTER,
    TourPlan,
    TourState,
    TourStop,
    step,
)

T0 = datetime(2026, 12, 7, 21, 0, tzinfo=UTC)


def plan(*dwells: int) -> TourPlan:
    return TourPlan(stops=[TourStop(preset=f"p{i}", dwell_s=d) for i, d in enumerate(dwells)])


def test_a_tour_goes_round_its_stops_each_for_its_dwell() -> None:
    tour = plan(10, 5, 20)
    sent: list[tuple[float, str]] = []
    state = TourState()
    for tenth in range(0, 700):  # 70 s, looked at ten times a second
        now = T0 + timedelta(seconds=tenth / 10)
        result = step(tour, state, now, held=False)
        state = result.state
        if result.preset is not None:
            sent.append((tenth / 10, result.preset))
    assert sent == [
        (0.0, "p0"),
        (10.0, "p1"),
        (15.0, "p2"),
        (35.0, "p0"),
        (45.0, "p1"),
        (50.0, "p2"),
    ]


def test_it_waits_while_the_camera_is_held_then_goes_back_to_the_interrupted_stop() -> None:
    tour = plan(10, 10, 10)
    state = step(tour, TourState(), T0, held=False).state  # p0 until 10 s
    state = step(tour, state, T0 + timedelta(seconds=10), held=False).state  # p1 until 20 s
    assert state.index == 1
    held = step(tour, state, T0 + timedelta(seconds=12), held=True)
    assert held.preset is None and held.state.paused and held.state.due is None
    # Still held long after p1's dwell would have ended: nothing is sent.
    later = step(tour, held.state, T0 + timedelta(seconds=40), held=True)
    assert later.preset is None
    # Free again: a moment's grace, then back to p1 for a whole dwell.
    free = T0 + timedelta(seconds=41)
    grace = step(tour, later.state, free, held=False)
    assert grace.preset is None and grace.state.free_since == free
    almost = step(tour, grace.state, free + RESUME_AFTER - timedelta(seconds=0.1), held=False)
    assert almost.preset is None
    back = step(tour, almost.state, free + RESUME_AFTER, held=False)
    assert back.preset == "p1" and not back.state.paused
    assert back.state.due == free + RESUME_AFTER + timedelta(seconds=10)


def test_a_hold_during_the_grace_starts_the_grace_again() -> None:
    tour = plan(10, 10)
    state = step(tour, TourState(), T0, held=True).state
    state = step(tour, state, T0 + timedelta(seconds=1), held=False).state
    state = step(tour, state, T0 + timedelta(seconds=2), held=True).state
    state = step(tour, state, T0 + timedelta(seconds=3), held=False).state
    assert step(tour, state, T0 + timedelta(seconds=5), held=False).preset is None
    assert step(tour, state, T0 + timedelta(seconds=3) + RESUME_AFTER, held=False).preset == "p0"


def test_a_plan_that_shrank_under_a_running_tour_goes_on_from_its_start() -> None:
    state = TourState(index=4, due=T0)
    assert step(plan(10, 10), state, T0, held=False).preset == "p1"  # 4 % 2 = 0, then on


_events = st.lists(
    st.tuples(st.floats(min_value=0.05, max_value=30.0), st.booleans()), min_size=1, max_size=120
)


@given(dwells=st.lists(st.integers(MIN_DWELL_S, 60), min_size=2, max_size=6), events=_events)
def test_any_history_of_holds_keeps_the_tours_promises(dwells: list[int], events: list) -> None:
    """Whatever the holds: nothing is sent while held or within the grace after one; a stop is
    never left before its dwell; the order is kept, except that after a hold the tour goes
    back to the stop it was at."""
    tour = plan(*dwells)
    state, now = TourState(), T0
    last_sent: tuple[datetime, int] | None = None
    held_since_sent = False
    free_since: datetime | None = now
    for gap, held in events:
        now += timedelta(seconds=gap)
        if held:
            free_since, held_since_sent = None, True
        elif free_since is None:
            free_since = now
        result = step(tour, state, now, held=held)
        state = result.state
        if result.preset is None:
            continue
        index = int(result.preset[1:])
        assert not held
        if held_since_sent:  # back where it was (the first stop, if it never moved)
            assert index == (last_sent[1] if last_sent else 0)
            assert free_since is not None and now - free_since >= RESUME_AFTER
        elif last_sent is None:
            assert index == 0
        else:
            assert index == (last_sent[1] + 1) % len(dwells)
            assert now - last_sent[0] >= timedelta(seconds=dwells[last_sent[1]])
        last_sent, held_since_sent = (now, index), False


@pytest.mark.parametrize(
    ("stops", "names"),
    [
        ([{"preset": "a", "dwell_s": MIN_DWELL_S - 1}, {"preset": "b", "dwell_s": 10}], "dwell_s"),
        ([{"preset": "a", "dwell_s": 10}, {"preset": "b", "dwell_s": MAX_DWELL_S + 1}], "dwell_s"),
        ([{"preset": "a", "dwell_s": 10}], "stops"),
        ([{"preset": "a", "dwell_s": 10}] * (MAX_STOPS + 1), "stops"),
        ([{"preset": "../a", "dwell_s": 10}, {"preset": "b", "dwell_s": 10}], "preset"),
        ([{"preset": "a", "dwell_s": 10, "speed": 1}, {"preset": "b", "dwell_s": 10}], "speed"),
        ([{"preset": "a", "dwell_s": 10.5}, {"preset": "b", "dwell_s": 10}], "dwell_s"),
    ],
)
def test_a_plan_out_of_bounds_is_refused_by_name(stops: list[dict], names: str) -> None:
    with pytest.raises(ValidationError) as refused:
        TourPlan.model_validate({"stops": stops})
    assert names in str(refused.value)
