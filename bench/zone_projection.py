"""The cost per frame of masking a PTZ camera's zones where they are (privacy.masking).

Run: `python -m bench.zone_projection [--frames 200]`; prints one JSON line per frame size with
the mean and p95 (ms) of FollowingZoneMasker.apply on the ingest thread's path:
- `static`: the fixed-camera ZoneMasker, for comparison (mask made once);
- `at_rest`: the dome still (the projected mask is made once and reused);
- `panning`: the pose changes every frame, margins grown (projection, fill and dilation a frame);
- `zooming`: as panning, with the zoom uncertain too (each edge's sweep filled as well).
Zones: the demo dome's block of flats and three more windows, on the demo dome's optics.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np

from csu.config.ptz_view import PtzViewConfig
from privacy.masking import FollowingZoneMasker, Masker, ZoneMasker
from privacy.zones.projection import ViewPose

VIEW = PtzViewConfig(
    pan_degrees=(-60, 60), tilt_degrees=(-35, 15), fov=((0, 62), (0.5, 25), (1, 6))
)
ZONES = [
    [(0.58, 0.16), (0.74, 0.16), (0.74, 0.70), (0.58, 0.70)],
    [(0.20, 0.20), (0.26, 0.20), (0.26, 0.35), (0.20, 0.35)],
    [(0.40, 0.10), (0.45, 0.10), (0.47, 0.30), (0.40, 0.32)],
    [(0.80, 0.25), (0.90, 0.25), (0.90, 0.45), (0.80, 0.45)],
]
SIZES = ((1280, 720), (1920, 1080))


def _poses(kind: str) -> Callable[[], ViewPose]:
    step = [0]

    def pose() -> ViewPose:
        step[0] += 1
        pan = 10.0 + (0.3 * step[0] if kind != "at_rest" else 0.0)
        if kind == "zooming":
            return ViewPose(pan, -5.0, 20.0, 45.0, 6.0)
        if kind == "panning":
            return ViewPose(pan, -5.0, 30.0, 30.0, 12.0)
        return ViewPose(pan, -5.0, 30.0, 30.0, 0.5)

    return pose


def _time(masker: Masker, frames: int, size: tuple[int, int]) -> dict[str, float]:
    width, height = size
    frame = np.random.default_rng(1).integers(0, 255, (height, width, 3), dtype=np.uint8)
    masker.apply(frame.copy())  # caches warmed
    spent = []
    for _ in range(frames):
        image = frame.copy()
        began = time.perf_counter()
        masker.apply(image)
        spent.append((time.perf_counter() - began) * 1000)
    return {
        "mean_ms": round(float(np.mean(spent)), 3),
        "p95_ms": round(float(np.percentile(spent, 95)), 3),
    }


def main() -> None:
    """Print one JSON line per frame size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    frames = parser.parse_args().frames
    for size in SIZES:
        figures: dict[str, object] = {"size": f"{size[0]}x{size[1]}"}
        figures["static"] = _time(ZoneMasker(ZONES), frames, size)
        for kind in ("at_rest", "panning", "zooming"):
            figures[kind] = _time(FollowingZoneMasker(ZONES, VIEW, _poses(kind)), frames, size)
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
