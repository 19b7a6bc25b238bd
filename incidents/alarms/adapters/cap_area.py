"""CAP 1.2 `<area>` blocks: "lat,lon" polygons and circles turned into GeoJSON [lon, lat]."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from incidents.alarms.adapters.safe_xml import text_of
from incidents.alarms.errors import AlarmParseError, shown
from incidents.alarms.geometry import PointGeometry, PolygonGeometry, Position, position_problem

CAP_NS = "{urn:oasis:names:tc:emergency:cap:1.2}"
_CAP_ORDER = "(CAP order is 'latitude,longitude')"
# Plain decimals only: float() would also take "nan", "1e400" and "1_0".
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


@dataclass(frozen=True)
class Circle:
    """A CAP circle: its centre and its radius in metres."""

    centre: PointGeometry
    radius_m: float


@dataclass(frozen=True)
class Area:
    """One parsed `<area>`: its shapes, and everything else as data."""

    polygons: list[PolygonGeometry] = field(default_factory=list)
    circles: list[Circle] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


def cap_texts(parent: Element, name: str) -> list[str]:
    """The non-empty texts of every `name` child in the CAP namespace."""
    return [text for child in parent.findall(CAP_NS + name) if (text := text_of(child))]


def cap_text(parent: Element, name: str) -> str | None:
    """The text of the first `name` child in the CAP namespace, if any."""
    return text_of(parent.find(CAP_NS + name))


def value_pairs(parent: Element, name: str) -> list[dict[str, str | None]]:
    """CAP's repeated valueName/value pairs (parameter, eventCode, geocode), in order."""
    return [
        {"valueName": cap_text(child, "valueName"), "value": cap_text(child, "value")}
        for child in parent.findall(CAP_NS + name)
    ]


def parse_area(element: Element, where: str) -> Area:
    """One `<area>`; polygons and circles are checked, geocodes are kept as they are."""
    polygons = [
        parse_polygon(text, f"{where}.polygon[{n}]")
        for n, text in enumerate(cap_texts(element, "polygon"))
    ]
    circles = [
        parse_circle(text, f"{where}.circle[{n}]")
        for n, text in enumerate(cap_texts(element, "circle"))
    ]
    data: dict[str, Any] = {
        "areaDesc": cap_text(element, "areaDesc"),
        "polygon": [polygon.model_dump(mode="json") for polygon in polygons],
        "circle": [
            {"center": list(circle.centre.coordinates), "radius_m": circle.radius_m}
            for circle in circles
        ],
        "geocode": value_pairs(element, "geocode"),
        "altitude": cap_text(element, "altitude"),
        "ceiling": cap_text(element, "ceiling"),
    }
    return Area(polygons, circles, data)


def parse_polygon(text: str, where: str) -> PolygonGeometry:
    """A CAP polygon "lat,lon lat,lon ..." as a GeoJSON Polygon."""
    ring = [_point(pair, f"{where}: point {n + 1}") for n, pair in enumerate(text.split())]
    # CAP wants the first pair repeated at the end; senders that forget it still mean a ring.
    if ring and ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        raise AlarmParseError(f"{where}: a polygon needs at least 3 distinct points, got {text!r}")
    return PolygonGeometry(coordinates=(tuple(ring),))


def parse_circle(text: str, where: str) -> Circle:
    """A CAP circle "lat,lon radius_km" as a centre Point and a radius in metres."""
    parts = text.split()
    if len(parts) != 2 or _NUMBER.fullmatch(parts[1]) is None:
        raise AlarmParseError(f"{where}: {shown(text)} is not 'latitude,longitude radius_km'")
    radius_km = float(parts[1])
    if radius_km < 0:
        raise AlarmParseError(f"{where}: radius {parts[1]} km is negative")
    return Circle(PointGeometry(coordinates=_point(parts[0], where)), radius_km * 1000.0)


def _point(pair: str, where: str) -> Position:
    parts = pair.split(",")
    if len(parts) != 2 or not all(_NUMBER.fullmatch(part) for part in parts):
        raise AlarmParseError(f"{where}: {shown(pair)} is not 'latitude,longitude'")
    lat, lon = float(parts[0]), float(parts[1])
    if (problem := position_problem(lon, lat, _CAP_ORDER)) is not None:
        raise AlarmParseError(f"{where}: {problem}")
    return (lon, lat)
