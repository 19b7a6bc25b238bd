"""Rules on what a model sees: a person on the ground, a fire, a weapon."""

from __future__ import annotations

from collections.abc import Sequence

from csu.config.analytics import PersonDown, SeenLabel
from video.analytics.geometry import Point
from video.analytics.rules.base import forget_gone, in_zone, of_kind
from video.analytics.tracks import Hit, Observation


class PersonDownRule:
    """Fires once per track seen on the ground (the fall class) for `min_frames` frames running."""

    def __init__(self, config: PersonDown) -> None:
        self.name = config.name
        self._config = config
        self._zone: Sequence[Point] | None = config.zone
        self._down: dict[str, int] = {}

    def observe(self, obs: Observation) -> list[Hit]:
        """Hits for the people confirmed on the ground on this frame."""
        people = of_kind(obs.tracks, ("person",))
        forget_gone(self._down, people)
        hits = []
        for track in people:
            if "fallen" not in track.labels or not in_zone(track.box.feet, self._zone):
                # Once fired, a track stays fired (-1): a person lying still must not
                # raise an alert on every flicker of the class.
                if self._down.get(track.key, 0) > 0:
                    self._down[track.key] = 0
                continue
            count = self._down.get(track.key, 0)
            if count < 0:
                continue
            count += 1
            self._down[track.key] = count
            if count >= self._config.min_frames:
                self._down[track.key] = -1
                hits.append(
                    Hit("person_down", self.name, obs.t, track.box, track.key, {"frames": count})
                )
        return hits


class SeenLabelRule:
    """Fires when a fire (or weapon) model reports its label on `min_frames` frames running."""

    def __init__(self, config: SeenLabel) -> None:
        self.name = config.name
        self._config = config
        self._zone: Sequence[Point] | None = config.zone
        self._frames = 0
        self._fired_at: float | None = None

    def observe(self, obs: Observation) -> list[Hit]:
        """A hit when the sighting has lasted long enough (and the cooldown has passed)."""
        config = self._config
        seen = [t for t in of_kind(obs.tracks, (config.kind,)) if in_zone(t.box.centre, self._zone)]
        if not seen:
            self._frames = 0
            return []
        self._frames += 1
        cooled = self._fired_at is None or obs.t - self._fired_at >= config.cooldown_s
        if self._frames < config.min_frames or not cooled:
            return []
        self._fired_at = obs.t
        best = max(seen, key=lambda t: t.score)
        details: dict[str, float | int | str] = {"score": round(best.score, 3)}
        return [Hit(config.kind, self.name, obs.t, best.box, best.key, details)]
