"""The rules over tracks in normalised coordinates: pure, frame by frame, no model."""

from __future__ import annotations

from csu.config.analytics import (
    AbandonedObject,
    CrowdDensity,
    CrowdMovement,
    PersonDown,
    SeenLabel,
    WrongWay,
    ZoneIntrusion,
)
from video.analytics.geometry import Box, crosses, inside
from video.analytics.rules import build_rule
from video.analytics.tracks import Observation, Track

PERSON = frozenset({"person"})
FALLEN = frozenset({"person", "fallen"})
SQUARE = ((0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6))


def person_at(key: str, x: float, feet_y: float, labels: frozenset[str] = PERSON) -> Track:
    """A person 0.04 wide and 0.2 tall standing at (x, feet_y)."""
    return Track(key, Box(x - 0.02, feet_y - 0.2, x + 0.02, feet_y), labels, 0.8)


def test_geometry_inside_and_crossing() -> None:
    assert inside((0.5, 0.5), SQUARE) and not inside((0.7, 0.5), SQUARE)
    # a zone drawn to the image's edge holds a box cut by that edge
    assert inside((0.5, 1.0), ((0.0, 0.5), (1.0, 0.5), (1.0, 1.0), (0.0, 1.0)))
    line = ((0.0, 0.5), (1.0, 0.5))
    assert crosses((0.5, 0.4), (0.5, 0.6), line)
    assert not crosses((0.5, 0.4), (0.5, 0.5), line)  # touching is not crossing
    assert not crosses((0.5, 0.4), (0.5, 0.6), ((0.0, 0.5), (0.3, 0.5)))  # beyond its end


def test_zone_entry_fires_once_after_min_frames_and_rearms_on_leaving() -> None:
    rule = build_rule(ZoneIntrusion(kind="zone_intrusion", name="z", zone=SQUARE, min_frames=2))
    path = [0.3, 0.5, 0.5, 0.5, 0.7, 0.5, 0.5]  # feet y over time; inside from 0.4 to 0.6
    fired = [
        t for t, y in enumerate(path) if rule.observe(Observation(t, (person_at("p1", 0.5, y),)))
    ]
    assert fired == [2, 6]  # second frame inside; again after leaving and coming back


def test_zone_entry_ignores_other_objects() -> None:
    rule = build_rule(ZoneIntrusion(kind="zone_intrusion", name="z", zone=SQUARE, min_frames=1))
    car = Track("m1", Box(0.45, 0.3, 0.55, 0.5), frozenset({"moving"}), 1.0)
    assert rule.observe(Observation(0, (car,))) == []


def test_wrong_way_only_against_the_allowed_direction() -> None:
    config = WrongWay(
        kind="wrong_way",
        name="lane",
        line=((0.0, 0.5), (1.0, 0.5)),
        direction=(0.0, -1.0),
        objects=("moving",),
    )
    rule = build_rule(config)
    moving = frozenset({"moving"})

    def at(key: str, y: float) -> Track:
        return Track(key, Box(0.4, y - 0.05, 0.6, y + 0.05), moving, 1.0)

    hits = []
    for t, (up, down) in enumerate([(0.8, 0.2), (0.6, 0.4), (0.4, 0.6), (0.2, 0.8)]):
        hits += rule.observe(Observation(t, (at("m-up", up), at("m-down", down))))
    assert [(h.kind, h.track, h.t) for h in hits] == [("wrong_way", "m-down", 2)]


def test_crowd_density_holds_then_cools_down() -> None:
    config = CrowdDensity(
        kind="crowd_density",
        name="d",
        zone=SQUARE,
        area_m2=2.0,
        max_per_m2=1.0,
        hold_s=2.0,
        cooldown_s=10.0,
    )
    rule = build_rule(config)
    crowd = tuple(person_at(f"p{i}", 0.42 + 0.05 * i, 0.5) for i in range(3))  # 1.5 per m2
    fired = [t for t in range(20) if rule.observe(Observation(float(t), crowd))]
    assert fired == [2, 12]
    assert rule.observe(Observation(20.0, crowd[:2])) == []  # 1 per m2 is not above


def test_crowd_movement_when_many_speed_up_at_once() -> None:
    rule = build_rule(CrowdMovement(kind="crowd_movement", name="m", min_tracks=3))
    keys = ["a", "b", "c", "d"]
    hits = []
    for t in range(6):
        step = 0.01 if t < 4 else 0.1  # walking, then running: 0.5 units/s at 2 frames/s
        people = tuple(person_at(k, 0.2 + 0.1 * i, 0.5 + step * t) for i, k in enumerate(keys))
        hits += rule.observe(Observation(t * 0.5, people))
    assert [h.kind for h in hits] == ["crowd_movement"]
    assert hits[0].details["sped_up"] >= 3


def test_person_down_after_min_frames_once_per_track() -> None:
    rule = build_rule(PersonDown(kind="person_down", name="down", min_frames=3))
    labels = [PERSON, FALLEN, FALLEN, PERSON, FALLEN, FALLEN, FALLEN, FALLEN, FALLEN]
    fired = [
        t
        for t, label in enumerate(labels)
        if rule.observe(Observation(t, (person_at("p1", 0.5, 0.5, label),)))
    ]
    assert fired == [6]  # the first run of two is a flicker; then one alert only


def test_abandoned_object_needs_time_without_anybody_near() -> None:
    rule = build_rule(AbandonedObject(kind="abandoned_object", name="bag", after_s=10))
    bag = Box(0.5, 0.7, 0.54, 0.74)
    owner = person_at("p1", 0.53, 0.75)
    hits = []
    for t in range(30):
        people = (owner,) if t < 8 else ()  # the owner stays 8 s, then leaves
        hits += rule.observe(Observation(float(t), people, (bag,)))
    assert [(h.kind, h.t) for h in hits] == [("abandoned_object", 17.0)]  # last attended at 7 s


def test_fire_needs_consecutive_sightings() -> None:
    rule = build_rule(SeenLabel(kind="fire", name="fire", min_frames=2))
    flame = Track("o1", Box(0.1, 0.1, 0.2, 0.2), frozenset({"fire"}), 0.6)
    seen = [True, False, True, True, True]
    fired = [t for t, s in enumerate(seen) if rule.observe(Observation(t, (flame,) if s else ()))]
    assert fired == [3]
