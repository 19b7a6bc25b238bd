"""NGSI-LD and NGSI v2: the FIWARE Alert/Anomaly examples, Orion-LD notifications, bad bodies."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incidents.alarms import (
    AlarmParseError,
    AlarmStatus,
    Severity,
    SkippedEntity,
    parse_ngsi_ld_notification,
)
from incidents.alarms.geometry import PointGeometry, PolygonGeometry

MADRID = PointGeometry(coordinates=(-3.712247222222222, 40.423852777777775))
ALERT_CONTEXT = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Alert/master/context.jsonld"
)


def _fiware(shared_data: Path, name: str) -> bytes:
    return (shared_data / "alarms" / "fiware-alert" / name).read_bytes()


def _notification(shared_data: Path, name: str) -> bytes:
    return (shared_data / "alarms" / "ngsi-ld-notifications" / name).read_bytes()


def _alert(shared_data: Path) -> dict[str, Any]:
    """The key-values traffic jam example, decoded, to build other bodies from."""
    decoded: dict[str, Any] = json.loads(_fiware(shared_data, "Alert_example.json"))
    return decoded


@pytest.mark.parametrize(
    ("name", "external_id", "context"),
    [
        ("Alert_example.json", "Alert:1", []),  # NGSI v2 key-values
        ("Alert_example-normalized.json", "Alert:1", []),  # NGSI v2 normalized, geo:json
        ("Alert_example.jsonld", "urn:ngsi-ld:Alert:Alert:1", [ALERT_CONTEXT]),
        ("Alert_example-normalized.jsonld", "urn:ngsi-ld:Alert:Alert:1", [ALERT_CONTEXT]),
        (
            "Alert_example-geojsonfeature.json",
            "urn:ngsi-ld:Alert:Alert:1",
            ["https://smartdatamodels.org/context.jsonld"],
        ),
    ],
)
def test_traffic_jam_in_every_encoding(
    shared_data: Path, name: str, external_id: str, context: list[str]
) -> None:
    result = parse_ngsi_ld_notification(_fiware(shared_data, name), None)
    assert result.skipped == []
    [alarm] = result.alarms
    assert alarm.external_id == external_id
    assert alarm.type == "traffic.jam"
    assert alarm.severity is Severity.HIGH
    assert alarm.location == MADRID
    assert alarm.occurred_at == datetime(2017, 1, 2, 9, 25, 55, tzinfo=UTC)
    assert alarm.description == "The road is completely blocked for 3kms"
    assert alarm.source == "https://account.lab.fiware.org/users/8"  # alertSource: no provider
    assert alarm.status is AlarmStatus.ACTIVE
    assert (alarm.data["category"], alarm.data["subCategory"]) == ("traffic", "trafficJam")
    assert alarm.data["validTo"] == "2017-01-02T10:25:55.00Z"
    assert alarm.data["ngsi"]["entity_type"] == "Alert"
    assert set(context) <= set(alarm.data["ngsi"]["context"])


def test_robbery_seen_by_a_camera(shared_data: Path) -> None:
    [alarm] = parse_ngsi_ld_notification(_fiware(shared_data, "Alert_example-2.json")).alarms
    assert alarm.external_id == "VisualEvent123"
    assert alarm.type == "security.alert"
    assert alarm.severity is Severity.INFORMATIONAL  # as sent
    assert alarm.source == "Camera1234"
    assert alarm.occurred_at == datetime(2017, 4, 25, 9, 25, 55, tzinfo=UTC)
    assert alarm.location == MADRID
    assert alarm.description == "Potential robbery in main building"
    assert alarm.data["subCategory"] == "robbery"
    assert alarm.data["data"] == {
        "videoURL": "www.smartsecurity.com/video123.mp4",
        "initialFrame": "80",
        "finalFrame": "120",
    }


def test_agriculture_alert_with_polygon_and_provider(shared_data: Path) -> None:
    body = _fiware(shared_data, "Alert_example-agriAlert.json")
    [alarm] = parse_ngsi_ld_notification(body).alarms
    assert alarm.source == "http://www.gaiasense.gr/en"  # dataProvider first
    assert alarm.external_id == "urn:ngsi-ld:Alert:agriculture:fungus:f57f-4610-a589"
    assert alarm.type == "environment.alert"
    assert alarm.severity is Severity.HIGH
    assert alarm.occurred_at == datetime(2019, 3, 26, 9, 25, 55, tzinfo=UTC)
    assert isinstance(alarm.location, PolygonGeometry)
    assert alarm.location.coordinates[0][0] == (22.501029968261715, 39.38499845743629)
    assert alarm.description.startswith("There is a HIGH RISK for FUNGUS")
    assert alarm.data["source"] == "gaiasense Agriculture Warnings System - NEUROPUBLIC S.A."
    assert alarm.data["data"]["potentialAction"] == "spray"


@pytest.mark.parametrize("name", ["Anomaly_example.json", "Anomaly_example-normalized.jsonld"])
def test_water_pressure_anomaly(shared_data: Path, name: str) -> None:
    [alarm] = parse_ngsi_ld_notification(_fiware(shared_data, name)).alarms
    assert alarm.external_id == "urn:ngsi-ld:1863179e-3768-4480-9167-ff21f870dd19"
    assert alarm.type == "water.pressure_drop"  # Pressure below its LOWER threshold
    assert alarm.severity is Severity.MEDIUM  # the type's default: Anomaly has no severity
    assert alarm.occurred_at == datetime(2021, 1, 14, 15, 45, tzinfo=UTC)
    assert alarm.source == "urn:ngsi-ld:Device:1863179e-3868-4480-3496-jf21f090dd20"
    assert alarm.location is None
    assert alarm.description == "Pressure crossed its lower threshold 20: measured 18.91"
    assert alarm.data["anomalousProperty"] == "Pressure"
    assert len(alarm.data["thresholdBreach"]) == 2
    assert alarm.data["detectedBy"] == "urn:ngsi-ld:Device:1863179e-3868-4480-3496-jf21f090dd20"


@pytest.mark.parametrize(
    "name",
    [
        "orion-ld_notification_keyValues.json",
        "orion-ld_notification_normalized.json",
        "orion-ld_notification_x-ngsiv2-normalized.json",
    ],
)
def test_orion_notifications_of_a_filling_sensor_are_skipped(shared_data: Path, name: str) -> None:
    result = parse_ngsi_ld_notification(_notification(shared_data, name), None)
    assert result.alarms == []
    assert result.skipped == [
        SkippedEntity(
            entity_id="urn:ngsi-ld:Device:filling001",
            entity_type="FillingLevelSensor",
            reason="entity type FillingLevelSensor is not Alert or Anomaly",
        )
    ]


def test_notification_with_an_alert_and_a_sensor(shared_data: Path) -> None:
    body = json.loads(_notification(shared_data, "orion-ld_notification_keyValues.json"))
    alert = _alert(shared_data)
    del alert["dateIssued"], alert["alertSource"]
    body["data"].insert(0, alert)
    link = '<https://example.org/csu-context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"'
    result = parse_ngsi_ld_notification(body, link)
    [alarm] = result.alarms
    assert alarm.source == "urn:ngsi-ld:Subscription:5fd0ee554eb81930c97005c1"
    assert alarm.occurred_at == datetime(2020, 12, 9, 15, 55, 46, 520000, tzinfo=UTC)  # notifiedAt
    assert (
        alarm.data["ngsi"]["notification_id"] == "urn:ngsi-ld:Notification:5fd0f3824eb81930c97005d8"
    )
    assert alarm.data["ngsi"]["context"] == ["https://example.org/csu-context.jsonld"]
    assert [skipped.entity_type for skipped in result.skipped] == ["FillingLevelSensor"]


def test_expanded_names_in_x_ngsiv2_form(shared_data: Path) -> None:
    body = json.loads(_notification(shared_data, "orion-ld_notification_x-ngsiv2-normalized.json"))
    sdm = "https://smartdatamodels.org/dataModel.Alert/"
    body["data"] = [
        {
            "id": "urn:ngsi-ld:Alert:lum-4411",
            "type": sdm + "Alert",
            sdm + "category": {"type": "Property", "value": "lighting", "metadata": {}},
            sdm + "subCategory": {"type": "Property", "value": "feeder_down"},
            sdm + "dateIssued": {"type": "Property", "value": "2026-11-25T21:04:00+01:00"},
            "https://uri.etsi.org/ngsi-ld/location": {
                "type": "GeoProperty",
                "value": {"type": "Point", "coordinates": [-0.5536, 47.4712]},
            },
        }
    ]
    [alarm] = parse_ngsi_ld_notification(body).alarms
    assert alarm.type == "lighting.feeder_down"  # csu's domain/kind extension of Alert
    assert alarm.severity is Severity.HIGH  # the type's default
    assert alarm.occurred_at == datetime(2026, 11, 25, 20, 4, tzinfo=UTC)
    assert alarm.location == PointGeometry(coordinates=(-0.5536, 47.4712))
    assert alarm.description == "Lighting feeder down (feeder_down)"
    assert alarm.source == "urn:ngsi-ld:Subscription:5fd1f31e8b9b83697b855a5d"


def test_ngsi_v2_geo_point_is_lat_lon(shared_data: Path) -> None:
    alert = _alert(shared_data)
    alert["location"] = {"type": "geo:point", "value": "47.4712, -0.5536"}
    [alarm] = parse_ngsi_ld_notification([alert]).alarms
    assert alarm.location == PointGeometry(coordinates=(-0.5536, 47.4712))


def test_naive_ngsi_date_is_utc(shared_data: Path) -> None:
    alert = _alert(shared_data)
    alert["dateIssued"] = "2017-01-02T09:25:55"
    [alarm] = parse_ngsi_ld_notification(alert).alarms
    assert alarm.occurred_at == datetime(2017, 1, 2, 9, 25, 55, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"severity": "bad"},
            "severity: 'bad' is not one of informational, low, medium, high, critical",
        ),
        ({"severity": 3}, "severity: expected a string, got number"),
        ({"dateIssued": None}, "dateIssued: required"),
        (
            {"dateIssued": "2026-11-25T21:04:00+25:00"},
            "dateIssued: '2026-11-25T21:04:00+25:00' has an invalid UTC offset",
        ),
        (
            {"location": {"type": "Point", "coordinates": [-3.71, 140.42]}},
            "location.coordinates: latitude 140.42 is outside -90..90 "
            "(GeoJSON order is [longitude, latitude])",
        ),
        (
            {"location": {"type": "Point", "coordinates": [240.0, 40.42]}},
            "location.coordinates: longitude 240.0 is outside -180..180",
        ),
        (
            {"location": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
            "location: geometry type 'LineString' is not supported (Point or Polygon)",
        ),
        (
            {"location": {"type": "geo:point", "value": "north"}},
            "location: geo:point 'north' is not 'latitude, longitude'",
        ),
        ({"id": ""}, "id: required (a string), got ''"),
        ({"type": 7}, "type: expected an entity type name, got 7"),
        ({"description": ["a"]}, "description: expected a string, got array"),
    ],
)
def test_bad_entity_fields_are_named(
    shared_data: Path, change: dict[str, Any], message: str
) -> None:
    alert = _alert(shared_data) | change
    with pytest.raises(AlarmParseError) as alone:
        parse_ngsi_ld_notification(alert)
    assert str(alone.value).startswith(message)
    body = {"id": "n1", "type": "Notification", "subscriptionId": "s1", "data": [alert]}
    with pytest.raises(AlarmParseError) as inside:
        parse_ngsi_ld_notification(body)
    named = f" ({alert['id']})" if alert.get("id") else ""
    assert str(inside.value).startswith(f"data[0]{named}: {message}")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body: expected an NGSI-LD notification or entity"),
        (b"{not json", "not valid JSON: Expecting property name enclosed in double quotes"),
        (b'{"a": NaN}', "not valid JSON: NaN is not a JSON value"),
        (b"\xff\xfe{}", "not valid JSON: the body is not UTF-8 (invalid start byte)"),
        (b"[" * 50_000, "not valid JSON: nested too deeply"),
        (42, "expected an NGSI-LD notification, an entity or a list of entities, got number"),
        (None, "expected an NGSI-LD notification, an entity or a list of entities, got null"),
        (
            {"type": "Notification", "data": {"id": "x"}},
            "data: expected a list of entities, got object",
        ),
        ({"subscriptionId": "s", "data": None}, "data: expected a list of entities, got null"),
        ({"type": "Notification", "data": ["x"]}, "data[0]: entity: expected a JSON object"),
        ({"type": "Notification", "data": [{"type": "Alert"}]}, "data[0]: id: required"),
        ({"type": "FeatureCollection", "features": 3}, "features: expected a list, got number"),
        ([{"id": "a", "type": "Alert", "severity": "x"}], "[0] (a): severity: 'x' is not one of"),
    ],
)
def test_bad_bodies_are_named(body: Any, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_ngsi_ld_notification(body)
    assert str(caught.value).startswith(message)


def test_the_body_is_not_changed(shared_data: Path) -> None:
    body = json.loads(_fiware(shared_data, "Alert_example-geojsonfeature.json"))
    before = copy.deepcopy(body)
    parse_ngsi_ld_notification(body)
    assert body == before
