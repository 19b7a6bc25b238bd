"""The scenarios csu ships: valid, played on the demo site, every alarm accepted by the real
adapters the intake parses them with."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import csu.demo
from crisis.scenarios.checker import site_problems
from crisis.scenarios.loader import SHIPPED, check_scenario_file, shipped_scenarios
from crisis.scenarios.model import Acknowledge, Escalate, Scenario, ShowOnWall
from crisis.scenarios.payloads import render
from csu.config import load_site
from incidents.alarms.adapters.cap import parse_cap
from incidents.alarms.adapters.csu_json import parse_csu_alarm
from incidents.alarms.adapters.ngsi_ld import parse_ngsi_ld_notification
from incidents.alarms.models import Alarm

DEMO_SITE = load_site(Path(csu.demo.__file__).parent / "site.yaml")
SENT = datetime(2026, 12, 7, 18, 30, tzinfo=UTC)
FILES = sorted(SHIPPED.glob("*.yaml"))


def _alarms(scenario: Scenario, run: str = "ex-test") -> list[tuple[int, Alarm]]:
    alarms: list[tuple[int, Alarm]] = []
    for index, step in enumerate(scenario.steps):
        payload = render(step, run, SENT, "fr")
        if payload.kind == "cap":
            alarms += [(index, alarm) for alarm in parse_cap(payload.body or b"")]
        elif payload.kind == "ngsi_ld":
            result = parse_ngsi_ld_notification(payload.body)
            assert result.skipped == []
            alarms += [(index, alarm) for alarm in result.alarms]
        elif payload.kind in ("alarm", "camera"):
            alarms.append((index, parse_csu_alarm(payload.body)))
    return alarms


def test_three_scenarios_are_shipped_for_angers() -> None:
    assert [s.name for s in shipped_scenarios()] == [
        "coupure-electrique-centre",
        "foule-gare-saint-laud",
        "orage-passage-souterrain",
    ]
    assert {p.stem for p in FILES} == {s.name for s in shipped_scenarios()}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_shipped_scenario_passes_check(path: Path) -> None:
    assert check_scenario_file(path) == []


@pytest.mark.parametrize("scenario", shipped_scenarios(), ids=lambda s: s.name)
def test_every_alarm_parses_through_the_real_adapters(scenario: Scenario) -> None:
    alarms = _alarms(scenario)
    kinds = {step.kind for step in scenario.steps}
    assert {"alarm", "camera", "inject"} <= kinds and {"cap", "ngsi_ld"} & kinds
    assert len(alarms) == sum(step.kind != "inject" for step in scenario.steps)
    for index, alarm in alarms:
        assert alarm.occurred_at == SENT, index
        # each run's alarms are its own: never an update of another run's or a real one
        assert "ex-test" in alarm.external_id, (index, alarm.external_id)
    raised = {alarm.type for _, alarm in alarms}
    for step in scenario.steps:
        for expected in step.expect:
            if isinstance(expected, Acknowledge | Escalate):
                assert expected.alarm_type in raised, (scenario.name, expected)


@pytest.mark.parametrize("scenario", shipped_scenarios(), ids=lambda s: s.name)
def test_shipped_scenarios_play_on_the_demo_site(scenario: Scenario) -> None:
    cameras = {camera.id for camera in DEMO_SITE.cameras}
    walls = {wall.id for wall in DEMO_SITE.walls}
    sources = {source.id for source in DEMO_SITE.alarm_sources}
    assert site_problems(scenario, cameras, walls) == []
    for step in scenario.steps:
        if step.camera is not None:
            assert step.camera.camera in cameras
        for expected in step.expect:
            if isinstance(expected, ShowOnWall):
                assert expected.camera in cameras
                assert expected.wall is None or expected.wall in walls
        if step.alarm is not None:
            assert step.alarm["source"] in sources


def test_the_weather_warning_is_a_severe_cap_alert_from_meteo_france() -> None:
    storm = next(s for s in shipped_scenarios() if s.name == "orage-passage-souterrain")
    (_, warning), *_ = _alarms(storm)
    document = render(storm.steps[0], "ex-test", SENT, "fr").document()
    assert isinstance(document, str) and "<identifier>vigilance-49-orages-ex-test-1<" in document
    assert (warning.type, warning.severity.value) == ("weather.alert", "high")
    assert warning.data["info"][0]["expires"] == "2026-12-08T00:30:00+00:00"
    assert warning.description.startswith("Orages violents attendus sur Angers")
