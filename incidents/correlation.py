"""Correlation of alarms and video events into incidents: pure logic over in-memory state.

An alarm joins an open incident when a rule relates their types and they are close in place and
time; else it joins the incident already grouping its source and type nearby; else it opens one.
Inhibition rules attach an explained alarm (a lamp off under a feeder down) silently. A storm
guard caps how many incidents one source may open per window, so a burst stays bounded.
"""

from __future__ import annotations

import fnmatch
import functools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from incidents.coverage import CameraCone, sees
from incidents.geo import LonLat, within_m


class RuleKind(StrEnum):
    """What a rule does when it matches."""

    CORRELATE = "correlate"  # both belong to one incident
    INHIBIT = "inhibit"  # the second is explained by the first: attached, not announced


@dataclass(frozen=True)
class Rule:
    """Relates alarm types: `first` already on an open incident, `second` arriving."""

    kind: RuleKind
    first: str  # type pattern, fnmatch style: "lighting.feeder_down", "water.*"
    second: str
    max_distance_m: float = 300.0
    window_s: float = 1800.0
    via_camera: bool = False  # matches when the arriving event's camera sees the incident


@functools.cache
def type_matches(alarm_type: str, pattern: str) -> bool:
    """fnmatch on alarm types, memoised: a storm asks the same few questions again and again."""
    return fnmatch.fnmatchcase(alarm_type, pattern)


DEFAULT_RULES: tuple[Rule, ...] = (
    Rule(RuleKind.INHIBIT, "lighting.feeder_down", "lighting.lamp_off", 500, 3600),
    Rule(RuleKind.CORRELATE, "lighting.feeder_down", "video.loss", 250, 1800),
    Rule(RuleKind.CORRELATE, "video.loss", "lighting.feeder_down", 250, 1800),
    Rule(RuleKind.CORRELATE, "water.pressure_drop", "water.flood_sensor", 600, 3600),
    Rule(RuleKind.CORRELATE, "water.flood_sensor", "water.pressure_drop", 600, 3600),
    Rule(RuleKind.CORRELATE, "water.main_burst", "water.*", 600, 3600),
    Rule(RuleKind.CORRELATE, "building.intrusion", "video.motion", 0, 600, via_camera=True),
    Rule(RuleKind.CORRELATE, "building.intrusion", "video.analytics*", 0, 600, via_camera=True),
    Rule(RuleKind.CORRELATE, "building.fire_alarm", "video.analytics.fire", 0, 600, True),
)


@dataclass(frozen=True)
class AlarmFacts:
    """What correlation needs to know of one stored alarm."""

    alarm_id: int | None  # None before a new alarm is inserted
    source: str
    type: str
    occurred_at: datetime
    position: LonLat | None
    camera_id: str | None = None
    exercise_id: int | None = None  # an exercise's alarm joins only that exercise's incidents


@dataclass
class OpenIncident:
    """An open incident as correlation sees it."""

    incident_id: int
    anchor: LonLat | None
    opened_at: datetime
    last_at: datetime
    types: set[str] = field(default_factory=set)
    groups: set[tuple[str, str]] = field(default_factory=set)  # (source, type)
    storm_source: str | None = None
    exercise_id: int | None = None


class Action(StrEnum):
    """Where the alarm goes."""

    JOIN = "join"
    OPEN = "open"


@dataclass(frozen=True)
class Decision:
    """The outcome for one alarm, with the reason an operator can read on the timeline."""

    action: Action
    incident_id: int | None
    inhibited: bool
    why: str
    storm: bool = False


@dataclass(frozen=True)
class CorrelationSettings:
    """Windows and limits; the site may tune them."""

    group_window_s: float = 900.0
    group_radius_m: float = 500.0
    storm_window_s: float = 60.0
    storm_max_opens: int = 10


