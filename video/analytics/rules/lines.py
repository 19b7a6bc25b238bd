"""Line rule: a track crossing a line against the allowed direction of travel (wrong way)."""

from __future__ import annotations

from csu.config.analytics import WrongWay
from video.analytics.geometry import Point, crosses, side
from video.analytics.rules.base import forget_gone, of_kind
from video.analytics.tracks import Hit, Observation


class WrongWayRule:
    """Fires on each crossing whose side-to-side move opposes the allowed direction.

    A track is followed by its box centre: for vehicles seen from above, and for objects
    entering at the image edge, the centre moves more steadily than the bottom edge.
    """

    def __init__(self, config: WrongWay) -> None:
        self.name = config.name
        self._config = config
        self._line: tuple[Point, Point] = config.line
        (x0, y0), (x1, y1) = config.line
        dx, dy = config.direction
        # Which side the allowed direction leads to: the sign of the line's cross product.
        self._allowed_sign = (x1 - x0) * dy - (y1 - y0) * dx
        self._last: dict[str, Point] = {}
        self.crossings = {"allowed": 0, "against": 0}

    def observe(self, obs: Observation) -> list[Hit]:
        """Hits for the crossings against the allowed direction on this frame."""
        tracks = of_kind(obs.tracks, self._config.objects)
        forget_gone(self._last, tracks)
        hits = []
        for track in tracks:
            now = track.box.centre
            before = self._last.get(track.key)
            self._last[track.key] = now
            if before is None or not crosses(before, now, self._line):
                continue
            against = side(now, self._line) * self._allowed_sign < 0
            self.crossings["against" if against else "allowed"] += 1
            if against:
                details: dict[str, float | int | str] = {
                    "from": f"{before[0]:.3f},{before[1]:.3f}",
                    "to": f"{now[0]:.3f},{now[1]:.3f}",
                }
                hits.append(Hit("wrong_way", self.name, obs.t, track.box, track.key, details))
        return hits
