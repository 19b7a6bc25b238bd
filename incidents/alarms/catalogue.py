"""The csu alarm types: what each means, how serious it is by default, and what an operator does.

Lighting, water, traffic lights, parking, buildings, waste and watering have no FIWARE Alert
category of their own, so csu names its alarm types itself, as `domain.kind` (a video analytics
alert has a third part: `video.analytics.fire`). Every adapter maps its input onto these names;
`mapping.py` holds the tables from FIWARE Alert, Anomaly, CAP and ONVIF.

What people read of a type, its label and its procedure checklist, lives in the message catalogue
(csu/i18n/catalogue/<language>/alarm_types.json: `alarm_types.<name>.label` and
`alarm_types.<name>.step_<n>`, numbered from 1); this module holds only what csu decides with.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from types import MappingProxyType

from csu.i18n import LANGUAGES, Language, catalogue
from incidents.alarms.errors import AlarmParseError, shown
from incidents.alarms.scales import Severity

_INFO, _LOW, _MEDIUM = Severity.INFORMATIONAL, Severity.LOW, Severity.MEDIUM
_HIGH, _CRITICAL = Severity.HIGH, Severity.CRITICAL


class Domain(StrEnum):
    """The service or family an alarm type belongs to: the first part of its name."""

    LIGHTING = "lighting"
    WATER = "water"
    TRAFFIC_LIGHT = "traffic_light"
    PARKING = "parking"
    BUILDING = "building"
    WASTE = "waste"
    WATERING = "watering"
    VIDEO = "video"
    SECURITY = "security"
    FIRE = "fire"
    WEATHER = "weather"
    CIVIL = "civil"
    TRAFFIC = "traffic"
    ENVIRONMENT = "environment"
    HEALTH = "health"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class AlarmType:
    """One csu alarm type and the checklist an operator follows when it arrives."""

    name: str
    default_severity: Severity

    @property
    def domain(self) -> Domain:
        """The domain named by the first part of the type name."""
        return Domain(self.name.split(".", 1)[0])

    def label(self, language: Language) -> str:
        """The type's label in a language."""
        return type_label(self.name, language)

    def procedure(self, language: Language) -> tuple[str, ...]:
        """The operator's checklist in a language, in order."""
        return type_procedure(self.name, language)


_TYPES = (
    AlarmType("lighting.feeder_down", _HIGH),
    AlarmType("lighting.lamp_off", _LOW),
    AlarmType("water.pressure_drop", _MEDIUM),
    AlarmType("water.main_burst", _CRITICAL),
    AlarmType("water.flood_sensor", _HIGH),
    AlarmType("traffic_light.fault", _HIGH),
    AlarmType("parking.full", _INFO),
    AlarmType("parking.barrier_fault", _MEDIUM),
    AlarmType("building.intrusion", _HIGH),
    AlarmType("building.fire_alarm", _CRITICAL),
    AlarmType("building.technical_fault", _MEDIUM),
    AlarmType("waste.container_full", _LOW),
    AlarmType("waste.container_fire", _HIGH),
    AlarmType("watering.leak", _MEDIUM),
    AlarmType("video.loss", _HIGH),
    AlarmType("video.tamper", _HIGH),
    AlarmType("video.motion", _LOW),
    AlarmType("video.analytics", _MEDIUM),
    AlarmType("video.analytics.abandoned_object", _HIGH),
    AlarmType("video.analytics.weapon", _CRITICAL),
    AlarmType("video.analytics.wrong_way", _HIGH),
    AlarmType("video.analytics.zone_intrusion", _HIGH),
    AlarmType("video.analytics.person_down", _HIGH),
    AlarmType("video.analytics.crowd_movement", _HIGH),
    AlarmType("video.analytics.crowd_density", _MEDIUM),
    AlarmType("video.analytics.fire", _CRITICAL),
    AlarmType("security.alert", _HIGH),
    AlarmType("fire.alert", _HIGH),
    AlarmType("weather.alert", _MEDIUM),
    AlarmType("civil.alert", _MEDIUM),
    AlarmType("traffic.jam", _MEDIUM),
    AlarmType("traffic.accident", _HIGH),
    AlarmType("traffic.alert", _LOW),
    AlarmType("environment.alert", _MEDIUM),
    AlarmType("health.alert", _HIGH),
    AlarmType("other", _LOW),
)

ALARM_TYPES: Mapping[str, AlarmType] = MappingProxyType({t.name: t for t in _TYPES})


def type_label(name: str, language: Language) -> str:
    """A type's label in a language; the name itself for a type csu does not know."""
    return catalogue().text(language, f"alarm_types.{name}.label") or name


@cache
def type_procedure(name: str, language: Language) -> tuple[str, ...]:
    """A type's checklist in a language (step_1, step_2... until one is missing); () if unknown."""
    texts = catalogue()
    steps: list[str] = []
    while (step := texts.text(language, f"alarm_types.{name}.step_{len(steps) + 1}")) is not None:
        steps.append(step)
    return tuple(steps)


def type_labels(language: Language) -> dict[str, str]:
    """Every alarm type's label in a language, by type name (what pages show instead of names)."""
    return {t.name: type_label(t.name, language) for t in _TYPES}


def missing_texts() -> list[str]:
    """Types without a label or a checklist in some language (the catalogue test wants none)."""
    return [
        f"{t.name} ({language})"
        for t in _TYPES
        for language in LANGUAGES
        if type_label(t.name, language) == t.name or not type_procedure(t.name, language)
    ]


def alarm_type(name: str, field: str = "type") -> AlarmType:
    """The catalogue entry for `name`, or an AlarmParseError listing the valid names."""
    entry = ALARM_TYPES.get(name)
    if entry is None:
        raise AlarmParseError(f"{field}: {unknown_type_message(name)}")
    return entry


def unknown_type_message(name: object) -> str:
    """Why `name` is refused, with the closest valid name and the full list."""
    message = f"{shown(name)} is not a csu alarm type"
    if isinstance(name, str) and (close := difflib.get_close_matches(name, ALARM_TYPES, 1)):
        message += f" (did you mean {close[0]!r}?)"
    return message + "; valid types: " + ", ".join(ALARM_TYPES)
