"""Per-camera and per-user activity over a period: counts, who or what, time watched, flags."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from csu.db import Database
from privacy.access_log import Outcome
from privacy.access_log.rows import stream_tuples
from privacy.audit.stats import DEFAULT_THRESHOLDS, Thresholds
from privacy.audit.unusual import VIEW_ACTIONS, Subject, unusual_flags

LIVE_END = "video.live_end"
_COLUMNS = ("seq", "at", "action", "user", "camera_id", "outcome", "details")


class SummaryBy(StrEnum):
    """What the summary groups by."""

    CAMERA = "camera"
    USER = "user"


class ActivitySummary(BaseModel):
    """One camera's or one user's activity in the period."""

    key: str
    entries: int
    granted: int
    denied: int
    views: int
    live_seconds: float
    actions: dict[str, int]
    users: list[str]  # who acted (by camera) or, by user, their own name
    cameras: list[str]  # which cameras were concerned
    first_at: datetime
    last_at: datetime
    unusual: list[str]
    unusual_entries: int


@dataclass
class _Tally:
    entries: int = 0
    granted: int = 0
    denied: int = 0
    views: int = 0
    live_seconds: float = 0.0
    actions: Counter[str] = field(default_factory=Counter)
    users: set[str] = field(default_factory=set)
    cameras: set[str] = field(default_factory=set)
    seqs: list[int] = field(default_factory=list)
    first_at: datetime | None = None
    last_at: datetime | None = None


def summarise(
    db: Database,
    *,
    by: SummaryBy,
    since: datetime,
    until: datetime,
    zone: tzinfo,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[ActivitySummary]:
    """Activity per camera or per user with entries in [since, until), busiest first."""
    tallies: dict[str, _Tally] = {}
    subjects: list[Subject] = []
    for row in stream_tuples(db, _COLUMNS, since=since, until=until):
        seq, at_text, action, user, camera_id, outcome, details = row
        key = camera_id if by is SummaryBy.CAMERA else user
        if key is None:
            continue
        at = _parse(at_text)
        _count(tallies.setdefault(key, _Tally()), seq, at, action, user, camera_id, outcome)
        if action == LIVE_END:
            tallies[key].live_seconds += _duration(details)
        subjects.append((seq, at, action, user))
    flags = unusual_flags(db, subjects, zone, thresholds)
    summaries = [_summary(key, tally, flags) for key, tally in tallies.items()]
    return sorted(summaries, key=lambda s: (-s.entries, s.key))


def _parse(text: Any) -> datetime:
    moment = text if isinstance(text, datetime) else datetime.fromisoformat(str(text))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _count(
    tally: _Tally,
    seq: int,
    at: datetime,
    action: str,
    user: str | None,
    camera_id: str | None,
    outcome: str,
) -> None:
    tally.entries += 1
    tally.granted += outcome == Outcome.GRANTED.value
    tally.denied += outcome == Outcome.DENIED.value
    tally.views += action in VIEW_ACTIONS and outcome == Outcome.GRANTED.value
    tally.actions[action] += 1
    if user:
        tally.users.add(user)
    if camera_id:
        tally.cameras.add(camera_id)
    tally.seqs.append(seq)
    tally.first_at = at if tally.first_at is None else min(tally.first_at, at)
    tally.last_at = at if tally.last_at is None else max(tally.last_at, at)


def _duration(details: str) -> float:
    try:
        value = json.loads(details).get("duration_s", 0)
    except (ValueError, AttributeError):
        return 0.0
    return float(value) if isinstance(value, int | float) else 0.0


def _summary(key: str, tally: _Tally, flags: dict[int, list[str]]) -> ActivitySummary:
    flagged = [flags[s] for s in tally.seqs if s in flags]
    assert tally.first_at is not None and tally.last_at is not None
    return ActivitySummary(
        key=key,
        entries=tally.entries,
        granted=tally.granted,
        denied=tally.denied,
        views=tally.views,
        live_seconds=round(tally.live_seconds, 3),
        actions=dict(sorted(tally.actions.items())),
        users=sorted(tally.users),
        cameras=sorted(tally.cameras),
        first_at=tally.first_at,
        last_at=tally.last_at,
        unusual=_labels(flagged),
        unusual_entries=len(flagged),
    )


def _labels(flagged: Iterable[Sequence[str]]) -> list[str]:
    return list(dict.fromkeys(label for labels in flagged for label in labels))
