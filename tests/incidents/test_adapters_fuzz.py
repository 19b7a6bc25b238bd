"""Every shared alarm file has an adapter, and mangled inputs only ever raise AlarmParseError."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, tostring

import pytest
from defusedxml.ElementTree import fromstring

from incidents.alarms import (
    Alarm,
    AlarmParseError,
    parse_cap,
    parse_csu_alarm,
    parse_ngsi_ld_notification,
    parse_onvif_event,
)
from tests.incidents.test_adapters_csu_json import EXAMPLE as CSU_EXAMPLE

# What each file of the shared test material goes through; schemas are checked by
# test_alarm_catalogue against the mapping tables.
PARSED = {
    "cap/oasis-A1_homeland-security.xml": "cap",
    "cap/oasis-A2_severe-thunderstorm.xml": "cap",
    "cap/oasis-A3_earthquake-update.xml": "cap",
    "cap/oasis-A4_amber-multilingual.xml": "cap",
    "cap/real_au-nsw-rfs_bushfire_cap-au.xml": "cap",
    "cap/real_ca-environment-canada_update_cap-cp.xml": "cap",
    "fiware-alert/Alert_example-2.json": "ngsi",
    "fiware-alert/Alert_example-agriAlert.json": "ngsi",
    "fiware-alert/Alert_example-geojsonfeature.json": "ngsi",
    "fiware-alert/Alert_example-normalized.json": "ngsi",
    "fiware-alert/Alert_example-normalized.jsonld": "ngsi",
    "fiware-alert/Alert_example.json": "ngsi",
    "fiware-alert/Alert_example.jsonld": "ngsi",
    "fiware-alert/Anomaly_example-normalized.jsonld": "ngsi",
    "fiware-alert/Anomaly_example.json": "ngsi",
    "ngsi-ld-notifications/orion-ld_notification_keyValues.json": "ngsi",
    "ngsi-ld-notifications/orion-ld_notification_normalized.json": "ngsi",
    "ngsi-ld-notifications/orion-ld_notification_x-ngsiv2-normalized.json": "ngsi",
    "onvif/axis_metadatastream_PIR_changed.xml": "onvif",
    "onvif/axis_metadatastream_RuleEngine_MotionRegionDetector_init.xml": "onvif",
    "onvif/axis_metadatastream_VMD4_motion_active_changed.xml": "onvif",
    "onvif/axis_metadatastream_tamper_GlobalSceneChange_init.xml": "onvif",
}
SCHEMAS = {"cap/CAP-v1.2.xsd", "fiware-alert/Alert_schema.json", "fiware-alert/alert-schema.json"}
JUNK: list[Any] = [
    None, 0, -1, 1e308, True, "", " ", "x", "Alert", "2026-11-25T21:04:00+25:00", [], {}, [1, 2],
    [[1, 2]], {"type": "Property"}, {"type": "Relationship"}, {"@value": 3}, {"value": None},
    {"type": "Point", "coordinates": [1e9, 0]}, {"type": "Polygon", "coordinates": [[1, 2]]},
    {"type": "geo:point", "value": 5}, ["Alert", 3], "urn:x", "https://x.org/a#b",
]  # fmt: skip
TEXTS = [
    "", "x", "Update", "Cancel", "Test", "Extreme", "Met", "fr-FR", "-999,999", "nan,nan 1",
    "1,2 3,4", "1,2 3,4 5,6", "2026-13-01T00:00:00Z", "2026-11-25T21:04:00+25:00", "a,b,c",
    "a,b", "0", "true", "maybe", "tns1:VideoSource/SignalLoss", "1,2 -1", "\u0000",
]  # fmt: skip


def _adapter(kind: str) -> Callable[[Any], list[Alarm]]:
    if kind == "cap":
        return parse_cap
    if kind == "onvif":
        return lambda body: parse_onvif_event(body, "cam-1")
    if kind == "ngsi":
        return lambda body: parse_ngsi_ld_notification(body, None).alarms
    return lambda body: [parse_csu_alarm(body)]


def _survives(kind: str, body: Any) -> None:
    """The adapter returns alarms that serialise, or raises AlarmParseError, nothing else."""
    try:
        alarms = _adapter(kind)(body)
    except AlarmParseError as exc:
        assert str(exc)
        return
    for alarm in alarms:
        assert json.loads(alarm.model_dump_json())["external_id"] == alarm.external_id


def test_every_shared_alarm_file_has_an_adapter(shared_data: Path) -> None:
    folder = shared_data / "alarms"
    on_disk = {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}
    assert on_disk == set(PARSED) | SCHEMAS
    for name, kind in PARSED.items():
        body = (folder / name).read_bytes()
        _survives(kind, body)
        if kind != "ngsi":  # NGSI files may hold only skipped entities
            assert _adapter(kind)(body)


def _nodes(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in items:
        yield from _nodes(child, (*path, key))


def _replaced(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


def _without(value: Any, path: tuple[Any, ...]) -> Any:
    """`value` with the member at `path` removed."""
    if len(path) == 1:
        copy: Any = dict(value) if isinstance(value, dict) else list(value)
        del copy[path[0]]
        return copy
    return _replaced(value, path[:1], _without(value[path[0]], path[1:]))


def _json_cases(shared_data: Path) -> Iterator[tuple[str, Any]]:
    yield "csu", CSU_EXAMPLE
    for name, kind in PARSED.items():
        if kind == "ngsi":
            yield kind, json.loads((shared_data / "alarms" / name).read_bytes())


def test_mangled_json_only_raises_alarm_parse_errors(shared_data: Path) -> None:
    rng = random.Random(20261125)
    for kind, original in _json_cases(shared_data):
        paths = list(_nodes(original))
        for _ in range(300):
            path = rng.choice(paths)
            _survives(kind, _replaced(original, path, rng.choice(JUNK)))
        for path in paths[1:]:
            _survives(kind, _without(original, path))
        text = json.dumps(original).encode()
        for cut in rng.sample(range(len(text)), min(60, len(text))):
            _survives(kind, text[:cut])


def _elements(root: Element) -> list[Element]:
    return list(root.iter())


def test_mangled_xml_only_raises_alarm_parse_errors(shared_data: Path) -> None:
    rng = random.Random(112)
    for name, kind in PARSED.items():
        if kind == "ngsi":
            continue
        document = (shared_data / "alarms" / name).read_bytes()
        for cut in rng.sample(range(len(document)), 60):
            _survives(kind, document[:cut])
        for _ in range(60):
            at = rng.randrange(len(document))
            _survives(
                kind,
                document[:at] + bytes([rng.choice(b"<>&\"'/:, -0\x00\xff")]) + document[at + 1 :],
            )
        for _ in range(150):
            root = fromstring(document)
            element = rng.choice(_elements(root))
            if rng.random() < 0.5:
                element.text = rng.choice(TEXTS)
            else:
                attribute = rng.choice([*element.attrib, "UtcTime", "PropertyOperation", "Value"])
                element.set(attribute, rng.choice(TEXTS))
            _survives(kind, tostring(root))


@pytest.mark.parametrize("kind", ["cap", "onvif", "ngsi", "csu"])
@pytest.mark.parametrize("body", [b"", b"\x00", b"\xff\xfe", b"null", b"[]", b"{}", b"<a/>", 7])
def test_odd_bodies(kind: str, body: Any) -> None:
    _survives(kind, body)
