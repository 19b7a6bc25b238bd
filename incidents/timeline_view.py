"""An incident's timeline as a reader asks for it: grouped (repeated alarms folded into one
line), people only, or every entry as written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, Field

from csu.times import UtcTime
from incidents.records import AlarmRow
from incidents.timeline_groups import (
    AlarmFacts,
    AlarmGroup,
    AlarmRef,
    Family,
    View,
    group_entries,
    label,
    timeline_facts,
)

GROUP_KIND = "alarm_group"


class TimelineGroup(BaseModel):
    """Repeated alarms folded into one line; `alarm_ids` expand it."""

    family: Family = Field(description="alarms (received or re-sent) or video_events.")
    alarm_type: str
    label: str = Field(description="The type's name in the catalogue (English).")
    count: int = Field(description="How many alarms (or events) the line stands for.")
    sources: int = Field(description="How many distinct senders' alarms or cameras.")
    first: UtcTime
    last: UtcTime
    alarm_ids: list[int] = Field(description="The alarms the line folds, oldest first.")
    entries: int = Field(description="How many timeline entries the line folds.")


class TimelineItem(BaseModel):
    """One timeline entry, or (kind alarm_group) repeated alarms folded into one line."""

    at: UtcTime
    kind: str
    author: str | None
    text: str
    data: dict[str, Any]
    group: TimelineGroup | None = None


TimelineView = View


def alarm_refs(alarms: Iterable[AlarmRow]) -> dict[int, AlarmRef]:
    """Alarm id -> its type and its sender's identity (the camera, or the sender and its id)."""
    return {
        a.id: AlarmRef.of(a.type, a.camera_id, a.source, a.external_id)
        for a in alarms
        if a.id is not None
    }


def is_people(item: TimelineItem) -> bool:
    """Written by a person: a note, acknowledgement, assignment, escalation, decision, step."""
    return item.author is not None


def timeline_items(
    items: Sequence[TimelineItem], refs: dict[int, AlarmRef], view: TimelineView
) -> list[TimelineItem]:
    """The entries for the view: people only, every one, or repeated alarms grouped."""
    if view == "all":
        return list(items)
    if view == "people":
        return [i for i in items if is_people(i)]

    def facts(item: TimelineItem) -> AlarmFacts | None:
        return timeline_facts(item.kind, item.at, item.data, refs)

    return [
        _group_item(i) if isinstance(i, AlarmGroup) else i
        for i in group_entries(items, facts, is_people)
    ]


def _group_item(group: AlarmGroup[TimelineItem]) -> TimelineItem:
    what = "video events" if group.family == "video_events" else "alarms"
    text = f"{group.count} {what}: {label(group.alarm_type)}, {group.sources} sources"
    view = TimelineGroup(
        family=group.family,
        alarm_type=group.alarm_type,
        label=label(group.alarm_type),
        count=group.count,
        sources=group.sources,
        first=group.first,
        last=group.last,
        alarm_ids=list(group.alarm_ids),
        entries=len(group.entries),
    )
    return TimelineItem(
        at=group.first, kind=GROUP_KIND, author=None, text=text, data={}, group=view
    )
