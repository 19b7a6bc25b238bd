"""The one retry delay: exponential, capped, with full jitter."""

from __future__ import annotations

import itertools
import random

import pytest

from csu.backoff import Backoff


def test_backoff_grows_exponentially_within_half_to_full_ceiling() -> None:
    """Each delay lies in [ceiling/2, ceiling] with ceiling = initial * 2**attempt."""
    backoff = Backoff(initial_s=0.5, maximum_s=30.0)
    rng = random.Random(42)
    for attempt in range(6):
        ceiling = 0.5 * 2**attempt
        delays = [backoff.delay(attempt, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        # Full use of the jitter range: the delays spread across it.
        assert max(delays) - min(delays) > ceiling / 4
    means = [sum(backoff.delay(a, rng) for _ in range(200)) / 200 for a in range(6)]
    for earlier, later in itertools.pairwise(means):
        assert later == pytest.approx(2 * earlier, rel=0.15)


def test_backoff_is_capped_at_the_maximum() -> None:
    """Once initial * 2**attempt passes the maximum, delays stay in [max/2, max]."""
    backoff = Backoff(initial_s=0.5, maximum_s=30.0)
    rng = random.Random(7)
    for attempt in (7, 8, 20, 100):
        for _ in range(50):
            assert 15.0 <= backoff.delay(attempt, rng) <= 30.0


def test_backoff_survives_a_camera_down_for_hours() -> None:
    """Thousands of attempts (a camera down for a day) still give a capped delay."""
    backoff = Backoff(initial_s=0.5, maximum_s=30.0)
    rng = random.Random(3)
    for attempt in (1023, 1100, 5000, 100_000):
        assert 15.0 <= backoff.delay(attempt, rng) <= 30.0


def test_backoff_jitter_differs_between_cameras() -> None:
    """Two cameras with their own random sources do not retry in lockstep."""
    backoff = Backoff()
    assert backoff.delay(3, random.Random(1)) != backoff.delay(3, random.Random(2))


def test_the_ceiling_is_the_delay_without_jitter() -> None:
    """initial * 2**attempt up to the maximum: what a caller that must not jitter waits."""
    backoff = Backoff(initial_s=1.0, maximum_s=30.0)
    assert [backoff.ceiling(n) for n in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.ceiling(100_000) == 30.0
