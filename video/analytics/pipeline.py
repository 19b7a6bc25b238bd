"""One camera's analysis: detectors, trackers and rules, frame after frame, on one thread."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from csu.config.analytics import AnalyticsConfig, DetectionModelConfig
from video.analytics.background import MovingObjects, StillObjects
from video.analytics.detector import OnnxDetector
from video.analytics.rules import Rule, build_rule
from video.analytics.tracking import Tracker
from video.analytics.tracks import MOVING, Detection, Hit, Observation, Track
from video.analytics.weights import model_source, onnx_file, prepare_ultralytics
from video.sources.base import Image


class Detector(Protocol):
    """Anything that finds labelled objects in a BGR frame."""

    def detect(self, image: Image) -> list[Detection]:
        """The objects in the frame."""
        ...


class Analyser:
    """Runs a camera's detectors and rules on its frames; not thread-safe (one per thread)."""

    def __init__(
        self,
        config: AnalyticsConfig,
        detectors: Sequence[Detector],
        *,
        moving: MovingObjects | None = None,
        still: StillObjects | None = None,
    ) -> None:
        self.config = config
        self.rules: list[Rule] = [build_rule(r) for r in config.rules]
        self._detectors = list(detectors)
        self._trackers = [Tracker(f"o{i}-", config.fps) for i in range(len(self._detectors))]
        self._moving = moving
        self._moving_tracker = Tracker("m", config.fps) if moving is not None else None
        self._still = still
        self.last_tracks: tuple[Track, ...] = ()

    def analyse(self, image: Image, t: float) -> list[Hit]:
        """Detect, track and apply every rule to one frame taken at `t` seconds."""
        tracks: list[Track] = []
        for detector, tracker in zip(self._detectors, self._trackers, strict=True):
            tracks += tracker.update(detector.detect(image))
        if self._moving is not None and self._moving_tracker is not None:
            tracks += self._moving_tracker.update(self._moving.detect(image))
        still = tuple(self._still.detect(image)) if self._still is not None else ()
        self.last_tracks = tuple(tracks)
        observation = Observation(t, self.last_tracks, still)
        return [hit for rule in self.rules for hit in rule.observe(observation)]


def _uses_motion(config: AnalyticsConfig) -> bool:
    return any(MOVING in getattr(r, "objects", ()) for r in config.rules)


def _uses_still(config: AnalyticsConfig) -> bool:
    return any(r.kind == "abandoned_object" for r in config.rules)


def build_analyser(
    config: AnalyticsConfig,
    site_models: Mapping[str, DetectionModelConfig],
    data_dir: Path,
    cancel: threading.Event | None = None,
) -> Analyser:
    """A camera's analyser: models exported for its input size under `data_dir`, loaded
    (a preparation under way ends with WeightsError once `cancel` is set)."""
    cache = data_dir / "models"
    prepare_ultralytics(cache / "ultralytics")
    # Only the models some rule needs are run: each one costs a detector pass per frame.
    needed = {label for rule in config.rules for label in rule.needs()}
    detectors = []
    for model_id in config.models:
        weights, labels = model_source(model_id, site_models)
        if needed & set(labels):
            path = onnx_file(weights, config.input_size, cache, config.precision, cancel=cancel)
            detectors.append(OnnxDetector(path, labels, config.input_size))
    moving = MovingObjects(config.fps) if _uses_motion(config) else None
    still = StillObjects(config.fps) if _uses_still(config) else None
    return Analyser(config, detectors, moving=moving, still=still)
