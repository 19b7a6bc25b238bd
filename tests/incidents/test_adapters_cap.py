"""OASIS CAP 1.2: the spec's examples, two real feeds, and documents that must be refused."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from incidents.alarms import Alarm, AlarmParseError, AlarmStatus, Severity, parse_cap
from incidents.alarms.geometry import PointGeometry, PolygonGeometry


def _read(shared_data: Path, name: str) -> bytes:
    return (shared_data / "alarms" / "cap" / name).read_bytes()


def _one(document: bytes) -> Alarm:
    alarms = parse_cap(document)
    assert len(alarms) == 1
    return alarms[0]


def _edit(document: bytes, old: str, new: str) -> bytes:
    assert old.encode() in document, f"{old!r} not in the test document"
    return document.replace(old.encode(), new.encode())


@pytest.fixture
def a1(shared_data: Path) -> bytes:
    """The spec's first example, a base for edited documents."""
    return _read(shared_data, "oasis-A1_homeland-security.xml")


def test_a1_homeland_security(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "oasis-A1_homeland-security.xml"))
    assert (alarm.source, alarm.external_id) == ("hsas@dhs.gov", "43b080713727")
    assert alarm.type == "security.alert"
    assert alarm.severity is Severity.HIGH  # Severe
    assert alarm.occurred_at == datetime(2003, 4, 2, 19, 39, 1, tzinfo=UTC)
    assert alarm.location is None  # only an areaDesc: "U.S. nationwide and interests worldwide"
    assert alarm.description.startswith("The Department of Homeland Security has elevated")
    assert alarm.status is AlarmStatus.ACTIVE
    assert alarm.references == []
    info = alarm.data["info"][0]
    assert info["language"] == "en-US"  # CAP's default when <language> is absent
    assert info["headline"] == "Homeland Security Sets Code ORANGE"
    assert info["parameter"] == [{"valueName": "HSAS", "value": "ORANGE"}]
    assert info["resource"][0]["mimeType"] == "image/gif"
    assert info["area"][0]["areaDesc"] == "U.S. nationwide and interests worldwide"
    assert alarm.data["msgType"] == "Alert"
    assert alarm.data["status"] == "Actual"


def test_a2_thunderstorm_polygon_is_lon_lat(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "oasis-A2_severe-thunderstorm.xml"))
    assert alarm.type == "weather.alert"
    assert alarm.severity is Severity.HIGH
    assert alarm.occurred_at == datetime(2003, 6, 17, 21, 57, tzinfo=UTC)
    assert isinstance(alarm.location, PolygonGeometry)
    ring = alarm.location.coordinates[0]
    assert ring[0] == (-120.14, 38.47)  # CAP "38.47,-120.14"
    assert ring[1] == (-119.95, 38.34)
    assert len(ring) == 5 and ring[0] == ring[-1]
    info = alarm.data["info"][0]
    assert info["responseType"] == ["Shelter"]
    assert info["eventCode"] == [{"valueName": "SAME", "value": "SVR"}]
    assert info["expires"] == "2003-06-17T23:00:00+00:00"
    geocodes = [code["value"] for code in info["area"][0]["geocode"]]
    assert geocodes == ["006109", "006009", "006003"]
    assert alarm.description.startswith("AT 254 PM PDT...NATIONAL WEATHER SERVICE")


def test_a3_earthquake_update_references_and_circle(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "oasis-A3_earthquake-update.xml"))
    assert alarm.external_id == "TRI13970876.2"
    assert alarm.references == ["TRI13970876.1"]
    assert alarm.data["references"] == [
        {
            "sender": "trinet@caltech.edu",
            "identifier": "TRI13970876.1",
            "sent": "2003-06-11T20:30:00-07:00",
        }
    ]
    assert alarm.data["msgType"] == "Update"
    assert alarm.status is AlarmStatus.ACTIVE
    assert alarm.type == "civil.alert"  # Geo
    assert alarm.severity is Severity.LOW  # Minor
    assert alarm.occurred_at == datetime(2003, 6, 12, 3, 56, tzinfo=UTC)
    assert alarm.location == PointGeometry(coordinates=(-115.5527, 32.9525))
    assert alarm.data["radius_m"] == 0.0
    parameters = {p["valueName"]: p["value"] for p in alarm.data["info"][0]["parameter"]}
    assert parameters["Magnitude"] == "3.4 Ml"
    assert parameters["EventID"] == "13970876"
    assert alarm.description.startswith("A minor earthquake measuring 3.4")


