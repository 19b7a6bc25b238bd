"""Alarms from outside turned into csu Alarms: the model, the type catalogue and the adapters.

Everything here is pure: payloads in, Alarms (or an AlarmParseError saying what is wrong) out.
"""

from incidents.alarms.adapters.cap import parse_cap
from incidents.alarms.adapters.csu_json import parse_csu_alarm
from incidents.alarms.adapters.ngsi_ld import (
    NgsiLdResult,
    SkippedEntity,
    parse_ngsi_ld_notification,
)
from incidents.alarms.adapters.onvif import parse_onvif_event
from incidents.alarms.catalogue import ALARM_TYPES, AlarmType, Domain, alarm_type
from incidents.alarms.errors import AlarmParseError
from incidents.alarms.geometry import PointGeometry, PolygonGeometry
from incidents.alarms.models import Alarm
from incidents.alarms.scales import AlarmStatus, Severity

__all__ = [
    "ALARM_TYPES",
    "Alarm",
    "AlarmParseError",
    "AlarmStatus",
    "AlarmType",
    "Domain",
    "NgsiLdResult",
    "PointGeometry",
    "PolygonGeometry",
    "Severity",
    "SkippedEntity",
    "alarm_type",
    "parse_cap",
    "parse_csu_alarm",
    "parse_ngsi_ld_notification",
    "parse_onvif_event",
]
