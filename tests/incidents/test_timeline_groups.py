"""Grouping repeated alarms: one line per storm, people's entries untouched and in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from csu.i18n import SiteClock
from incidents.timeline_groups import (
    AlarmFacts,
    AlarmGroup,
    AlarmRef,
    describe_group,
    group_entries,
    timeline_facts,
)

T0 = datetime(2025, 1, 10, 20, 4, tzinfo=UTC)


@dataclass(frozen=True)
class E:
    """A test entry: 'people', 'system' or an alarm of type `key`, `count` alarms."""

    n: int
    role: str
    key: str = ""
    minute: int = 0
    count: int = 1


def facts(e: E) -> AlarmFacts | None:
    if e.role != "alarm":
        return None
    at = T0 + timedelta(minutes=e.minute)
    ids = tuple(range(e.n * 1000, e.n * 1000 + e.count))
    return AlarmFacts(e.key, "alarms", e.key, at, e.count, ids, frozenset({f"{e.key}{e.n % 3}"}))


def people(e: E) -> bool:
    return e.role == "people"


def flat(items: list[E | AlarmGroup[E]]) -> list[E]:
    return [e for i in items for e in (i.entries if isinstance(i, AlarmGroup) else (i,))]


def test_a_storm_is_one_line_that_counts_and_spans_it() -> None:
    storm = [E(n, "alarm", "lighting.lamp_off", minute=n // 20) for n in range(300)]
    (group,) = group_entries(storm, facts, people)
    assert isinstance(group, AlarmGroup)
    assert (group.count, group.sources, len(group.alarm_ids)) == (300, 3, 300)
    assert (group.first, group.last) == (T0, T0 + timedelta(minutes=14))
    french = describe_group(group, SiteClock("fr", "Europe/Paris"))
    assert french == "300 alarmes «\u00a0Point lumineux éteint\u00a0», 21:04\u201321:18, 3 sources"
    english = describe_group(group, SiteClock("en", "America/New_York"))
    assert english == "300 “Street lamp off” alarms, 15:04\u201315:18, 3 sources"
    one_source = AlarmGroup("alarms", "lighting.lamp_off", T0, T0, 2, 1, (1, 2), (1, 2))
    assert describe_group(one_source, SiteClock("fr", "Europe/Paris")).endswith(", 1 source")
    big = AlarmGroup("alarms", "lighting.lamp_off", T0, T0, 2298, 1200, (1,), (1,))
    assert describe_group(big, SiteClock("fr", "Europe/Paris")).startswith("2\u202f298 alarmes")
    assert describe_group(big, SiteClock("fr", "Europe/Paris")).endswith("1\u202f200 sources")
    assert describe_group(big, SiteClock("en", "Europe/Paris")).startswith("2,298 “Street")


def test_a_note_breaks_the_run_and_stays_in_place() -> None:
    entries = [E(0, "alarm", "a"), E(1, "alarm", "a"), E(2, "people"), E(3, "alarm", "a")]
    items = group_entries(entries, facts, people)
    assert [type(i).__name__ for i in items] == ["AlarmGroup", "E", "E"]
    assert items[1] == entries[2] and items[2] == entries[3]  # a lone alarm stays itself


def test_interleaved_storms_are_two_lines_and_system_entries_stay() -> None:
    entries = [E(0, "alarm", "a"), E(1, "alarm", "b"), E(2, "system"), E(3, "alarm", "a")]
    entries.append(E(4, "alarm", "b"))
    items = group_entries(entries, facts, people)
    assert [getattr(i, "alarm_type", "system") for i in items] == ["a", "b", "system"]


def test_a_later_wave_is_another_line() -> None:
    entries = [E(0, "alarm", "a"), E(1, "alarm", "a", 1), E(2, "alarm", "a", 40)]
    entries.append(E(3, "alarm", "a", 41))
    items = group_entries(entries, facts, people)
    assert [i.count for i in items if isinstance(i, AlarmGroup)] == [2, 2]


def test_a_batch_line_alone_is_a_group_to_expand() -> None:
    (group,) = group_entries([E(0, "alarm", "a", count=40)], facts, people)
    assert isinstance(group, AlarmGroup) and group.count == 40


def test_timeline_facts_from_stored_entries() -> None:
    refs = {1: AlarmRef("lighting.lamp_off", "h:1"), 2: AlarmRef("lighting.lamp_off", "h:2")}
    refs[3] = AlarmRef("water.leak", "h:3")
    one = timeline_facts("alarm_received", T0, {"alarm_id": 1, "why": "x"}, refs)
    assert one is not None and (one.count, one.alarm_ids, one.alarm_type) == (1, (1,), refs[1].type)
    batch = timeline_facts("alarm_received", T0, {"alarm_ids": [1, 2], "count": 80}, refs)
    assert batch is not None and batch.count == 80 and batch.sources == {"h:1", "h:2"}
    assert timeline_facts("alarm_received", T0, {"alarm_ids": [1, 3], "count": 2}, refs) is None
    assert timeline_facts("alarm_received", T0, {"alarm_id": 9}, refs) is None  # out of sight
    assert timeline_facts("note", T0, {}, refs) is None
    video = timeline_facts("video_event", T0, {"camera_id": "c1", "type": "video.motion"}, refs)
    assert video is not None and video.family == "video_events"


entry_roles = st.lists(
    st.tuples(
        st.sampled_from(["people", "system", "alarm", "alarm", "alarm"]),
        st.sampled_from("abc"),
        st.integers(0, 3),
        st.integers(1, 5),
    ),
    max_size=60,
)


def _entries(rows: list[tuple[str, str, int, int]]) -> list[E]:
    minute, out = 0, []
    for n, (role, key, step, count) in enumerate(rows):
        minute += step * 6  # steps of 0 to 18 minutes: some runs cross the 15-minute gap
        out.append(E(n, role, key, minute, count))
    return out


@settings(max_examples=300, deadline=None)
@given(entry_roles)
def test_properties_counts_kept_people_untouched_order_kept(
    rows: list[tuple[str, str, int, int]],
) -> None:
    entries = _entries(rows)
    items = group_entries(entries, facts, people)
    # Every entry once, none lost or doubled; alarms counted as many times as they came.
    assert sorted(e.n for e in flat(items)) == [e.n for e in entries]
    counted = sum(i.count for i in items if _alarm(i))
    assert counted == sum(e.count for e in entries if e.role == "alarm")
    # People's and csu's own entries are never folded and keep their order.
    kept = [i for i in items if isinstance(i, E) and i.role != "alarm"]
    assert kept == [e for e in entries if e.role != "alarm"]
    # Every item stands where its first entry stood; a group's entries are in order.
    firsts = [flat([i])[0].n for i in items]
    assert firsts == sorted(firsts)
    for group in (i for i in items if isinstance(i, AlarmGroup)):
        ns = [e.n for e in group.entries]
        assert ns == sorted(ns) and len({e.key for e in group.entries}) == 1
        # No group straddles a person's entry, nor a gap of more than 15 minutes.
        assert not any(e.role == "people" for e in entries[ns[0] : ns[-1]])
        minutes = [e.minute for e in group.entries]
        assert all(b - a <= 15 for a, b in pairwise(minutes))
        assert group.count == sum(e.count for e in group.entries) >= 2


def _alarm(item: E | AlarmGroup[E]) -> bool:
    return isinstance(item, AlarmGroup) or item.role == "alarm"
