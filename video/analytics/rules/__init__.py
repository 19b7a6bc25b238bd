"""The permitted event rules: each takes analysed frames in order and returns hits."""

from __future__ import annotations

from csu.config.analytics import (
    AbandonedObject,
    AnalyticsRule,
    CrowdDensity,
    CrowdMovement,
    PersonDown,
    SeenLabel,
    WrongWay,
    ZoneIntrusion,
)
from video.analytics.rules.abandoned import AbandonedObjectRule
from video.analytics.rules.base import Rule
from video.analytics.rules.lines import WrongWayRule
from video.analytics.rules.movement import CrowdMovementRule
from video.analytics.rules.sightings import PersonDownRule, SeenLabelRule
from video.analytics.rules.zones import CrowdDensityRule, ZoneIntrusionRule

__all__ = ["Rule", "build_rule"]


def build_rule(config: AnalyticsRule) -> Rule:
    """The running rule for one configured rule."""
    if isinstance(config, ZoneIntrusion):
        return ZoneIntrusionRule(config)
    if isinstance(config, WrongWay):
        return WrongWayRule(config)
    if isinstance(config, CrowdDensity):
        return CrowdDensityRule(config)
    if isinstance(config, CrowdMovement):
        return CrowdMovementRule(config)
    if isinstance(config, PersonDown):
        return PersonDownRule(config)
    if isinstance(config, AbandonedObject):
        return AbandonedObjectRule(config)
    if isinstance(config, SeenLabel):
        return SeenLabelRule(config)
    raise TypeError(f"no rule for {type(config).__name__}")
