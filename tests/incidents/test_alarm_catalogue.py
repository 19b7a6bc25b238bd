"""The alarm type catalogue, the mapping tables, the Alarm model and strict timestamps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from defusedxml.ElementTree import parse as parse_xml_file
from pydantic import ValidationError

from csu.i18n import LANGUAGES, catalogue
from incidents.alarms import ALARM_TYPES, Alarm, AlarmParseError, Domain, Severity, alarm_type
from incidents.alarms.adapters.cap import MSG_TYPES, STATUSES
from incidents.alarms.catalogue import missing_texts, type_labels
from incidents.alarms.mapping import (
    ANOMALY_TYPES,
    CAP_CATEGORY_TYPES,
    CAP_EVENT_TYPES,
    CAP_SEVERITIES,
    FIWARE_CATEGORY_TYPES,
    FIWARE_SUBCATEGORY_TYPES,
    ONVIF_TOPIC_TYPES,
    cap_type,
    fiware_alert_type,
)
from incidents.alarms.timestamps import parse_timestamp

REQUIRED = {
    "lighting.feeder_down", "lighting.lamp_off", "water.pressure_drop", "water.main_burst",
    "water.flood_sensor", "traffic_light.fault", "parking.full", "parking.barrier_fault",
    "building.intrusion", "building.fire_alarm", "building.technical_fault",
    "waste.container_full", "waste.container_fire", "watering.leak", "video.loss",
    "video.tamper", "video.motion", "video.analytics", "security.alert", "weather.alert",
    "civil.alert", "traffic.jam", "traffic.accident", "environment.alert", "health.alert",
    "other",
}  # fmt: skip
XSD = "{http://www.w3.org/2001/XMLSchema}"


def test_the_catalogue_has_every_required_type() -> None:
    assert set(ALARM_TYPES) >= REQUIRED


@pytest.mark.parametrize("name", sorted(ALARM_TYPES))
def test_every_type_is_complete(name: str) -> None:
    entry = ALARM_TYPES[name]
    assert entry.name == name
    assert isinstance(entry.domain, Domain)
    assert isinstance(entry.default_severity, Severity)
    assert entry.label("fr") != entry.label("en")
    for language in LANGUAGES:
        steps = entry.procedure(language)
        assert 3 <= len(steps) <= 6
        assert all(step.endswith((".", ")", "?", "»")) and len(step) > 10 for step in steps)
    # The same checklist in every language, step for step.
    assert len(entry.procedure("fr")) == len(entry.procedure("en"))


def test_every_type_has_a_label_and_a_checklist_in_every_language() -> None:
    assert missing_texts() == []
    assert type_labels("fr")["lighting.lamp_off"] == "Point lumineux éteint"
    assert type_labels("en")["lighting.lamp_off"] == "Street lamp off"


def test_the_catalogue_names_no_type_csu_does_not_have() -> None:
    for language in LANGUAGES:
        for key in catalogue().messages(language):
            if key.startswith("alarm_types."):
                name, part = key.removeprefix("alarm_types.").rsplit(".", 1)
                assert name in ALARM_TYPES, key
                assert part == "label" or part.startswith("step_"), key


def test_video_analytics_kinds_are_the_lawful_ones() -> None:
    # domain.md rule 6: the only events algorithmic analysis may raise.
    kinds = {name.split(".")[2] for name in ALARM_TYPES if name.startswith("video.analytics.")}
    assert kinds == {
        "abandoned_object", "weapon", "wrong_way", "zone_intrusion", "person_down",
        "crowd_movement", "crowd_density", "fire",
    }  # fmt: skip


def test_alarm_type_lookup_suggests_and_lists() -> None:
    assert alarm_type("water.main_burst").default_severity is Severity.CRITICAL
    with pytest.raises(AlarmParseError) as caught:
        alarm_type("water.burst")
    assert str(caught.value).startswith(
        "type: 'water.burst' is not a csu alarm type (did you mean 'water.main_burst'?)"
    )
    assert "other" in str(caught.value)


def test_every_mapping_target_is_in_the_catalogue() -> None:
    targets = {
        *FIWARE_SUBCATEGORY_TYPES.values(),
        *FIWARE_CATEGORY_TYPES.values(),
        *ANOMALY_TYPES.values(),
        *CAP_CATEGORY_TYPES.values(),
        *(name for _, name in CAP_EVENT_TYPES),
        *(name for _, name in ONVIF_TOPIC_TYPES),
    }
    assert targets <= set(ALARM_TYPES)


def test_fiware_enums_match_the_alert_schema(shared_data: Path) -> None:
    folder = shared_data / "alarms" / "fiware-alert"
    common = json.loads((folder / "alert-schema.json").read_text())
    properties = common["definitions"]["Common-Alert"]["properties"]
    assert properties["severity"]["enum"] == [severity.value for severity in Severity]
    assert set(FIWARE_CATEGORY_TYPES) == set(properties["category"]["enum"])
    alert = json.loads((folder / "Alert_schema.json").read_text())
    sub_categories = set(alert["allOf"][3]["properties"]["subCategory"]["anyOf"][0]["enum"])
    assert set(FIWARE_SUBCATEGORY_TYPES) <= sub_categories
    assert alert["required"] == ["id", "type", "alertSource", "category", "dateIssued"]


@pytest.mark.parametrize(
    ("category", "sub_category", "expected"),
    [
        ("traffic", "trafficJam", "traffic.jam"),
        ("traffic", "carAccident", "traffic.accident"),
        ("traffic", "roadClosed", "traffic.alert"),
        ("weather", "heatWave", "weather.alert"),
        ("naturalDisaster", "earthquake", "civil.alert"),
        ("security", "robbery", "security.alert"),
        ("health", "heartAttack", "health.alert"),
        ("water", "main_burst", "water.main_burst"),  # csu's domain/kind extension
        ("parking", "full", "parking.full"),
        ("spaceWeather", None, "other"),
        (None, None, "other"),
    ],
)
def test_fiware_alert_types(category: str | None, sub_category: str | None, expected: str) -> None:
    assert fiware_alert_type(category, sub_category) == expected


def test_cap_enums_match_the_official_schema(shared_data: Path) -> None:
    schema = parse_xml_file(str(shared_data / "alarms" / "cap" / "CAP-v1.2.xsd")).getroot()
    assert schema is not None

    def enumeration(name: str) -> list[str]:
        element = next(e for e in schema.iter(XSD + "element") if e.get("name") == name)
        return [value.get("value") or "" for value in element.iter(XSD + "enumeration")]

    assert enumeration("status") == list(STATUSES)
    assert enumeration("msgType") == list(MSG_TYPES)
    assert enumeration("category") == list(CAP_CATEGORY_TYPES)
    assert enumeration("severity") == list(CAP_SEVERITIES)


@pytest.mark.parametrize(
    ("categories", "events", "expected"),
    [
        (["Met"], ["SEVERE THUNDERSTORM"], "weather.alert"),
        (["Rescue"], ["Child Abduction"], "security.alert"),
        (["Safety"], ["Alerte enlèvement"], "security.alert"),
        (["Transport"], ["Multi-vehicle collision"], "traffic.accident"),
        (["Transport"], ["Road closure"], "traffic.alert"),
        (["Infra"], ["Water main break"], "water.main_burst"),
        (["Fire", "Met"], ["Fire"], "fire.alert"),
        (["CBRNE"], ["Chemical release"], "civil.alert"),
        ([], [], "civil.alert"),
    ],
)
def test_cap_types(categories: list[str], events: list[str], expected: str) -> None:
    assert cap_type(categories, events) == expected


def test_cap_severity_scale() -> None:
    assert [CAP_SEVERITIES[name] for name in ("Extreme", "Severe", "Moderate", "Minor")] == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.LOW,
    ]
    assert CAP_SEVERITIES["Unknown"] is Severity.INFORMATIONAL


def test_severity_rank_orders_the_scale() -> None:
    assert [severity.rank for severity in Severity] == [0, 1, 2, 3, 4]


def _alarm(**changes: object) -> Alarm:
    fields: dict[str, object] = {
        "source": "hypervisor",
        "external_id": "X-1",
        "type": "water.flood_sensor",
        "severity": "high",
        "occurred_at": datetime(2026, 11, 25, 21, 4, tzinfo=timezone(timedelta(hours=1))),
    }
    return Alarm.model_validate(fields | changes)


def test_alarm_model_is_frozen_utc_and_typed() -> None:
    alarm = _alarm()
    assert alarm.occurred_at == datetime(2026, 11, 25, 20, 4, tzinfo=UTC)
    assert alarm.occurred_at.tzinfo is UTC
    with pytest.raises(ValidationError):
        alarm.severity = Severity.LOW  # type: ignore[misc]
    with pytest.raises(ValidationError, match="timezone"):
        _alarm(occurred_at=datetime(2026, 11, 25, 21, 4))
    with pytest.raises(ValidationError, match=r"'water\.flod_sensor' is not a csu alarm type"):
        _alarm(type="water.flod_sensor")
    with pytest.raises(ValidationError, match=r"latitude 91\.0 is outside"):
        _alarm(location={"type": "Point", "coordinates": [0.0, 91.0]})
    with pytest.raises(ValidationError, match="extra"):
        _alarm(priority=1)
    round_trip = Alarm.model_validate_json(
        _alarm(location={"type": "Point", "coordinates": [1, 2]}).model_dump_json()
    )
    assert round_trip.location is not None and round_trip.location.coordinates == (1.0, 2.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-25T21:04:00+01:00", datetime(2026, 11, 25, 20, 4, tzinfo=UTC)),
        ("2026-11-25T21:04:00Z", datetime(2026, 11, 25, 21, 4, tzinfo=UTC)),
        ("2026-11-25T21:04Z", datetime(2026, 11, 25, 21, 4, tzinfo=UTC)),
        ("2026-11-25T21:04:00.1234567-00:00", datetime(2026, 11, 25, 21, 4, 0, 123456, tzinfo=UTC)),
        ("2026-11-25T23:30:00+23:59", datetime(2026, 11, 24, 23, 31, tzinfo=UTC)),
    ],
)
def test_timestamps(text: str, expected: datetime) -> None:
    assert parse_timestamp(text, "t") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-25T21:04:00+25:00", "t: '2026-11-25T21:04:00+25:00' has an invalid UTC offset"),
        ("2026-11-25T21:04:00+01:60", "t: '2026-11-25T21:04:00+01:60' has an invalid UTC offset"),
        ("2026-11-25T21:04:00+0100", "t: '2026-11-25T21:04:00+0100' is not an ISO 8601 date-time"),
        ("2026-11-25 21:04:00Z", "t: '2026-11-25 21:04:00Z' is not an ISO 8601 date-time"),
        ("2026-W48-3T21:04Z", "t: '2026-W48-3T21:04Z' is not an ISO 8601 date-time"),
        ("٢٠٢٦-11-25T21:04:00Z", "t: '٢٠٢٦-11-25T21:04:00Z' is not an ISO 8601 date-time"),
        ("2026-11-25T24:00:00Z", "t: '2026-11-25T24:00:00Z' is not a valid date-time"),
        ("9999-12-31T23:30:00-01:00", "t: '9999-12-31T23:30:00-01:00' is not a valid date-time"),
    ],
)
def test_bad_timestamps(text: str, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_timestamp(text, "t")
    assert str(caught.value).startswith(message)


def test_long_values_are_cut_in_messages() -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_timestamp("x" * 10_000, "t")
    assert len(str(caught.value)) < 150