class Correlator:
    """Holds the open incidents and decides where each new alarm belongs."""

    def __init__(
        self,
        *,
        rules: Sequence[Rule] = DEFAULT_RULES,
        cameras: Iterable[CameraCone] = (),
        settings: CorrelationSettings | None = None,
    ) -> None:
        self.rules = tuple(rules)
        self._rules_by_type: dict[str, tuple[Rule, ...]] = {}
        self.cameras = {c.camera_id: c for c in cameras}
        self.settings = settings or CorrelationSettings()
        self.open: dict[int, OpenIncident] = {}
        self._opens_by_source: dict[str, deque[datetime]] = {}
        # (source, type) -> open incidents holding such an alarm: grouping looks only at those.
        self._by_group: dict[tuple[str, str], set[int]] = {}
        self._by_type: dict[str, set[int]] = {}  # alarm type -> open incidents holding one
        self._storms: dict[str, set[int]] = {}  # source -> its open storm incidents

    def position_of(self, facts: AlarmFacts) -> LonLat | None:
        """The alarm's place, or its camera's when it has none (video events)."""
        if facts.position is not None:
            return facts.position
        camera = self.cameras.get(facts.camera_id or "")
        return camera.position if camera else None

    def decide(self, facts: AlarmFacts) -> Decision:
        """Where this alarm belongs; call `joined` or `opened` with the outcome afterwards."""
        place = self.position_of(facts)
        for rule in self._rules_for(facts.type):
            incident = self._related(rule, facts, place)
            if incident is not None:
                earlier = next(t for t in incident.types if type_matches(t, rule.first))
                inhibited = rule.kind is RuleKind.INHIBIT
                verb = "explained by" if inhibited else "related to"
                why = f"{facts.type} {verb} {earlier} (rule {rule.first} -> {rule.second})"
                return Decision(Action.JOIN, incident.incident_id, inhibited, why)
        grouped = self._group(facts, place)
        if grouped is not None:
            return Decision(Action.JOIN, grouped.incident_id, False, "same source and type nearby")
        storm = self._storm_incident(facts)
        if storm is not None:
            why = f"alarm storm from {facts.source}: grouped to keep the console readable"
            return Decision(Action.JOIN, storm.incident_id, False, why, storm=True)
        if self._storming(facts.source, facts.occurred_at):
            return Decision(Action.OPEN, None, False, f"alarm storm from {facts.source}", True)
        return Decision(Action.OPEN, None, False, "no open incident relates to it")

    def _rules_for(self, arriving: str) -> tuple[Rule, ...]:
        # Most rules cannot apply to a type at all: found once per type, not per alarm.
        rules = self._rules_by_type.get(arriving)
        if rules is None:
            rules = tuple(r for r in self.rules if type_matches(arriving, r.second))
            self._rules_by_type[arriving] = rules
        return rules

    def opened(self, incident_id: int, facts: AlarmFacts, *, storm: bool = False) -> None:
        """Record that `facts` opened a new incident."""
        place = self.position_of(facts)
        self.open[incident_id] = OpenIncident(
            incident_id,
            place,
            facts.occurred_at,
            facts.occurred_at,
            storm_source=facts.source if storm else None,
            exercise_id=facts.exercise_id,
        )
        if storm:
            self._storms.setdefault(facts.source, set()).add(incident_id)
        self._opens_by_source.setdefault(facts.source, deque()).append(facts.occurred_at)
        self.joined(incident_id, facts)

    def joined(self, incident_id: int, facts: AlarmFacts) -> None:
        """Record that `facts` is now part of the incident."""
        incident = self.open.get(incident_id)
        if incident is None:
            return
        incident.types.add(facts.type)
        incident.groups.add((facts.source, facts.type))
        self._by_group.setdefault((facts.source, facts.type), set()).add(incident_id)
        self._by_type.setdefault(facts.type, set()).add(incident_id)
        incident.last_at = max(incident.last_at, facts.occurred_at)
        if incident.anchor is None:
            incident.anchor = self.position_of(facts)

    def restore(self, incident: OpenIncident) -> None:
        """Take back an incident left open before a restart."""
        self.open[incident.incident_id] = incident
        if incident.storm_source is not None:
            self._storms.setdefault(incident.storm_source, set()).add(incident.incident_id)
        for group in incident.groups:
            self._by_group.setdefault(group, set()).add(incident.incident_id)
        for alarm_type in incident.types:
            self._by_type.setdefault(alarm_type, set()).add(incident.incident_id)

    def closed(self, incident_id: int) -> None:
        """The incident no longer takes alarms."""
        incident = self.open.pop(incident_id, None)
        for group in incident.groups if incident else ():
            self._by_group.get(group, set()).discard(incident_id)
        for alarm_type in incident.types if incident else ():
            self._by_type.get(alarm_type, set()).discard(incident_id)
        if incident is not None and incident.storm_source is not None:
            self._storms.get(incident.storm_source, set()).discard(incident_id)

    def forget_all(self) -> None:
        """Drop every open incident (before restoring them from the database)."""
        self.open.clear()
        self._opens_by_source.clear()
        self._by_group.clear()
        self._by_type.clear()
        self._storms.clear()

    def _related(self, rule: Rule, facts: AlarmFacts, place: LonLat | None) -> OpenIncident | None:
        # The most recently active incident holding an alarm of the rule's first type, within
        # its window and reach. One pass, no sorting: a storm asks this for every alarm.
        holders = (
            incident_id
            for alarm_type, ids in self._by_type.items()
            if type_matches(alarm_type, rule.first)
            for incident_id in ids
        )
        return self._latest(
            holders,
            facts.occurred_at - timedelta(seconds=rule.window_s),
            lambda incident: self._close_enough(rule, incident, facts, place),
            facts.exercise_id,
        )

    def _latest(
        self,
        ids: Iterable[int],
        horizon: datetime,
        near: Callable[[OpenIncident], bool],
        exercise_id: int | None,
    ) -> OpenIncident | None:
        # Of these open incidents (storms aside) of the same watch, real or one exercise, the
        # most recently active since `horizon` that is `near`; the place is checked only for
        # one that would be the latest so far.
        best: OpenIncident | None = None
        for incident_id in ids:
            incident = self.open.get(incident_id)
            if incident is None or incident.storm_source is not None:
                continue
            if incident.exercise_id != exercise_id:
                continue
            if incident.last_at < horizon or (best and incident.last_at <= best.last_at):
                continue
            if near(incident):
                best = incident
        return best

    def _close_enough(
        self, rule: Rule, incident: OpenIncident, facts: AlarmFacts, place: LonLat | None
    ) -> bool:
        if incident.anchor is None:
            return False
        if rule.via_camera:
            camera = self.cameras.get(facts.camera_id or "")
            return camera is not None and sees(camera, incident.anchor) is not None
        return place is not None and within_m(place, incident.anchor, rule.max_distance_m)

    def _group(self, facts: AlarmFacts, place: LonLat | None) -> OpenIncident | None:
        # The most recently active incident of the same source and type, within the window and
        # the radius. Without both positions, source and type alone decide (no geometry).
        s = self.settings

        def near(incident: OpenIncident) -> bool:
            anchor = incident.anchor
            return place is None or anchor is None or within_m(place, anchor, s.group_radius_m)

        return self._latest(
            self._by_group.get((facts.source, facts.type), ()),
            facts.occurred_at - timedelta(seconds=s.group_window_s),
            near,
            facts.exercise_id,
        )

    def _storming(self, source: str, at: datetime) -> bool:
        opens = self._opens_by_source.get(source)
        if not opens:
            return False
        horizon = at - timedelta(seconds=self.settings.storm_window_s)
        while opens and opens[0] < horizon:
            opens.popleft()
        return len(opens) >= self.settings.storm_max_opens

    def _storm_incident(self, facts: AlarmFacts) -> OpenIncident | None:
        horizon = facts.occurred_at - timedelta(seconds=self.settings.storm_window_s)
        for incident_id in self._storms.get(facts.source, ()):
            incident = self.open.get(incident_id)
            if incident is None or incident.exercise_id != facts.exercise_id:
                continue
            if incident.last_at >= horizon:
                return incident
        return None