def test_a4_amber_alert_keeps_both_info_blocks(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "oasis-A4_amber-multilingual.xml"))
    assert [info["language"] for info in alarm.data["info"]] == ["en-US", "es-US"]
    assert alarm.data["info"][1]["event"] == "Abducción de Niño"
    assert alarm.data["info"][1]["headline"] == "Alerta Amber en el condado de Los Ángeles"
    assert alarm.data["language"] == "en-US"  # no French block: English is read
    assert alarm.description.startswith("DATE/TIME: 06/11/03, 1915 HRS.")
    assert alarm.type == "security.alert"  # Rescue, but "Child Abduction" is police work
    assert alarm.severity is Severity.HIGH
    assert alarm.location is None  # a geocode only
    assert alarm.data["info"][0]["area"][0]["geocode"] == [{"valueName": "SAME", "value": "006037"}]
    assert alarm.data["source"] == "SW"
    assert alarm.occurred_at == datetime(2003, 6, 12, 5, 39, tzinfo=UTC)


def test_nsw_bushfire_with_cap_prefix(shared_data: Path) -> None:
    document = _read(shared_data, "real_au-nsw-rfs_bushfire_cap-au.xml")
    assert b"<cap:alert xmlns:cap=" in document
    alarm = _one(document)
    assert alarm.source == "webmaster@rfs.nsw.gov.au"
    assert alarm.external_id == "tag:www.rfs.nsw.gov.au2011-10-06:40184"
    assert alarm.type == "fire.alert"
    assert alarm.severity is Severity.LOW  # Minor
    assert alarm.occurred_at == datetime(2011, 10, 5, 13, 4, tzinfo=UTC)
    assert alarm.location == PointGeometry(coordinates=(147.0598, -35.3888))
    assert alarm.data["radius_m"] == 25_000.0
    assert alarm.description.splitlines()[:2] == [
        "ALERT LEVEL: Not Applicable",
        "LOCATION: 12 Cox Street, Yerong Creek",
    ]
    assert alarm.data["code"] == ["urn:oasis:names:tc:emergency:cap:1.2:profile:CAP-AU:1.0"]
    assert len(alarm.data["info"]) == 2
    assert alarm.data["info"][0]["category"] == ["Fire", "Met"]
    geocodes = [info["area"][0]["geocode"][0]["value"] for info in alarm.data["info"]]
    assert geocodes == ["AU-NSW", "2642"]
    empty = [
        p for p in alarm.data["info"][0]["parameter"] if p["valueName"] == "AllocatedResources"
    ]
    assert empty == [{"valueName": "AllocatedResources", "value": None}]


def test_canada_update_reads_french_and_is_all_clear(shared_data: Path) -> None:
    alarm = _one(_read(shared_data, "real_ca-environment-canada_update_cap-cp.xml"))
    assert alarm.source == "cap@ec.gc.ca"
    assert alarm.references == ["2.49.0.1.124.a3f342a4.2012", "2.49.0.1.124.60f31a3a.2012"]
    assert alarm.occurred_at == datetime(2012, 5, 2, 23, 21, 4, tzinfo=UTC)  # "-00:00"
    assert alarm.data["language"] == "fr-CA"
    assert alarm.description.startswith("C'est l'épreuve")
    assert alarm.status is AlarmStatus.CLEARED  # responseType AllClear
    assert alarm.type == "weather.alert"
    assert alarm.severity is Severity.LOW
    assert isinstance(alarm.location, PolygonGeometry)
    assert alarm.location.coordinates[0][0] == (-82.9314, 42.3481)
    assert [len(info["area"]) for info in alarm.data["info"]] == [2, 2]
    assert alarm.data["code"] == ["profile:CAP-CP:0.4", "layer:EC-MSC-SMC:1.0", "layer:SOREM:1.0"]


