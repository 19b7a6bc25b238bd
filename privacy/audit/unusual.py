"""Unusual-access flags for log entries: each user's own history fetched, then pure statistics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, tzinfo

from sqlmodel import col, select

from csu.db import Database
from privacy.access_log import AccessLogEntry, Outcome
from privacy.audit.stats import DEFAULT_THRESHOLDS, Activity, Thresholds, flag_activity
from privacy.policy import Action

# Looking at pictures; a day's count of these is what "far more views" measures.
VIEW_ACTIONS = frozenset(
    a.value for a in (Action.LIVE_VIEW, Action.SNAPSHOT, Action.PLAYBACK, Action.EXPORT)
)
# Everything whose hour of day is judged: views and logins.
WATCHED_ACTIONS = VIEW_ACTIONS | {"auth.login"}

Subject = tuple[int, datetime, str, str | None]  # seq, at, action, user


def unusual_flags(
    db: Database, subjects: Iterable[Subject], zone: tzinfo, t: Thresholds = DEFAULT_THRESHOLDS
) -> dict[int, list[str]]:
    """Flags by entry seq for the watched entries among subjects; others get none."""
    per_user: dict[str, list[Activity]] = defaultdict(list)
    for seq, at, action, user in subjects:
        if user and action in WATCHED_ACTIONS:
            per_user[user].append(Activity(seq, at, action in VIEW_ACTIONS))
    flags: dict[int, list[str]] = {}
    for user, activities in per_user.items():
        start = min(a.at for a in activities) - timedelta(days=t.window_days + 1)
        end = max(a.at for a in activities) + timedelta(days=1)
        history = _history(db, user, start, end)
        flags.update(flag_activity(activities, history, zone, t))
    return flags


def _history(db: Database, user: str, start: datetime, end: datetime) -> Sequence[Activity]:
    statement = (
        select(AccessLogEntry.seq, AccessLogEntry.at, AccessLogEntry.action)
        .where(AccessLogEntry.user == user)
        .where(AccessLogEntry.outcome == Outcome.GRANTED.value)
        .where(col(AccessLogEntry.action).in_(WATCHED_ACTIONS))
        .where(col(AccessLogEntry.at) >= start)
        .where(col(AccessLogEntry.at) < end)
        .order_by(col(AccessLogEntry.seq))
    )
    with db.session() as session:
        rows = session.exec(statement).all()
    return [Activity(int(seq or 0), at, action in VIEW_ACTIONS) for seq, at, action in rows]
