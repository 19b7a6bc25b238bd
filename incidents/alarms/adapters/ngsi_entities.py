"""NGSI entities in any of their encodings, flattened to short attribute names and plain values.

Accepted: NGSI-LD concise (keyValues) and normalized (Property, GeoProperty, Relationship,
LanguageProperty, `{"@type": "DateTime", "@value": ...}`), NGSI v2 key-values and normalized
(`{"type": "Text", "value": ...}`, `geo:json`, `geo:point`), Orion-LD's x-ngsiv2-normalized, and
the GeoJSON Feature representation. JSON-LD contexts are never fetched (the network is closed):
an expanded name such as `https://smartdatamodels.org/dataModel.Alert/category` is read by its
last path or fragment segment, which is the short name every published context maps it from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from incidents.alarms.adapters.fields import require_object
from incidents.alarms.errors import AlarmParseError, shown, type_name

# Entities in one body at most: each becomes an alarm, and the incident engine works through a
# body at once (a 25 MB notification of 100,000 alarms held every other alarm back 11 s).
MAX_ENTITIES = 1000
# Members of an entity that are not attributes.
_CORE = frozenset({"id", "type", "@context"})
_LINK_TARGET = re.compile(r"<([^>]*)>")
_GEO_POINT = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*,\s*([+-]?\d+(?:\.\d+)?)\s*", re.ASCII)


@dataclass(frozen=True)
class Envelope:
    """What a notification says around its entities."""

    notification_id: str | None = None
    subscription_id: str | None = None
    notified_at: Any = None
    context: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Entity:
    """One entity: its id, its short type names and its attributes as plain values."""

    id: str
    types: tuple[str, ...]
    attrs: dict[str, Any]
    context: list[str]


def short_name(name: str) -> str:
    """The short name of an expanded IRI (`https://.../ngsi-ld/location` -> `location`)."""
    if "://" not in name:
        return name
    return re.split(r"[/#]", name.rstrip("/#"))[-1]


def link_contexts(link_header: str | None) -> list[str]:
    """The URLs of an HTTP Link header (the JSON-LD context of an application/json body)."""
    if not link_header:
        return []
    targets = _LINK_TARGET.findall(link_header)
    return [target.strip() for target in targets if target.strip()] or [link_header.strip()]


def contexts(value: Any) -> list[str]:
    """An `@context` member as a list of strings (an inline context is noted, not read)."""
    items = value if isinstance(value, list) else [] if value is None else [value]
    return [item if isinstance(item, str) else "(inline context)" for item in items]


def envelope_and_entities(body: Any) -> tuple[Envelope | None, list[tuple[str, Any]]]:
    """Split a body into its notification envelope (None if bare) and its raw entities, each
    with where it sits in the body ("" for a body that is one entity)."""
    if isinstance(body, list):
        return None, [(f"[{n}]", item) for n, item in enumerate(_bounded(body, "body"))]
    if not isinstance(body, dict):
        raise AlarmParseError(
            "expected an NGSI-LD notification, an entity or a list of entities, "
            f"got {type_name(body)}"
        )
    if body.get("type") == "Notification" or "subscriptionId" in body:
        data = body.get("data")
        if not isinstance(data, list):
            raise AlarmParseError(f"data: expected a list of entities, got {type_name(data)}")
        envelope = Envelope(
            notification_id=_text(body.get("id")),
            subscription_id=_text(body.get("subscriptionId")),
            notified_at=body.get("notifiedAt"),
            context=contexts(body.get("@context")),
        )
        return envelope, [(f"data[{n}]", item) for n, item in enumerate(_bounded(data, "data"))]
    if body.get("type") == "FeatureCollection":
        features = body.get("features")
        if not isinstance(features, list):
            raise AlarmParseError(f"features: expected a list, got {type_name(features)}")
        listed = _bounded(features, "features")
        return None, [(f"features[{n}]", item) for n, item in enumerate(listed)]
    return None, [("", body)]


def _bounded(entities: list[Any], where: str) -> list[Any]:
    if len(entities) > MAX_ENTITIES:
        raise AlarmParseError(
            f"{where}: {len(entities):,} entities, more than the {MAX_ENTITIES:,} a notification"
            " may carry (send them in several)"
        )
    return entities


def read_entity(value: Any) -> Entity:
    """One raw entity, flattened; an AlarmParseError when it has no id or type."""
    raw = require_object(value, "entity")
    if raw.get("type") == "Feature" and isinstance(raw.get("properties"), dict):
        raw = _from_feature(raw)
    entity_id = raw.get("id")
    if not isinstance(entity_id, str) or not entity_id.strip():
        raise AlarmParseError(f"id: required (a string), got {shown(entity_id)}")
    types = raw.get("type")
    listed = types if isinstance(types, list) else [types]
    names = [name for name in listed if isinstance(name, str) and name]
    if not names or len(names) != len(listed):
        raise AlarmParseError(f"type: expected an entity type name, got {shown(types)}")
    # str(): a caller may hand in a decoded dict whose keys did not come from JSON.
    attrs = {
        short_name(str(key)): _plain(str(key), attr)
        for key, attr in raw.items()
        if key not in _CORE
    }
    short_types = tuple(short_name(name) for name in names)
    return Entity(entity_id.strip(), short_types, attrs, contexts(raw.get("@context")))


def _from_feature(feature: dict[str, Any]) -> dict[str, Any]:
    """The entity of a GeoJSON Feature: its properties, with the geometry as location."""
    entity = dict(feature["properties"])
    entity["id"] = feature.get("id")
    if "location" not in entity and feature.get("geometry") is not None:
        entity["location"] = feature["geometry"]
    return entity


def _plain(key: str, attr: Any) -> Any:
    """An attribute's value, whatever its encoding."""
    if isinstance(attr, dict) and isinstance(attr.get("type"), str):
        kind = attr["type"]
        if kind == "Relationship":
            return attr.get("object", attr.get("value"))
        if kind == "LanguageProperty":
            return attr.get("languageMap")
        if kind == "geo:point" and isinstance(attr.get("value"), str):
            return _geo_point(attr["value"], short_name(key))
        if "value" in attr:
            return _typed_literal(attr["value"])
    return _typed_literal(attr)


def _typed_literal(value: Any) -> Any:
    # JSON-LD typed literal, as NGSI-LD writes dates: {"@type": "DateTime", "@value": "..."}.
    if isinstance(value, dict) and "@value" in value:
        return value["@value"]
    return value


def _geo_point(text: str, field: str) -> dict[str, Any]:
    """NGSI v2 `geo:point` "lat, lon" as a GeoJSON Point."""
    match = _GEO_POINT.fullmatch(text)
    if match is None:
        raise AlarmParseError(f"{field}: geo:point {shown(text)} is not 'latitude, longitude'")
    return {"type": "Point", "coordinates": [float(match.group(2)), float(match.group(1))]}


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
