"""Scenario files: read strictly, every problem one line naming its key path."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crisis.scenarios.loader import ScenarioError, check_scenario_file, parse_scenario


def _errors(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "s.yaml")
    return caught.value.errors


def test_a_valid_scenario_reads_with_its_times(small_text: str) -> None:
    scenario = parse_scenario(small_text)
    assert scenario.name == "essai"
    assert [step.at for step in scenario.steps] == [
        timedelta(0),
        timedelta(seconds=90),
        timedelta(minutes=5),
    ]
    assert [step.kind for step in scenario.steps] == ["alarm", "inject", "camera"]
    assert scenario.steps[1].expect[0].within == timedelta(minutes=5)


def test_an_unknown_alarm_type_names_its_path_and_the_closest_type(small_text: str) -> None:
    text = small_text.replace("type: water.flood_sensor", "type: water.flood", 1)
    assert _errors(text) == [
        "steps[0].alarm.type: 'water.flood' is not a csu alarm type "
        "(did you mean 'water.flood_sensor'?)"
    ]


def test_structural_problems_are_all_listed(small_text: str) -> None:
    text = (
        small_text.replace("name: essai", "name: Essai Un")
        .replace("{fr: Essai, en: Trial}", "{fr: Essai}")
        .replace("camera: {camera: cam-mail-parking, event: video_loss}", "camera: {camera: c}")
        .replace("action: open_crisis", "action: fly")
    )
    errors = _errors(text)
    assert errors[0].startswith("name: must be 1 to 64 lowercase letters")
    assert "title.en: required" in errors
    assert "steps[2].camera.event: required" in errors
    action = "steps[1].expect[0].action: must be one of acknowledge"
    assert any(e.startswith(action) for e in errors)


def test_a_step_carries_exactly_one_payload(small_text: str) -> None:
    text = small_text.replace(
        'inject: {fr: "La préfecture appelle", en: "The prefecture calls"}',
        'inject: {fr: "a", en: "b"}\n    cap: "<alert/>"',
    )
    assert _errors(text) == [
        "steps[1]: a step carries exactly one of alarm, cap, ngsi_ld, camera, inject "
        "(got cap, inject)"
    ]


def test_times_order_ids_placeholders_and_expectations_are_checked(small_text: str) -> None:
    text = (
        small_text.replace("at: 90", "at: 700")
        .replace('"EAU-{{run}}-1"', '"EAU-1"\n      occurred_at: "{{now}}"')
        .replace("alarm_type: water.flood_sensor", "alarm_type: nope")
        .replace("within: 300", "within: 0")
    )
    assert _errors(text) == [
        "steps[1].at: +00:11:40 is after the scenario's end (duration +00:10:00)",
        "steps[2].at: +00:05:00 is before the previous step (+00:11:40); "
        "write the steps in time order",
        "steps[0].expect[0].alarm_type: 'nope' is not a csu alarm type",
        "steps[0].alarm: unknown placeholder {{now}} (use {{run}}, {{sent}} or {{sent+HH:MM:SS}})",
        "steps[0].alarm.external_id: must contain {{run}}, so that each run's alarms are its own",
        "steps[0].alarm.occurred_at: '{{now}}' is not an ISO 8601 date-time",
        "steps[1].expect[0].within: must be more than 0 seconds",
    ]


def test_a_cap_step_is_refused_by_the_real_cap_adapter(small_text: str) -> None:
    text = small_text.replace(
        'inject: {fr: "La préfecture appelle", en: "The prefecture calls"}',
        'cap: "<alert xmlns=\\"urn:oasis:names:tc:emergency:cap:1.2\\"/>"',
    )
    assert _errors(text) == ["steps[1].cap: identifier: required"]


def test_bad_offsets_and_yaml_are_one_line_each(small_text: str, tmp_path: Path) -> None:
    # YAML reads an unquoted 1:30 as sexagesimal 90: the seconds it means
    assert parse_scenario(small_text.replace("at: 90", "at: 1:30")).steps[1].at.seconds == 90
    assert _errors(small_text.replace("at: 90", 'at: "1h30"')) == [
        "steps[1].at: must be '+HH:MM:SS' or a number of seconds (got '1h30')"
    ]
    assert _errors("name: [a\n") == [
        "s.yaml:2:1: YAML syntax error: expected ',' or ']', but got '<stream end>'"
    ]
    assert _errors("- a\n") == [
        "s.yaml: a scenario is a mapping (name, title, description, duration, steps), got list"
    ]
    assert _errors("name: a\nname: b\n") == ["s.yaml:2:1: duplicate key 'name'"]
    missing = tmp_path / "absent.yaml"
    assert check_scenario_file(missing) == [
        f"{missing}: cannot read scenario: No such file or directory"
    ]
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"name: \xff\n")
    assert check_scenario_file(binary) == [
        f"{binary}: cannot read scenario: not UTF-8 text (bad byte at offset 6)"
    ]
