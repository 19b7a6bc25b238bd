"""NGSI-LD (and NGSI v2) notifications and entities carrying FIWARE Alert or Anomaly entities.

Accepted bodies: an Orion-LD notification `{id, type: Notification, subscriptionId, notifiedAt,
data: [...]}` (also its x-ngsiv2 form without id and type), a single entity, a bare list of
entities, or a GeoJSON Feature(Collection). Entities of other types are skipped and reported.
One malformed Alert or Anomaly rejects the whole body with the entity named: the body is stored
raw anyway, and a partial success would hide the broken entity from its sender.

`source` is the entity's `dataProvider`, else its `source`, else the notification's
subscription, else who raised it (`alertSource`, an Anomaly's `detectedBy`), else "ngsi-ld".
NGSI timestamps are UTC by definition, so one written without an offset is read as UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from incidents.alarms.adapters.fields import decoded_json, one_of
from incidents.alarms.adapters.ngsi_entities import (
    Entity,
    Envelope,
    envelope_and_entities,
    link_contexts,
    read_entity,
    short_name,
)
from incidents.alarms.catalogue import alarm_type
from incidents.alarms.errors import AlarmParseError, type_name
from incidents.alarms.geometry import PointGeometry, PolygonGeometry, parse_geometry
from incidents.alarms.mapping import anomaly_type, fiware_alert_type
from incidents.alarms.models import Alarm, make_alarm
from incidents.alarms.scales import Severity
from incidents.alarms.timestamps import parse_timestamp

_SEVERITIES = tuple(severity.value for severity in Severity)
_ALERT_USED = ("category", "subCategory", "severity", "dateIssued", "location", "description")
_ANOMALY_USED = ("anomalousProperty", "dateDetected", "severity", "location", "description")


class SkippedEntity(BaseModel):
    """An entity the adapter does not turn into an alarm, and why."""

    model_config = ConfigDict(frozen=True)

    entity_id: str
    entity_type: str
    reason: str


class NgsiLdResult(BaseModel):
    """The alarms of an NGSI body, and the entities it skipped."""

    model_config = ConfigDict(frozen=True)

    alarms: list[Alarm] = Field(default_factory=list)
    skipped: list[SkippedEntity] = Field(default_factory=list)


def parse_ngsi_ld_notification(body: Any, link_header: str | None = None) -> NgsiLdResult:
    """Alarms from the Alert and Anomaly entities of an NGSI-LD/v2 body (JSON text or decoded)."""
    envelope, raw_entities = envelope_and_entities(
        decoded_json(body, "an NGSI-LD notification or entity")
    )
    context = link_contexts(link_header) + ([] if envelope is None else envelope.context)
    alarms: list[Alarm] = []
    skipped: list[SkippedEntity] = []
    for where, raw in raw_entities:
        try:
            entity = read_entity(raw)
            convert = _converter(entity)
            if convert is None:
                kinds = ", ".join(entity.types)
                reason = f"entity type {kinds} is not Alert or Anomaly"
                skipped.append(SkippedEntity(entity_id=entity.id, entity_type=kinds, reason=reason))
                continue
            alarms.append(convert(entity, envelope, context + entity.context))
        except AlarmParseError as exc:
            if not where:
                raise
            named = raw.get("id") if isinstance(raw, dict) else None
            label = f"{where} ({named})" if isinstance(named, str) and named.strip() else where
            raise AlarmParseError(f"{label}: {exc}") from None
    return NgsiLdResult(alarms=alarms, skipped=skipped)


_Converter = Callable[[Entity, Envelope | None, list[str]], Alarm]


def _converter(entity: Entity) -> _Converter | None:
    if "Alert" in entity.types:
        return _alert
    if "Anomaly" in entity.types:
        return _anomaly
    return None


def _alert(entity: Entity, envelope: Envelope | None, context: list[str]) -> Alarm:
    attrs = entity.attrs
    category, sub_category = _str(attrs, "category"), _str(attrs, "subCategory")
    entry = alarm_type(fiware_alert_type(category, sub_category))
    # What the sender did not say is told as a sender would, in English: the site's language
    # is applied where people read it (an incident's title, the pages' type labels).
    label = entry.label("en")
    label = label if sub_category is None else f"{label} ({sub_category})"
    data = _data(entity, envelope, context, _ALERT_USED)
    data |= {"category": category, "subCategory": sub_category}
    return make_alarm(
        source=_source(attrs, envelope, "alertSource"),
        external_id=entity.id,
        type=entry.name,
        severity=_severity(attrs, entry.default_severity),
        occurred_at=_when(attrs, envelope, "dateIssued"),
        location=_location(attrs),
        description=_str(attrs, "description") or label,
        data=data,
    )


def _anomaly(entity: Entity, envelope: Envelope | None, context: list[str]) -> Alarm:
    attrs = entity.attrs
    prop = _str(attrs, "anomalousProperty")
    prop = None if prop is None else short_name(prop)
    breach = _last_breach(attrs.get("thresholdBreach"))
    threshold = breach.get("thresholdType")
    entry = alarm_type(anomaly_type(prop, threshold if isinstance(threshold, str) else None))
    if "dateDetected" not in attrs and breach.get("dateObserved") is not None:
        attrs = attrs | {"dateDetected": breach["dateObserved"]}
    return make_alarm(
        source=_source(attrs, envelope, "detectedBy"),
        external_id=entity.id,
        type=entry.name,
        severity=_severity(attrs, entry.default_severity),
        occurred_at=_when(attrs, envelope, "dateDetected"),
        location=_location(attrs),
        description=_str(attrs, "description") or _breach_text(prop, breach, entry.label("en")),
        data=_data(entity, envelope, context, _ANOMALY_USED) | {"anomalousProperty": prop},
    )


def _str(attrs: dict[str, Any], key: str) -> str | None:
    value = attrs.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise AlarmParseError(f"{key}: expected a string, got {type_name(value)}")
    return value.strip() or None


def _source(attrs: dict[str, Any], envelope: Envelope | None, originator: str) -> str:
    subscription = None if envelope is None else envelope.subscription_id
    for candidate in (attrs.get("dataProvider"), attrs.get("source"), subscription):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    raised_by = attrs.get(originator)
    return raised_by.strip() if isinstance(raised_by, str) and raised_by.strip() else "ngsi-ld"


def _severity(attrs: dict[str, Any], default: Severity) -> Severity:
    value = _str(attrs, "severity")
    return default if value is None else Severity(one_of(value, _SEVERITIES, "severity"))


def _when(attrs: dict[str, Any], envelope: Envelope | None, key: str) -> datetime:
    if attrs.get(key) is not None:
        return parse_timestamp(attrs[key], key, naive_is_utc=True)
    # An entity without its own date is dated by the notification that carried it.
    if envelope is not None and envelope.notified_at is not None:
        return parse_timestamp(envelope.notified_at, "notifiedAt", naive_is_utc=True)
    raise AlarmParseError(f"{key}: required")


def _location(attrs: dict[str, Any]) -> PointGeometry | PolygonGeometry | None:
    value = attrs.get("location")
    return None if value is None else parse_geometry(value, "location")


def _last_breach(value: Any) -> dict[str, Any]:
    """The latest threshold breach of an Anomaly (the list is in time order)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    if isinstance(value, list) and value and isinstance(value[-1], dict):
        return value[-1]
    raise AlarmParseError(f"thresholdBreach: expected a list of breaches, got {type_name(value)}")


def _breach_text(prop: str | None, breach: dict[str, Any], label: str) -> str:
    if prop is None or "thresholdValue" not in breach:
        return label
    side = str(breach.get("thresholdType", "")).lower() or "a"
    measured = breach.get("measuredValue")
    return f"{prop} crossed its {side} threshold {breach['thresholdValue']}: measured {measured}"


def _data(
    entity: Entity, envelope: Envelope | None, context: list[str], used: tuple[str, ...]
) -> dict[str, Any]:
    data = {key: value for key, value in entity.attrs.items() if key not in used}
    data["ngsi"] = {
        "entity_type": ", ".join(entity.types),
        "context": context,
        "subscription_id": None if envelope is None else envelope.subscription_id,
        "notification_id": None if envelope is None else envelope.notification_id,
        "notified_at": None if envelope is None else envelope.notified_at,
    }
    return data
