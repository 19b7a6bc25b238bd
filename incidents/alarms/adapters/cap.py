"""OASIS CAP 1.2 `<alert>` documents (public warnings: weather, civil protection, police).

One alert gives one Alarm. Every `<info>` block is kept in `data["info"]`; the description and
the type come from the French block if there is one, else the English one, else the first. The
severity is the highest of the blocks, so that a translation never lowers it.

CAP severities map onto csu's: Extreme -> critical, Severe -> high, Moderate -> medium,
Minor -> low, Unknown -> informational. An alert whose status is Test, Draft or System is kept
(the sender did send it) but marked: severity informational and "[Test]" before the
description, because CAP tells every recipient to disregard it. Exercise keeps its severity, as a
city exercise may well involve the control room, and is marked "[Exercise]". msgType Ack and
Error are messages between CAP systems about other messages: they give no alarm. Cancel gives
status cancelled; an update whose responseType is AllClear gives status cleared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from incidents.alarms.adapters.cap_area import (
    CAP_NS,
    Area,
    cap_text,
    cap_texts,
    parse_area,
    value_pairs,
)
from incidents.alarms.adapters.fields import one_of
from incidents.alarms.adapters.safe_xml import parse_xml
from incidents.alarms.errors import AlarmParseError, shown
from incidents.alarms.geometry import PointGeometry, PolygonGeometry
from incidents.alarms.mapping import CAP_CATEGORY_TYPES, CAP_SEVERITIES, cap_type
from incidents.alarms.models import Alarm, make_alarm
from incidents.alarms.scales import AlarmStatus, Severity
from incidents.alarms.timestamps import parse_timestamp

MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
_DISREGARDED = ("Test", "Draft", "System")
_NO_ALARM = ("Ack", "Error")
_HEADER_TEXTS = ("status", "msgType", "scope", "source", "restriction", "addresses", "note")
_INFO_TEXTS = (
    "language", "event", "urgency", "severity", "certainty", "audience", "senderName",
    "headline", "description", "instruction", "web", "contact",
)  # fmt: skip
_RESOURCE_TEXTS = ("resourceDesc", "mimeType", "size", "uri", "digest")  # not derefUri: a file
_INFO_TIMES = ("effective", "onset", "expires")
_HTML_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


@dataclass(frozen=True)
class _Info:
    language: str
    type: str
    severity: Severity
    areas: list[Area]
    data: dict[str, Any]


def parse_cap(xml: bytes) -> list[Alarm]:
    """The alarm of a CAP 1.2 alert document (none for Ack and Error messages)."""
    root = parse_xml(xml, "a CAP 1.2 <alert> document")
    if root.tag != CAP_NS + "alert":
        raise AlarmParseError(f"not a CAP 1.2 alert: root element is {root.tag}")
    identifier = _required(root, "identifier")
    sender = _required(root, "sender")
    sent = parse_timestamp(_required(root, "sent"), "sent")
    status = one_of(_required(root, "status"), STATUSES, "status")
    msg_type = one_of(_required(root, "msgType"), MSG_TYPES, "msgType")
    references = _references(cap_text(root, "references"))
    infos = [
        _info(element, f"info[{n}]") for n, element in enumerate(root.findall(CAP_NS + "info"))
    ]
    if msg_type in _NO_ALARM:
        return []
    chosen = _chosen(infos)
    location, radius_m = _location([] if chosen is None else [chosen, *infos])
    data = _alert_data(root, references, chosen, infos)
    if radius_m is not None:
        data["radius_m"] = radius_m
    return [
        make_alarm(
            source=sender,
            external_id=identifier,
            type="civil.alert" if chosen is None else chosen.type,
            severity=_severity(infos, status),
            occurred_at=sent,
            location=location,
            description=_description(chosen, status, msg_type, sender),
            data=data,
            status=_status(chosen, msg_type),
            references=[identifier for _, identifier, _ in references],
        )
    ]


def _alert_data(
    root: Element, references: list[tuple[str, str, str]], chosen: _Info | None, infos: list[_Info]
) -> dict[str, Any]:
    """Everything the alert says, under CAP's own element names (repeatable ones as lists)."""
    data: dict[str, Any] = {name: cap_text(root, name) for name in _HEADER_TEXTS}
    return data | {
        "sent": cap_text(root, "sent"),
        "code": cap_texts(root, "code"),
        "incidents": cap_text(root, "incidents"),
        "references": [
            {"sender": sender, "identifier": identifier, "sent": sent}
            for sender, identifier, sent in references
        ],
        "language": None if chosen is None else chosen.language,
        "info": [info.data for info in infos],
    }


