"""The Forum's aggregation: districts, services, the delay and the day's activity (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from incidents.alarms.catalogue import Domain
from incidents.forum_districts import DISTRICTS, district_of
from incidents.forum_view import (
    FAMILY_SERVICE,
    IncidentFact,
    Level,
    Service,
    aggregate,
    level_of,
    service_of,
    shown_time,
)
from incidents.geo import LonLat

NOW = datetime(2026, 12, 7, 10, 47, 13, tzinfo=UTC)  # 11:47:13 in Angers
RALLIEMENT = (-0.5536, 47.4712)
LAC_DE_MAINE = (-0.5985, 47.4530)
BELLE_BEILLE = (-0.6060, 47.4790)


def fact(
    kind: str = "lighting.feeder_down",
    severity: str = "high",
    opened: timedelta = timedelta(hours=1),
    closed: timedelta | None = None,
    where: tuple[float, float] | None = RALLIEMENT,
    status: str = "new",
) -> IncidentFact:
    opened_at = NOW - opened
    return IncidentFact(
        type=kind,
        severity=severity,
        status=status,
        opened_at=opened_at,
        updated_at=opened_at,
        closed_at=None if closed is None else NOW - closed,
        lon=None if where is None else where[0],
        lat=None if where is None else where[1],
    )


def test_points_fall_in_their_district() -> None:
    assert district_of(LonLat(*RALLIEMENT)) == "centre-ville"
    assert district_of(LonLat(*LAC_DE_MAINE)) == "lac-de-maine"
    assert district_of(LonLat(*BELLE_BEILLE)) == "belle-beille"
    assert district_of(LonLat(-0.5180, 47.4705)) == "deux-croix-banchais"
    assert district_of(LonLat(2.35, 48.85)) is None  # Paris is no district of Angers
    assert district_of(None) is None


def test_districts_are_the_quartiers_of_angers() -> None:
    names = {d.name for d in DISTRICTS}
    assert {"Centre-ville", "Doutre", "Saint-Serge", "Monplaisir", "Belle-Beille"} <= names
    assert {"La Roseraie", "Les Justices", "Lac de Maine", "Deux-Croix Banchais"} <= names
    assert len({d.id for d in DISTRICTS}) == len(DISTRICTS)
    # Each centre is its own district.
    assert all(district_of(d.centre) == d.id for d in DISTRICTS)


def test_every_family_but_other_has_a_service_and_every_service_a_family() -> None:
    assert {d.value for d in Domain} - set(FAMILY_SERVICE) == {"other"}
    assert set(FAMILY_SERVICE.values()) == set(Service)
    assert service_of("traffic_light.dark") is Service.TRAFFIC_LIGHTS
    assert service_of("fire.alarm") is Service.BUILDINGS
    assert service_of("other.thing") is None


def test_levels_follow_severity() -> None:
    assert level_of("critical") is Level.ALERT and level_of("high") is Level.ALERT
    assert level_of("medium") is Level.WATCH and level_of("informational") is Level.WATCH


def test_the_shown_moment_is_delayed_and_rounded_never_newer() -> None:
    assert shown_time(NOW) == datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    assert shown_time(NOW, timedelta(minutes=30)) == datetime(2026, 12, 7, 10, 15, tzinfo=UTC)
    for seconds in range(0, 900, 37):
        now = NOW + timedelta(seconds=seconds)
        shown = shown_time(now)
        assert shown <= now - timedelta(minutes=15) and shown.second == 0 and shown.minute % 5 == 0


def test_a_district_shows_the_worst_of_its_open_incidents() -> None:
    state = aggregate(
        [
            fact("lighting.feeder_down", "high"),
            fact("parking.full", "low"),
            fact("water.leak", "medium", where=LAC_DE_MAINE),
            fact("waste.bin_full", "low", where=(2.35, 48.85)),  # outside the city: city only
        ],
        NOW,
    )
    districts = {d.id: d for d in state.districts}
    centre = districts["centre-ville"]
    assert centre.level is Level.ALERT
    assert centre.services[Service.LIGHTING].level is Level.ALERT
    assert centre.services[Service.PARKING].level is Level.WATCH
    assert centre.services[Service.WATER].level is Level.OK
    assert districts["lac-de-maine"].services[Service.WATER].open == 1
    assert districts["lac-de-maine"].level is Level.WATCH
    assert districts["doutre"].level is Level.OK
    assert state.city[Service.WASTE].open == 1
    assert sum(d.services[Service.WASTE].open for d in state.districts) == 0
    assert state.as_of.isoformat() == "2026-12-07T11:30:00+01:00"
    assert state.delay_minutes == 15


def test_nothing_newer_than_the_delay_is_shown() -> None:
    """Opened 5 minutes ago: not yet on the Forum; closed 5 minutes ago: still open there."""
    state = aggregate(
        [
            fact("lighting.feeder_down", opened=timedelta(minutes=5)),
            fact("parking.full", "high", opened=timedelta(hours=2), closed=timedelta(minutes=5)),
            fact("waste.bin_full", "high", opened=timedelta(hours=2), closed=timedelta(minutes=40)),
        ],
        NOW,
    )
    assert state.city[Service.LIGHTING].open == 0
    assert state.city[Service.PARKING].level is Level.ALERT
    assert state.city[Service.WASTE].level is Level.OK
    assert state.activity.handled[Service.LIGHTING] == 0  # not yet known to the Forum


def test_a_resolved_incident_is_done_once_resolved_before_the_moment() -> None:
    resolved = fact("parking.full", "high", status="resolved", opened=timedelta(hours=3))
    assert aggregate([resolved], NOW).city[Service.PARKING].level is Level.OK


def test_the_day_counts_what_was_handled_by_service() -> None:
    state = aggregate(
        [
            fact("lighting.feeder_down", opened=timedelta(hours=2), closed=timedelta(hours=1)),
            fact("lighting.lamp_off", "low", opened=timedelta(hours=3)),
            fact("traffic_light.dark", opened=timedelta(hours=1)),
            fact("other.thing", opened=timedelta(hours=1)),
            fact("parking.full", opened=timedelta(hours=13)),  # yesterday, on Angers' clock
        ],
        NOW,
    )
    activity = state.activity
    assert activity.day == "2026-12-07"
    assert activity.handled[Service.LIGHTING] == 2
    assert activity.handled[Service.TRAFFIC_LIGHTS] == 1
    assert activity.handled[Service.PARKING] == 0
    assert activity.total == 4 and activity.closed == 1
