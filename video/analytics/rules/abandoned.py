"""Abandoned object: a new still object (from background modelling) that nobody attends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from csu.config.analytics import AbandonedObject
from video.analytics.geometry import Box, Point, iou
from video.analytics.rules.base import in_zone, of_kind
from video.analytics.tracks import Hit, Observation

# A still object unseen this long is gone (picked up, or merged into the background).
_GONE_S = 3.0
_SAME_OBJECT_IOU = 0.4


@dataclass
class _Still:
    box: Box
    first_seen: float
    last_seen: float
    attended_at: float
    fired: bool = False


def _near(a: Point, b: Point, distance: float) -> bool:
    return abs(a[0] - b[0]) <= distance and abs(a[1] - b[1]) <= distance


class AbandonedObjectRule:
    """Fires once per still object left `after_s` seconds with no person within reach."""

    def __init__(self, config: AbandonedObject) -> None:
        self.name = config.name
        self._config = config
        self._zone: Sequence[Point] | None = config.zone
        self._objects: list[_Still] = []
        self._seq = 0

    def observe(self, obs: Observation) -> list[Hit]:
        """A hit for each still object that has just been unattended long enough."""
        config = self._config
        for box in obs.still:
            if box.area >= config.min_area and in_zone(box.centre, self._zone):
                self._match(box, obs.t)
        self._objects = [o for o in self._objects if obs.t - o.last_seen <= _GONE_S]
        people = [t.box for t in of_kind(obs.tracks, ("person",))]
        hits = []
        for still in self._objects:
            if any(_near(p.feet, still.box.centre, config.owner_distance) for p in people):
                still.attended_at = obs.t
            unattended = obs.t - max(still.first_seen, still.attended_at)
            if not still.fired and unattended >= config.after_s:
                still.fired = True
                self._seq += 1
                details: dict[str, float | int | str] = {"unattended_s": round(unattended, 1)}
                hits.append(
                    Hit("abandoned_object", self.name, obs.t, still.box, f"s{self._seq}", details)
                )
        return hits

    def _match(self, box: Box, t: float) -> None:
        for still in self._objects:
            if iou(still.box, box) >= _SAME_OBJECT_IOU:
                still.box, still.last_seen = box, t
                return
        self._objects.append(_Still(box, t, t, t))
