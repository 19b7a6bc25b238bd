"""Unusual access as pure statistics over a user's own history: hours of day, views per day."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

OUTSIDE_USUAL_HOURS = "outside usual hours"
FAR_MORE_VIEWS = "far more views than usual"
HOURS = 24


@dataclass(frozen=True)
class Thresholds:
    """When an access counts as unusual; defaults suit a centre staffed in shifts."""

    window_days: int = 30  # history looked at, before the day of the access
    min_history: int = 50  # accesses needed before hours are judged at all
    rare_hour_share: float = 0.02  # an hour holding less of the history than this is unusual
    min_active_days: int = 5  # days with views needed before a day's count is judged
    busy_factor: float = 3.0  # a day is busy past this multiple of the median day...
    busy_min_extra: int = 20  # ...and past the median plus this many views


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Activity:
    """One access by one user: its entry, its time (aware), and whether it counts as a view."""

    seq: int
    at: datetime
    view: bool


@dataclass
class _Day:
    hours: list[int] = field(default_factory=lambda: [0] * HOURS)
    view_rank: dict[int, int] = field(default_factory=dict)  # view seq -> its place in the day


def hour_histogram(hours: Iterable[int]) -> list[int]:
    """How many accesses fell in each hour of the day."""
    counts = [0] * HOURS
    for hour in hours:
        counts[hour] += 1
    return counts


def is_unusual_hour(hour: int, histogram: Sequence[int], t: Thresholds) -> bool:
    """True when the user has enough history and this hour and its neighbours hold almost none.

    The neighbours count because shifts start and end a little early or late, and a sparse
    history leaves gaps between the hours someone does work.
    """
    total = sum(histogram)
    near = histogram[hour - 1] + histogram[hour] + histogram[(hour + 1) % HOURS]
    return total >= t.min_history and near / total < t.rare_hour_share


def is_busy_day(views_so_far: int, active_days: Sequence[int], t: Thresholds) -> bool:
    """True when this many views in one day is far above the user's median active day."""
    if len(active_days) < t.min_active_days:
        return False
    usual = statistics.median(active_days)
    return views_so_far > max(t.busy_factor * usual, usual + t.busy_min_extra)


def flag_activity(
    subjects: Sequence[Activity],
    history: Sequence[Activity],
    zone: tzinfo,
    t: Thresholds = DEFAULT_THRESHOLDS,
) -> dict[int, list[str]]:
    """Flags per subject seq, judged against the same user's history (which may include them).

    Hours are local (`zone`); the baseline is the `window_days` before the access's own day, so
    a burst never makes itself look usual. A view is flagged once the day's count passes the
    busy threshold: the views that made the day unusual, not the ordinary ones before them.
    """
    days = _by_day(history, zone)
    baselines: dict[date, tuple[list[int], list[int]]] = {}
    flags: dict[int, list[str]] = {}
    for subject in subjects:
        local = subject.at.astimezone(zone)
        day = local.date()
        if day not in baselines:
            baselines[day] = _baseline(days, day, t.window_days)
        histogram, active = baselines[day]
        found = []
        if is_unusual_hour(local.hour, histogram, t):
            found.append(OUTSIDE_USUAL_HOURS)
        rank = days[day].view_rank.get(subject.seq) if day in days else None
        if subject.view and rank is not None and is_busy_day(rank, active, t):
            found.append(FAR_MORE_VIEWS)
        if found:
            flags[subject.seq] = found
    return flags


def _by_day(history: Iterable[Activity], zone: tzinfo) -> dict[date, _Day]:
    days: dict[date, _Day] = {}
    for item in sorted(history, key=lambda a: (a.at, a.seq)):
        local = item.at.astimezone(zone)
        day = days.setdefault(local.date(), _Day())
        day.hours[local.hour] += 1
        if item.view:
            day.view_rank[item.seq] = len(day.view_rank) + 1
    return days


def _baseline(days: dict[date, _Day], day: date, window: int) -> tuple[list[int], list[int]]:
    histogram = [0] * HOURS
    active = []
    for back in range(1, window + 1):
        past = days.get(day - timedelta(days=back))
        if past is None:
            continue
        histogram = [a + b for a, b in zip(histogram, past.hours, strict=True)]
        if past.view_rank:
            active.append(len(past.view_rank))
    return histogram, active
