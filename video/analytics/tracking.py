"""Tracking with ultralytics' ByteTrack, one tracker per camera and detection source.

ByteTrack matches boxes by position and motion only (no appearance model): nothing about a
person's looks is computed or kept, so a track cannot be matched on another camera.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from video.analytics.geometry import Box
from video.analytics.tracks import Detection, Track

# How long a lost track is kept for re-association (occlusion behind a lamp post, a missed frame).
LOST_S = 2.0


class _Boxes:
    """The detections as ByteTrack reads them: xywh, conf and cls arrays, boolean-indexable."""

    def __init__(
        self, xywh: NDArray[np.float32], conf: NDArray[np.float32], cls: NDArray[np.float32]
    ):
        self.xywh, self.conf, self.cls = xywh, conf, cls

    def __len__(self) -> int:
        return len(self.conf)

    def __getitem__(self, index: Any) -> _Boxes:
        return _Boxes(self.xywh[index], self.conf[index], self.cls[index])


def _as_boxes(detections: Sequence[Detection]) -> _Boxes:
    # ByteTrack works in pixels-like units; normalised units times 1000 keep its gating sane.
    rows = [
        (
            (d.box.x1 + d.box.x2) * 500,
            (d.box.y1 + d.box.y2) * 500,
            (d.box.x2 - d.box.x1) * 1000,
            (d.box.y2 - d.box.y1) * 1000,
        )
        for d in detections
    ]
    xywh = np.array(rows, dtype=np.float32).reshape(-1, 4)
    conf = np.array([d.score for d in detections], dtype=np.float32)
    cls = np.array([d.cls for d in detections], dtype=np.float32)
    return _Boxes(xywh, conf, cls)


class Tracker:
    """Follows one source's detections from frame to frame; keys are `prefix` + ByteTrack id."""

    def __init__(self, prefix: str, fps: float) -> None:
        from ultralytics.trackers.byte_tracker import BYTETracker
        from ultralytics.utils import YAML, IterableSimpleNamespace
        from ultralytics.utils.checks import check_yaml

        # Ultralytics is untyped: its callables are taken as Any on purpose.
        load: Any = YAML.load
        find: Any = check_yaml
        tracker_class: Any = BYTETracker
        # The tracker's defaults come from the installed ultralytics' own bytetrack.yaml.
        args = IterableSimpleNamespace(**load(find("bytetrack.yaml")))
        args.track_buffer = max(1, round(LOST_S * fps))
        # At a few frames a second a walker's box overlaps its last one by little; weighting
        # that overlap by the score as well (fuse_score) loses people the detector scores
        # around 0.5, so matching goes on overlap alone.
        args.fuse_score = False
        self._tracker = tracker_class(args)
        self._prefix = prefix

    def update(self, detections: Sequence[Detection]) -> list[Track]:
        """The confirmed tracks after this frame's detections."""
        rows = self._tracker.update(_as_boxes(detections))
        tracks = []
        for x1, y1, x2, y2, track_id, score, _cls, index in rows:
            source = detections[int(index)]
            box = Box(
                max(0.0, float(x1) / 1000),
                max(0.0, float(y1) / 1000),
                min(1.0, float(x2) / 1000),
                min(1.0, float(y2) / 1000),
            )
            tracks.append(Track(f"{self._prefix}{int(track_id)}", box, source.labels, float(score)))
        return tracks
