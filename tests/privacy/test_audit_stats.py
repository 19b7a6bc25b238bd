"""Unusual-access statistics as pure functions: usual hours, busy days, per-entry flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from privacy.audit.stats import (
    FAR_MORE_VIEWS,
    OUTSIDE_USUAL_HOURS,
    Activity,
    Thresholds,
    flag_activity,
    hour_histogram,
    is_busy_day,
    is_unusual_hour,
)

PARIS = ZoneInfo("Europe/Paris")
T = Thresholds()


def test_hour_histogram_counts_each_hour() -> None:
    """Twenty-four bins, one per hour of the day."""
    histogram = hour_histogram([9, 9, 10, 23])
    assert len(histogram) == 24 and histogram[9] == 2 and histogram[10] == 1 and histogram[23] == 1


def test_rare_hours_are_unusual_only_with_enough_history() -> None:
    """An hour (with its neighbours) under 2 % of a long history is unusual; a short one is not."""
    day_shift = hour_histogram([9] * 30 + [14] * 30)
    assert is_unusual_hour(3, day_shift, T)
    assert not is_unusual_hour(9, day_shift, T)
    assert not is_unusual_hour(8, day_shift, T)  # next to a usual hour: a shift starting early
    assert is_unusual_hour(11, day_shift, T)
    assert is_unusual_hour(0, hour_histogram([9] * 60), T)  # wraps around midnight
    assert not is_unusual_hour(0, hour_histogram([23] * 60), T)
    assert not is_unusual_hour(3, hour_histogram([9] * 10), T)  # only 10 accesses known


def test_busy_day_needs_a_history_and_a_real_excess() -> None:
    """Past three times the median and the median plus 20, with five active days behind it."""
    usual = [5, 6, 4, 5, 5]
    assert not is_busy_day(25, usual, T)  # 3 x 5 = 15, but 5 + 20 = 25 is the bar
    assert is_busy_day(26, usual, T)
    assert not is_busy_day(500, usual[:4], T)  # four days are not enough to judge


def _day_shift(days: int, per_day: int, start_seq: int = 1) -> list[Activity]:
    """A user who looks at cameras between 09:00 and 17:00 Paris time."""
    base = datetime(2026, 11, 1, 9, 0, tzinfo=PARIS)
    found, seq = [], start_seq
    for day in range(days):
        for i in range(per_day):
            moment = base + timedelta(days=day, minutes=480 * i // per_day)
            found.append(Activity(seq, moment.astimezone(UTC), view=True))
            seq += 1
    return found


def test_an_access_at_night_is_flagged_for_a_day_worker() -> None:
    """Thirty days of office hours, then a look at 03:00: only that one is flagged."""
    history = _day_shift(days=30, per_day=4)
    night = Activity(1000, datetime(2026, 12, 1, 3, 0, tzinfo=PARIS).astimezone(UTC), view=True)
    morning = Activity(1001, datetime(2026, 12, 1, 10, 0, tzinfo=PARIS).astimezone(UTC), True)
    flags = flag_activity([night, morning], [*history, night, morning], PARIS)
    assert flags == {1000: [OUTSIDE_USUAL_HOURS]}


def test_the_views_past_a_busy_threshold_are_flagged() -> None:
    """Four views a day as a rule; on a day of 40, views 25 onwards are the unusual ones."""
    history = _day_shift(days=10, per_day=4)
    burst_day = datetime(2026, 11, 11, 9, 0, tzinfo=PARIS)
    burst = [
        Activity(500 + i, (burst_day + timedelta(minutes=5 * i)).astimezone(UTC), view=True)
        for i in range(40)
    ]
    flags = flag_activity(burst, [*history, *burst], PARIS)
    # median 4: the bar is max(3 x 4, 4 + 20) = 24 views
    assert sorted(flags) == [500 + i for i in range(24, 40)]
    assert all(FAR_MORE_VIEWS in f for f in flags.values())


def test_a_burst_does_not_make_itself_usual() -> None:
    """The baseline stops the day before: a night of views is judged on earlier days only."""
    history = _day_shift(days=30, per_day=4)
    night = datetime(2026, 12, 1, 2, 0, tzinfo=PARIS)
    burst = [
        Activity(900 + i, (night + timedelta(minutes=i)).astimezone(UTC), view=True)
        for i in range(60)
    ]
    flags = flag_activity(burst, [*history, *burst], PARIS)
    assert all(OUTSIDE_USUAL_HOURS in flags[a.seq] for a in burst)


def test_a_new_user_is_never_flagged() -> None:
    """Without history there is nothing to compare with."""
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    only = [Activity(seq, at + timedelta(seconds=seq), view=True) for seq in range(1, 80)]
    assert flag_activity(only, only, PARIS) == {}
