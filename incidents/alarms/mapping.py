"""Tables from outside vocabularies (FIWARE Alert and Anomaly, CAP, ONVIF topics) to csu types."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from incidents.alarms.catalogue import ALARM_TYPES
from incidents.alarms.scales import Severity

OTHER = "other"

# FIWARE Alert: the subCategory is the finer word, so it is looked up first; the category
# (a closed enum in alert-schema.json) gives the fallback.
FIWARE_SUBCATEGORY_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "trafficJam": "traffic.jam",
        "carAccident": "traffic.accident",
        "injuredBiker": "traffic.accident",
        "buildingFire": "fire.alert",
        "forestFire": "fire.alert",
        "suspiciousAction": "security.alert",
        "robbery": "security.alert",
        "assault": "security.alert",
        "civilDisorder": "security.alert",
        "crowdRisk": "security.alert",
        "airPollution": "environment.alert",
        "waterPollution": "environment.alert",
        "pollenConcentration": "environment.alert",
        "asthmaAttack": "health.alert",
        "bumpedPatient": "health.alert",
        "fallenPatient": "health.alert",
        "heartAttack": "health.alert",
    }
)
FIWARE_CATEGORY_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "traffic": "traffic.alert",
        "naturalDisaster": "civil.alert",
        "weather": "weather.alert",
        "environment": "environment.alert",
        "health": "health.alert",
        "security": "security.alert",
        # Crop and pest warnings concern a city's green spaces at most: environment service.
        "agriculture": "environment.alert",
    }
)

# FIWARE Anomaly: (anomalousProperty, thresholdType), lower-cased with separators removed.
ANOMALY_TYPES: Mapping[tuple[str, str], str] = MappingProxyType(
    {
        ("pressure", "lower"): "water.pressure_drop",
        ("waterpressure", "lower"): "water.pressure_drop",
        ("waterlevel", "upper"): "water.flood_sensor",
        ("fillinglevel", "upper"): "waste.container_full",
        ("filling", "upper"): "waste.container_full",
        ("occupancy", "upper"): "parking.full",
    }
)

CAP_SEVERITIES: Mapping[str, Severity] = MappingProxyType(
    {
        "Extreme": Severity.CRITICAL,
        "Severe": Severity.HIGH,
        "Moderate": Severity.MEDIUM,
        "Minor": Severity.LOW,
        "Unknown": Severity.INFORMATIONAL,
    }
)
CAP_CATEGORY_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "Geo": "civil.alert",
        "Met": "weather.alert",
        "Safety": "civil.alert",
        "Security": "security.alert",
        "Rescue": "civil.alert",
        "Fire": "fire.alert",
        "Health": "health.alert",
        "Env": "environment.alert",
        "Transport": "traffic.alert",
        "Infra": "civil.alert",
        "CBRNE": "civil.alert",
        "Other": "civil.alert",
    }
)
# The event text overrides the category where it names something csu handles more precisely
# (an Amber alert is category Rescue but is police work). English and French words.
CAP_EVENT_TYPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"abduct|amber|kidnap|enl[eè]vement|terroris|attentat|shooting|fusillade|hostage"
            r"|otage|bomb",
            re.IGNORECASE,
        ),
        "security.alert",
    ),
    (re.compile(r"accident|collision|crash", re.IGNORECASE), "traffic.accident"),
    (re.compile(r"traffic jam|congestion|embouteillage|bouchon", re.IGNORECASE), "traffic.jam"),
    (re.compile(r"water main|rupture de canalisation", re.IGNORECASE), "water.main_burst"),
)

# ONVIF topics with their namespace prefixes removed ("tns1:VideoSource/..." -> "VideoSource/...").
# An Axis PIR sensor sits in the camera and sees body heat in the camera's field: it is the
# camera detecting motion, not an armed intrusion system, so it is video.motion.
ONVIF_TOPIC_TYPES: tuple[tuple[str, str], ...] = (
    ("RuleEngine/MotionRegionDetector/Motion*", "video.motion"),
    ("RuleEngine/CellMotionDetector/Motion*", "video.motion"),
    ("VideoAnalytics/*Motion*", "video.motion"),
    ("VideoSource/MotionAlarm*", "video.motion"),
    ("CameraApplicationPlatform/VMD/*", "video.motion"),
    ("Device/Sensor/PIR*", "video.motion"),
    ("VideoSource/GlobalSceneChange/*", "video.tamper"),
    ("VideoSource/Tampering*", "video.tamper"),
    ("RuleEngine/TamperDetector/*", "video.tamper"),
    ("VideoSource/ImageTooBlurry/*", "video.tamper"),
    ("VideoSource/ImageTooDark/*", "video.tamper"),
    ("VideoSource/ImageTooBright/*", "video.tamper"),
    ("VideoSource/SignalLoss*", "video.loss"),
)


def fiware_alert_type(category: str | None, sub_category: str | None) -> str:
    """The csu type of a FIWARE Alert from its category and subCategory."""
    # csu's hypervisor extension: category = a csu domain, subCategory = the kind, so that
    # lighting or water alarms can travel as NGSI-LD Alerts ("lighting" + "feeder_down").
    if category and sub_category and f"{category}.{sub_category}" in ALARM_TYPES:
        return f"{category}.{sub_category}"
    by_sub_category = FIWARE_SUBCATEGORY_TYPES.get(sub_category or "")
    return by_sub_category or FIWARE_CATEGORY_TYPES.get(category or "", OTHER)


def anomaly_type(anomalous_property: str | None, threshold_type: str | None) -> str:
    """The csu type of a FIWARE Anomaly from the property and the threshold it crossed."""
    key = (_squash(anomalous_property), _squash(threshold_type))
    return ANOMALY_TYPES.get(key, OTHER)


def cap_type(categories: Iterable[str], events: Iterable[str]) -> str:
    """The csu type of a CAP info block: the event text if it is telling, else the category."""
    text = " ".join(events)
    for pattern, name in CAP_EVENT_TYPES:
        if pattern.search(text):
            return name
    first = next(iter(categories), "Other")
    return CAP_CATEGORY_TYPES.get(first, "civil.alert")


def onvif_topic_type(topic_path: str) -> str | None:
    """The csu type of an ONVIF topic without prefixes, or None for a topic csu ignores."""
    for pattern, name in ONVIF_TOPIC_TYPES:
        if fnmatch.fnmatchcase(topic_path, pattern):
            return name
    return None


def _squash(word: str | None) -> str:
    return re.sub(r"[^a-z]", "", (word or "").lower())
