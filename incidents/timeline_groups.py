"""Repeated alarms folded into one line that counts and spans them (pure: no I/O).

Timelines, the wall's timeline tile, the log book and the crisis report all call `group_entries`,
so a storm reads the same everywhere. How a run of repeated alarms is formed and broken:

- Entries with the same key (an alarm type; a log book adds the incident) join one run. Alarms
  received and re-sent share it: "143 alarms, 38 sources" counts both and names each sender's
  alarm once.
- A person's entry (a note, decision, acknowledgement, escalation: `is_people`) is never folded
  and ends every open run, so no group straddles what somebody wrote or decided: the reader sees
  what was known when they acted.
- A run also ends when its next alarm comes more than `gap` after its last: a later wave is
  another line.
- Alarms of other keys and csu's own entries in between (a camera attached, a clip) stay where
  they are and do not end a run: two interleaved storms read as two lines, not a zebra.
- A group stands where its first entry stood; nothing else moves. A run that stands for one
  alarm only stays that entry.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, Literal, TypeVar

from csu.i18n import SiteClock, Translator
from incidents.alarms.catalogue import type_label
from incidents.models import TimelineKind

T = TypeVar("T")
GAP = timedelta(minutes=15)
View = Literal["grouped", "people", "all"]
Family = Literal["alarms", "video_events"]


@dataclass(frozen=True)
class AlarmFacts:
    """What grouping needs to know of one alarm entry."""

    key: Hashable
    family: Family
    alarm_type: str
    at: datetime
    count: int  # alarms the entry stands for (a batch line stands for many)
    alarm_ids: tuple[int, ...]
    sources: frozenset[str]


@dataclass(frozen=True)
class AlarmGroup(Generic[T]):
    """Repeated alarms of one type as one line, with the entries it folds (to expand it)."""

    family: Family
    alarm_type: str
    first: datetime
    last: datetime
    count: int
    sources: int
    alarm_ids: tuple[int, ...]
    entries: tuple[T, ...]


@dataclass
class _Run(Generic[T]):
    slot: int
    facts: list[AlarmFacts]
    entries: list[T]


def group_entries(
    entries: Sequence[T],
    facts: Callable[[T], AlarmFacts | None],
    is_people: Callable[[T], bool],
    *,
    gap: timedelta = GAP,
) -> list[T | AlarmGroup[T]]:
    """The entries in order with each run of repeated alarms folded into one AlarmGroup."""
    out: list[T | AlarmGroup[T] | None] = []
    runs: dict[Hashable, _Run[T]] = {}
    done: list[_Run[T]] = []

    for entry in entries:
        if is_people(entry):
            done += runs.values()
            runs = {}
        fact = None if is_people(entry) else facts(entry)
        if fact is None:
            out.append(entry)
            continue
        run = runs.get(fact.key)
        if run is not None and fact.at - run.facts[-1].at > gap:
            done.append(runs.pop(fact.key))
            run = None
        if run is None:
            run = runs[fact.key] = _Run(len(out), [], [])
            out.append(None)  # the group's place, filled in below
        run.facts.append(fact)
        run.entries.append(entry)
    for run in [*done, *runs.values()]:
        out[run.slot] = _fold(run)
    return [item for item in out if item is not None]


def _fold(run: _Run[T]) -> T | AlarmGroup[T]:
    count = sum(f.count for f in run.facts)
    if count <= 1:
        return run.entries[0]
    first = run.facts[0]
    return AlarmGroup(
        family=first.family,
        alarm_type=first.alarm_type,
        first=min(f.at for f in run.facts),
        last=max(f.at for f in run.facts),
        count=count,
        sources=len(frozenset().union(*(f.sources for f in run.facts))),
        alarm_ids=tuple(dict.fromkeys(i for f in run.facts for i in f.alarm_ids)),
        entries=tuple(run.entries),
    )


@dataclass(frozen=True)
class AlarmRef:
    """A stored alarm as grouping sees it: its type and who sent it."""

    type: str
    source: str  # the camera, or the sender and its id for the alarm

    @classmethod
    def of(cls, type_: str, camera_id: str | None, source: str, external_id: str) -> AlarmRef:
        """A stored alarm's ref: a camera's alarms count as that camera, others each apart."""
        return cls(type_, camera_id or f"{source}:{external_id}")


ALARM_KINDS = frozenset({TimelineKind.ALARM_RECEIVED.value, TimelineKind.ALARM_UPDATED.value})


def timeline_facts(
    kind: str,
    at: datetime,
    data: Mapping[str, Any],
    refs: Mapping[int, AlarmRef],
    scope: Hashable = None,
) -> AlarmFacts | None:
    """An incident timeline entry's alarm facts (None: not an alarm line, or one of unknown
    alarms), `refs` giving the alarms it names; `scope` keeps apart what must not share a line."""
    if kind == TimelineKind.VIDEO_EVENT.value:
        camera = str(data.get("camera_id", ""))
        type_ = str(data.get("type") or "video")
        alarm = data.get("alarm_id")
        video_ids: tuple[int, ...] = (alarm,) if isinstance(alarm, int) else ()
        key = (scope, "video_events", type_)
        return AlarmFacts(key, "video_events", type_, at, 1, video_ids, frozenset({camera}))
    if kind not in ALARM_KINDS:
        return None
    listed = data.get("alarm_ids")
    named = listed if isinstance(listed, list) else [data.get("alarm_id")]
    ids = tuple(i for i in named if isinstance(i, int))
    known = [refs[i] for i in ids if i in refs]
    types = {r.type for r in known}
    if len(types) != 1 or len(known) != len(named):
        return None  # several types in one batch line, or alarms out of sight: it stays as is
    # A batch line names its alarms (older ones only their first 50) and counts them all.
    total = data.get("count") if isinstance(listed, list) else 1
    count = total if isinstance(total, int) and total >= len(ids) else len(ids)
    (type_,) = types
    sources = frozenset(r.source for r in known)
    return AlarmFacts((scope, "alarms", type_), "alarms", type_, at, count, ids, sources)


def label(alarm_type: str) -> str:
    """The catalogue's English label of a type, or the type itself (the timeline API's `label`;
    pages word a group themselves, in their own language)."""
    return type_label(alarm_type, "en")


def describe_group(group: AlarmGroup[Any], clock: SiteClock) -> str:
    """One line for print in the site's language and on its clock ("143 alarmes « Point
    lumineux éteint », 21:04-21:19, 38 sources", with an en dash)."""
    t = Translator(clock.language)
    span = t("timeline.span", first=clock.time(group.first), last=clock.time(group.last))
    key = "timeline.video_group" if group.family == "video_events" else "timeline.group"
    return t(
        key,
        count=clock.count(group.count),
        label=type_label(group.alarm_type, clock.language),
        span=span,
        sources=t("timeline.sources", count=clock.count(group.sources)),
    )
