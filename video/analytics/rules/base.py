"""What every rule shares: the rule protocol, and choosing the tracks a rule looks at."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from video.analytics.geometry import Point, inside
from video.analytics.tracks import Hit, Observation, Track

V = TypeVar("V")


class Rule(Protocol):
    """Turns analysed frames, in order, into hits."""

    name: str

    def observe(self, obs: Observation) -> list[Hit]:
        """The hits this frame raises."""
        ...


def of_kind(tracks: Iterable[Track], objects: Iterable[str]) -> list[Track]:
    """The tracks carrying any of the wanted labels."""
    wanted = frozenset(objects)
    return [t for t in tracks if t.labels & wanted]


def in_zone(point: Point, zone: Sequence[Point] | None) -> bool:
    """Whether the point is in the zone; everywhere is in when there is no zone."""
    return zone is None or inside(point, zone)


def forget_gone(state: dict[str, V], tracks: Iterable[Track]) -> None:
    """Drop per-track state of tracks the tracker no longer reports (they never come back)."""
    present = {t.key for t in tracks}
    for key in [k for k in state if k not in present]:
        del state[key]