def _required(parent: Element, name: str, where: str = "") -> str:
    value = cap_text(parent, name)
    if value is None:
        raise AlarmParseError(f"{where}{name}: required")
    return value


def _references(text: str | None) -> list[tuple[str, str, str]]:
    """CAP references: space-separated "sender,identifier,sent" triples."""
    triples: list[tuple[str, str, str]] = []
    for item in (text or "").split():
        parts = item.split(",")
        if len(parts) != 3 or not all(parts):
            raise AlarmParseError(f"references: {shown(item)} is not 'sender,identifier,sent'")
        triples.append((parts[0], parts[1], parts[2]))
    return triples


def _info(element: Element, where: str) -> _Info:
    categories = cap_texts(element, "category")
    if not categories:
        raise AlarmParseError(f"{where}.category: required")
    for category in categories:
        one_of(category, tuple(CAP_CATEGORY_TYPES), f"{where}.category")
    event = _required(element, "event", f"{where}.")
    severity = _required(element, "severity", f"{where}.")
    one_of(severity, tuple(CAP_SEVERITIES), f"{where}.severity")
    # CAP's default language, when <language> is absent, is en-US.
    language = cap_text(element, "language") or "en-US"
    areas = [
        parse_area(area, f"{where}.area[{n}]")
        for n, area in enumerate(element.findall(CAP_NS + "area"))
    ]
    data: dict[str, Any] = {name: cap_text(element, name) for name in _INFO_TEXTS}
    data |= {name: _time(element, name, f"{where}.{name}") for name in _INFO_TIMES}
    data |= {
        "language": language,
        "category": categories,
        "responseType": cap_texts(element, "responseType"),
        "eventCode": value_pairs(element, "eventCode"),
        "parameter": value_pairs(element, "parameter"),
        "resource": [
            {name: cap_text(resource, name) for name in _RESOURCE_TEXTS}
            for resource in element.findall(CAP_NS + "resource")
        ],
        "area": [area.data for area in areas],
    }
    csu_type = cap_type(categories, [event, *(code["value"] or "" for code in data["eventCode"])])
    return _Info(language, csu_type, CAP_SEVERITIES[severity], areas, data)


def _time(element: Element, name: str, field: str) -> str | None:
    text = cap_text(element, name)
    return None if text is None else parse_timestamp(text, field).isoformat()


def _chosen(infos: list[_Info]) -> _Info | None:
    """The info block an operator reads: French, else English, else the first."""
    for prefix in ("fr", "en"):
        for info in infos:
            if info.language.lower().startswith(prefix):
                return info
    return infos[0] if infos else None


def _location(
    infos: list[_Info],
) -> tuple[PointGeometry | PolygonGeometry | None, float | None]:
    """The first polygon of the given blocks, else the first circle (centre and radius)."""
    areas = [area for info in infos for area in info.areas]
    for area in areas:
        if area.polygons:
            return area.polygons[0], None
    for area in areas:
        if area.circles:
            return area.circles[0].centre, area.circles[0].radius_m
    return None, None


def _severity(infos: list[_Info], status: str) -> Severity:
    if status in _DISREGARDED or not infos:
        return Severity.INFORMATIONAL
    return max((info.severity for info in infos), key=lambda severity: severity.rank)


def _status(chosen: _Info | None, msg_type: str) -> AlarmStatus:
    if msg_type == "Cancel":
        return AlarmStatus.CANCELLED
    # A message whose advised response is AllClear says the event is over (CAP 1.2, 3.2.2).
    if chosen is not None and "AllClear" in chosen.data["responseType"]:
        return AlarmStatus.CLEARED
    return AlarmStatus.ACTIVE


def _description(chosen: _Info | None, status: str, msg_type: str, sender: str) -> str:
    if chosen is None:
        text = f"CAP {msg_type} from {sender}"
    else:
        data = chosen.data
        text = data["description"] or data["headline"] or data["event"]
        # Some feeds (CAP-AU) escape HTML line breaks into the text; an operator wants lines.
        text = _HTML_BREAK.sub("\n", text)
    return text if status == "Actual" else f"[{status}] {text}"
