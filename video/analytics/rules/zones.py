"""Zone rules: entry into a forbidden zone, and too many people per square metre in a zone."""

from __future__ import annotations

from collections.abc import Sequence

from csu.config.analytics import CrowdDensity, ZoneIntrusion
from video.analytics.geometry import Point, bounds, inside
from video.analytics.rules.base import forget_gone, of_kind
from video.analytics.tracks import Hit, Observation


class ZoneIntrusionRule:
    """Fires once when a track's feet have been in the zone for `min_frames` analysed frames.

    It fires again only after the track has left the zone: one entry, one alert.
    """

    def __init__(self, config: ZoneIntrusion) -> None:
        self.name = config.name
        self._config = config
        self._zone: Sequence[Point] = config.zone
        self._inside: dict[str, int] = {}

    def observe(self, obs: Observation) -> list[Hit]:
        """The entries confirmed on this frame."""
        tracks = of_kind(obs.tracks, self._config.objects)
        forget_gone(self._inside, tracks)
        hits = []
        for track in tracks:
            if not inside(track.box.feet, self._zone):
                self._inside.pop(track.key, None)
                continue
            count = self._inside.get(track.key, 0) + 1
            self._inside[track.key] = count
            if count == self._config.min_frames:
                hits.append(
                    Hit("zone_intrusion", self.name, obs.t, track.box, track.key, {"frames": count})
                )
        return hits


class CrowdDensityRule:
    """Fires when people per m2 in the zone stay above the threshold for `hold_s` seconds."""

    def __init__(self, config: CrowdDensity) -> None:
        self.name = config.name
        self._config = config
        self._zone: Sequence[Point] = config.zone
        self._above_since: float | None = None
        self._fired_at: float | None = None

    def observe(self, obs: Observation) -> list[Hit]:
        """A hit when the density has held long enough and the cooldown has passed."""
        config = self._config
        people = [t for t in of_kind(obs.tracks, ("person",)) if inside(t.box.feet, self._zone)]
        density = len(people) / config.area_m2
        if density <= config.max_per_m2:
            self._above_since = None
            return []
        if self._above_since is None:
            self._above_since = obs.t
        held = obs.t - self._above_since >= config.hold_s
        cooled = self._fired_at is None or obs.t - self._fired_at >= config.cooldown_s
        if not (held and cooled):
            return []
        self._fired_at = obs.t
        details: dict[str, float | int | str] = {
            "people": len(people),
            "per_m2": round(density, 3),
            "threshold_per_m2": config.max_per_m2,
        }
        return [Hit("crowd_density", self.name, obs.t, bounds(self._zone), None, details)]
