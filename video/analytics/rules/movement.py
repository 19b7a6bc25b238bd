"""Crowd movement: many people suddenly moving much faster than they just did."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from csu.config.analytics import CrowdMovement
from video.analytics.geometry import Box, Point
from video.analytics.rules.base import forget_gone, in_zone, of_kind
from video.analytics.tracks import Hit, Observation, Track

# Below this recent speed (image units per second) a person counts as standing: the jump
# factor is taken against it, so someone starting to run from still counts too.
_STANDING = 0.02


def _speed(a: tuple[float, Point], b: tuple[float, Point]) -> float:
    (ta, (xa, ya)), (tb, (xb, yb)) = a, b
    return float(((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5 / max(tb - ta, 1e-6))


class CrowdMovementRule:
    """Fires when at least `min_tracks` people, and `min_fraction` of those present, speed up.

    A person speeds up when their speed over the last frame is at least `min_speed` and
    `speed_jump` times their average speed over the `window_s` before it.
    """

    def __init__(self, config: CrowdMovement) -> None:
        self.name = config.name
        self._config = config
        self._zone: Sequence[Point] | None = config.zone
        self._history: dict[str, deque[tuple[float, Point]]] = {}
        self._fired_at: float | None = None

    def observe(self, obs: Observation) -> list[Hit]:
        """A hit when enough people speed up at once (and the cooldown has passed)."""
        people = [t for t in of_kind(obs.tracks, ("person",)) if in_zone(t.box.feet, self._zone)]
        forget_gone(self._history, people)
        jumped = [t for t in people if self._jumped(t, obs.t)]
        config = self._config
        enough = len(jumped) >= config.min_tracks and len(jumped) >= config.min_fraction * len(
            people
        )
        cooled = self._fired_at is None or obs.t - self._fired_at >= config.cooldown_s
        if not (enough and cooled):
            return []
        self._fired_at = obs.t
        box = Box(
            min(t.box.x1 for t in jumped),
            min(t.box.y1 for t in jumped),
            max(t.box.x2 for t in jumped),
            max(t.box.y2 for t in jumped),
        )
        details: dict[str, float | int | str] = {"people": len(people), "sped_up": len(jumped)}
        return [Hit("crowd_movement", self.name, obs.t, box, None, details)]

    def _jumped(self, track: Track, t: float) -> bool:
        history = self._history.setdefault(track.key, deque())
        history.append((t, track.box.feet))
        while len(history) > 2 and t - history[1][0] > self._config.window_s:
            history.popleft()
        if len(history) < 3:
            return False
        now = _speed(history[-2], history[-1])
        recent = _speed(history[0], history[-2])
        config = self._config
        return now >= config.min_speed and now >= config.speed_jump * max(recent, _STANDING)
