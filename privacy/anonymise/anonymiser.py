"""One camera's anonymiser: detections in, held regions out, applied to every frame.

Two threads share it: the camera's detection thread calls `observe` a few times a second, its
ingest thread calls `apply` on every frame. The state is one immutable snapshot swapped whole
(only `observe` writes it), so `apply` never sees half an update and never waits for a detection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from privacy.anonymise.obscure import Style, obscure, obscure_all
from privacy.anonymise.regions import Detection, HeldRegion, HoldRule, after_detection, regions_at
from privacy.masking import Image


class Detector(Protocol):
    """Finds what must be hidden (faces; people or plates with another model) in BGR frames."""

    def detect(self, image: Image) -> Sequence[Detection]:
        """Boxes to hide, in normalised coordinates."""
        ...


@dataclass(frozen=True)
class _State:
    held: tuple[HeldRegion, ...] = ()
    # When the frame of the last successful detection was taken; None before the first one.
    detected_at: float | None = None
    failed: bool = False


class Anonymiser:
    """Hides what a detector finds, holding it between detections; fails closed."""

    def __init__(
        self,
        detector: Detector,
        *,
        rule: HoldRule | None = None,
        style: Style = Style.PIXELATE,
        stale_after_s: float = 1.0,
        lookahead: bool = False,
    ) -> None:
        """`lookahead`: frames are applied once a later detection is done (held back by the
        worker), and boxes found after a frame mask it too."""
        self._detector = detector
        self._rule = rule or HoldRule()
        self._style = style
        self._stale_after_s = stale_after_s
        self._lookahead = lookahead
        self._state = _State()

    @property
    def ready(self) -> bool:
        """Whether a recent enough detection vouches for the frames now."""
        state = self._state
        return not state.failed and state.detected_at is not None

    @property
    def detected_at(self) -> float | None:
        """When the frame of the last successful detection was taken (None before, or failed)."""
        state = self._state
        return None if state.failed else state.detected_at

    def observe(self, frame: Image, at: float) -> None:
        """Detect on a frame taken at `at` (monotonic s); on failure fail closed and re-raise."""
        try:
            found = [d.region for d in self._detector.detect(frame)]
        except Exception:
            self._state = replace(self._state, failed=True)
            raise
        held = after_detection(self._state.held, found, at, self._rule)
        self._state = _State(held, at)

    def apply(self, frame: Image, at: float) -> Image:
        """A copy of the frame taken at `at` with every held region hidden.

        Wholly obscured before the first detection, after a failed one, and when the last
        detection is older than `stale_after_s`: a stalled detector must not leave faces showing;
        with lookahead, also when no detection was made on this frame or a later one.
        """
        state = self._state
        if (
            state.failed
            or state.detected_at is None
            or at - state.detected_at > self._stale_after_s
        ):
            return obscure_all(frame)
        if self._lookahead and at > state.detected_at:
            return obscure_all(frame)  # no detection after it yet: the worker released it early
        regions = regions_at(state.held, at, self._rule, backwards=self._lookahead)
        return obscure(frame.copy(), regions, self._style)
