"""Correlation decisions: rules, inhibition, grouping and the storm guard."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from incidents.correlation import Action, AlarmFacts, CorrelationSettings, Correlator
from incidents.coverage import CameraCone
from tests.incidents.test_coverage import RALLIEMENT, east_of, north_of

T0 = datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
_ids = itertools.count(1)


def facts(
    type_: str,
    *,
    at_s: float = 0,
    where=RALLIEMENT,
    source: str = "hypervisor",  # type: ignore[no-untyped-def]
    camera: str | None = None,
) -> AlarmFacts:
    """An alarm of a type, some seconds after T0, at a place."""
    return AlarmFacts(next(_ids), source, type_, T0 + timedelta(seconds=at_s), where, camera)


def feed(correlator: Correlator, alarm: AlarmFacts, next_id: itertools.count[int]) -> int:  # type: ignore[type-arg]
    """Decide and record, as the service does; returns the incident id."""
    decision = correlator.decide(alarm)
    if decision.action is Action.OPEN:
        incident_id = next(next_id)
        correlator.opened(incident_id, alarm, storm=decision.storm)
        return incident_id
    assert decision.incident_id is not None
    correlator.joined(decision.incident_id, alarm)
    return decision.incident_id


CAM_FACING_BUILDING = CameraCone("cam-hall", north_of(RALLIEMENT, -40), 0, 60, 80)
CAM_ELSEWHERE = CameraCone("cam-away", east_of(RALLIEMENT, 500), 90, 60, 80)


def _correlator(**kw) -> Correlator:  # type: ignore[no-untyped-def]
    return Correlator(cameras=[CAM_FACING_BUILDING, CAM_ELSEWHERE], **kw)


def test_feeder_down_and_video_loss_on_the_same_street_join() -> None:
    """A camera going dark 100 m from a feeder fault belongs to the same incident."""
    c, ids = _correlator(), itertools.count(1)
    first = feed(c, facts("lighting.feeder_down"), ids)
    near_cam = CameraCone("cam-street", north_of(RALLIEMENT, 100), 180, 60, 80)
    c.cameras[near_cam.camera_id] = near_cam
    loss = facts("video.loss", at_s=120, where=None, source="csu", camera="cam-street")
    decision = c.decide(loss)
    assert decision.action is Action.JOIN and decision.incident_id == first
    assert "video.loss related to lighting.feeder_down" in decision.why
    assert (
        feed(c, facts("video.loss", at_s=120, where=None, source="csu", camera="cam-away"), ids)
        != first
    )


def test_lamp_off_under_a_feeder_down_is_inhibited() -> None:
    """A lamp-off alarm explained by the feeder fault joins silently; a distant one does not."""
    c, ids = _correlator(), itertools.count(1)
    feeder = feed(c, facts("lighting.feeder_down"), ids)
    explained = c.decide(facts("lighting.lamp_off", at_s=30, where=east_of(RALLIEMENT, 200)))
    assert (
        explained.action is Action.JOIN and explained.inhibited and explained.incident_id == feeder
    )
    far = c.decide(facts("lighting.lamp_off", at_s=30, where=east_of(RALLIEMENT, 3000)))
    assert far.action is Action.OPEN and not far.inhibited


def test_a_related_alarm_joins_the_latest_incident_in_reach_and_window() -> None:
    """Of three feeder faults, the lamp-off goes under the latest one that is near enough."""
    c, ids = _correlator(), itertools.count(1)
    older = feed(c, facts("lighting.feeder_down", source="a"), ids)
    newer = feed(
        c, facts("lighting.feeder_down", at_s=60, where=north_of(RALLIEMENT, 300), source="b"), ids
    )
    feed(
        c, facts("lighting.feeder_down", at_s=120, where=east_of(RALLIEMENT, 2000), source="c"), ids
    )
    lamp = facts("lighting.lamp_off", at_s=180, where=north_of(RALLIEMENT, 150))
    decision = c.decide(lamp)
    assert decision.incident_id == newer and decision.inhibited
    assert "lamp_off explained by lighting.feeder_down" in decision.why
    late = facts("lighting.lamp_off", at_s=3600 + 61, where=north_of(RALLIEMENT, 150))
    assert c.decide(late).action is Action.OPEN  # both near ones are beyond the rule's hour
    assert older != newer


def test_water_pressure_drop_and_flood_sensor() -> None:
    """Related water alarms 300 m apart join; 2 km apart they stay separate."""
    c, ids = _correlator(), itertools.count(1)
    drop = feed(c, facts("water.pressure_drop"), ids)
    assert (
        c.decide(facts("water.flood_sensor", at_s=600, where=north_of(RALLIEMENT, 300))).incident_id
        == drop
    )
    assert (
        c.decide(facts("water.flood_sensor", at_s=600, where=north_of(RALLIEMENT, 2000))).action
        is Action.OPEN
    )
    assert (
        c.decide(facts("water.flood_sensor", at_s=7200, where=north_of(RALLIEMENT, 300))).action
        is Action.OPEN
    )


def test_intrusion_joins_motion_only_on_a_camera_that_sees_the_building() -> None:
    """Coverage decides: motion on the camera facing the building joins, elsewhere it does not."""
    c, ids = _correlator(), itertools.count(1)
    intrusion = feed(c, facts("building.intrusion", source="bms"), ids)
    seen = c.decide(facts("video.motion", at_s=20, where=None, source="onvif", camera="cam-hall"))
    assert seen.action is Action.JOIN and seen.incident_id == intrusion
    unseen = c.decide(facts("video.motion", at_s=20, where=None, source="onvif", camera="cam-away"))
    assert unseen.action is Action.OPEN


def test_same_source_and_type_group_within_the_window() -> None:
    """Repeated traffic-light faults nearby group; after the window they open anew."""
    c, ids = _correlator(), itertools.count(1)
    first = feed(c, facts("traffic_light.fault"), ids)
    assert (
        feed(c, facts("traffic_light.fault", at_s=300, where=east_of(RALLIEMENT, 100)), ids)
        == first
    )
    assert (
        feed(c, facts("traffic_light.fault", at_s=300, where=east_of(RALLIEMENT, 5000)), ids)
        != first
    )
    assert feed(c, facts("traffic_light.fault", at_s=5000), ids) != first


def test_a_burst_of_ten_thousand_alarms_yields_a_bounded_number_of_incidents() -> None:
    """Random types and places from one source within a minute: incidents stay few."""
    settings = CorrelationSettings(storm_window_s=60, storm_max_opens=10)
    c, ids = _correlator(settings=settings), itertools.count(1)
    rng = random.Random(7)
    types = ["lighting.lamp_off", "parking.full", "waste.container_full", "traffic_light.fault"]
    incidents = {
        feed(
            c,
            facts(
                rng.choice(types),
                at_s=i * 0.005,
                where=east_of(
                    north_of(RALLIEMENT, rng.uniform(-5000, 5000)), rng.uniform(-5000, 5000)
                ),
            ),
            ids,
        )
        for i in range(10_000)
    }
    assert len(incidents) <= settings.storm_max_opens + 1
    other = feed(c, facts("water.main_burst", at_s=50, source="water-scada"), ids)
    assert other not in incidents  # another source is not swallowed by the storm
