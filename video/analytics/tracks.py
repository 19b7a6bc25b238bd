"""What the detectors and trackers hand the rules: detections, tracks and one analysed frame."""

from __future__ import annotations

from dataclasses import dataclass, field

from video.analytics.geometry import Box

# The label background subtraction gives what moves: it says nothing about what the thing is.
MOVING = "moving"


@dataclass(frozen=True)
class Detection:
    """One object found in one frame: box, the csu labels its class means, score, class index."""

    box: Box
    labels: frozenset[str]
    score: float
    cls: int = 0


@dataclass(frozen=True)
class Track:
    """An object followed across frames of one camera; `key` is unique on that camera only."""

    key: str
    box: Box
    labels: frozenset[str]
    score: float


@dataclass(frozen=True)
class Observation:
    """One analysed frame: when (seconds on the camera's clock), the tracks, the still objects."""

    t: float
    tracks: tuple[Track, ...]
    still: tuple[Box, ...] = ()


@dataclass(frozen=True)
class Hit:
    """A rule fired: what, on which box and track, with figures an operator can check."""

    kind: str
    rule: str
    t: float
    box: Box
    track: str | None = None
    details: dict[str, float | int | str] = field(default_factory=dict)