def test_cancel_is_cancelled_with_its_references(a1: bytes) -> None:
    document = _edit(a1, "<msgType>Alert</msgType>", "<msgType>Cancel</msgType>")
    document = _edit(
        document,
        "<scope>Public</scope>",
        "<scope>Public</scope><references>hsas@dhs.gov,43b080713726,"
        "2003-04-02T14:39:01-05:00</references>",
    )
    alarm = _one(document)
    assert alarm.status is AlarmStatus.CANCELLED
    assert alarm.references == ["43b080713726"]


@pytest.mark.parametrize(
    ("status", "severity"), [("Test", Severity.INFORMATIONAL), ("Exercise", Severity.HIGH)]
)
def test_test_and_exercise_alerts_are_kept_but_marked(
    a1: bytes, status: str, severity: Severity
) -> None:
    alarm = _one(_edit(a1, "<status>Actual</status>", f"<status>{status}</status>"))
    assert alarm.severity is severity
    assert alarm.description.startswith(f"[{status}] The Department")
    assert alarm.data["status"] == status


@pytest.mark.parametrize("msg_type", ["Ack", "Error"])
def test_ack_and_error_give_no_alarm(a1: bytes, msg_type: str) -> None:
    assert parse_cap(_edit(a1, "<msgType>Alert</msgType>", f"<msgType>{msg_type}</msgType>")) == []


def test_french_block_is_read_and_severity_is_the_highest(a1: bytes) -> None:
    french = (
        "<info><language>fr-FR</language><category>Security</category>"
        "<event>Alerte</event><severity>Extreme</severity><description>Texte français"
        "</description></info></alert>"
    )
    alarm = _one(_edit(a1, "</alert>", french))
    assert alarm.description == "Texte français"
    assert alarm.severity is Severity.CRITICAL
    assert alarm.data["language"] == "fr-FR"


def test_unclosed_polygon_is_closed(a1: bytes) -> None:
    area = "<area><areaDesc>x</areaDesc><polygon>47.0,-0.5 47.1,-0.5 47.1,-0.6</polygon></area>"
    alarm = _one(_edit(a1, "</info>", area + "</info>"))
    assert isinstance(alarm.location, PolygonGeometry)
    assert alarm.location.coordinates[0] == ((-0.5, 47.0), (-0.5, 47.1), (-0.6, 47.1), (-0.5, 47.0))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "<sent>2003-04-02T14:39:01-05:00</sent>",
            "<sent>2026-11-25T21:04:00+25:00</sent>",
            "sent: '2026-11-25T21:04:00+25:00' has an invalid UTC offset",
        ),
        (
            "<sent>2003-04-02T14:39:01-05:00</sent>",
            "<sent>2026-11-25T21:04:00</sent>",
            "sent: '2026-11-25T21:04:00' has no UTC offset",
        ),
        (
            "<sent>2003-04-02T14:39:01-05:00</sent>",
            "<sent>yesterday</sent>",
            "sent: 'yesterday' is not an ISO 8601 date-time",
        ),
        ("<identifier>43b080713727</identifier>", "", "identifier: required"),
        ("<status>Actual</status>", "<status>Real</status>", "status: 'Real' is not one of"),
        ("<msgType>Alert</msgType>", "<msgType>Alarm</msgType>", "msgType: 'Alarm' is not one"),
        (
            "<severity>Severe</severity>",
            "<severity>Bad</severity>",
            "info[0].severity: 'Bad' is not one of Extreme, Severe, Moderate, Minor, Unknown",
        ),
        ("<category>Security</category>", "", "info[0].category: required"),
        (
            "<category>Security</category>",
            "<category>Police</category>",
            "info[0].category: 'Police' is not one of Geo, Met, Safety, Security, Rescue, Fire",
        ),
        (
            "<scope>Public</scope>",
            "<references>just-an-id</references>",
            "references: 'just-an-id' is not 'sender,identifier,sent'",
        ),
        (
            "<areaDesc>",
            "<polygon>238.47,-120.14 38.34,-119.95 38.52,-119.74 238.47,-120.14</polygon>"
            "<areaDesc>",
            "info[0].area[0].polygon[0]: point 1: latitude 238.47 is outside -90..90 "
            "(CAP order is 'latitude,longitude')",
        ),
        (
            "<areaDesc>",
            "<polygon>38.47,-120.14 38.34,-119.95</polygon><areaDesc>",
            "info[0].area[0].polygon[0]: a polygon needs at least 3 distinct points",
        ),
        (
            "<areaDesc>",
            "<polygon>38.47;-120.14 38.34,-119.95 38.52,-119.74</polygon><areaDesc>",
            "info[0].area[0].polygon[0]: point 1: '38.47;-120.14' is not 'latitude,longitude'",
        ),
        (
            "<areaDesc>",
            "<circle>32.9525,-115.5527</circle><areaDesc>",
            "info[0].area[0].circle[0]: '32.9525,-115.5527' is not 'latitude,longitude radius_km'",
        ),
        (
            "<areaDesc>",
            "<circle>32.9525,-115.5527 -3</circle><areaDesc>",
            "info[0].area[0].circle[0]: radius -3 km is negative",
        ),
        (
            "<web>",
            "<expires>2003-04-02T14:39:01+24:00</expires><web>",
            "info[0].expires: '2003-04-02T14:39:01+24:00' has an invalid UTC offset",
        ),
    ],
)
def test_bad_alert_fields_are_named(a1: bytes, old: str, new: str, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_cap(_edit(a1, old, new))
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b'<foo xmlns="urn:x"/>', "not a CAP 1.2 alert: root element is {urn:x}foo"),
        (
            b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>',
            "not a CAP 1.2 alert: root element is {urn:oasis:names:tc:emergency:cap:1.1}alert",
        ),
        (b"<alert/>", "not a CAP 1.2 alert: root element is alert"),
        (b"", "empty body: expected a CAP 1.2 <alert> document"),
        (b"  \n ", "empty body: expected a CAP 1.2 <alert> document"),
        (b"<alert>", "invalid XML: no element found: line 1, column 7"),
        (b'{"identifier": 1}', "invalid XML: not well-formed (invalid token): line 1, column 0"),
        (
            b'<?xml version="1.0" encoding="klingon"?><alert/>',
            "invalid XML: unknown encoding: klingon",
        ),
    ],
)
def test_documents_that_are_not_cap(document: bytes, message: str) -> None:
    with pytest.raises(AlarmParseError) as caught:
        parse_cap(document)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "document",
    [
        # Billion laughs: a few hundred bytes that expand to gigabytes.
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&lol2;</alert>',
        # XXE: an external entity that reads a local file.
        b'<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><note>&xxe;</note></alert>',
        # A DTD alone is refused too: nothing csu accepts needs one.
        b'<!DOCTYPE alert SYSTEM "http://example.org/cap.dtd"><alert/>',
    ],
)
def test_xml_with_a_dtd_or_entities_is_refused(document: bytes) -> None:
    with pytest.raises(AlarmParseError, match=r"^XML with a DTD or entities is refused$"):
        parse_cap(document)


def test_text_instead_of_bytes_is_refused() -> None:
    with pytest.raises(AlarmParseError, match="expected the XML document as bytes, got string"):
        parse_cap("<alert/>")  # type: ignore[arg-type]
