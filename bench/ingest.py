"""Ingest: cameras per core at 720p25 with privacy zones, then with the anonymised rendition.

Run: `python -m bench.ingest [--cameras 4] [--seconds 10]`; prints one JSON line per figure.

A 720p H.264 clip is encoded first from the demo `faces` scene (a slow pan over a photo with
faces) into a temporary file. Each camera is a real ingest worker on that file through the file
source (PyAV decode paced to 25 fps) with three privacy zones. A follower thread per camera takes
every frame of the rendition measured, as a live encoder would (without encoding: that is the live
view's cost). CPU is the whole process's (`time.process_time()`, every thread) over a fixed wall
time after a warm-up, so the detector's model load is not counted.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np

from csu.config.cameras import AnonymiserConfig
from privacy.anonymise import Anonymiser, CenterFaceDetector, Detection, HoldRule, Style
from privacy.anonymise.centerface import input_size
from privacy.masking import Image, ZoneMasker
from privacy.renditions import Rendition
from video.ingest import AnonymisedRendition, IngestWorker
from video.scenes import make_scene

WIDTH, HEIGHT, FPS = 1280, 720, 25
DEFAULTS = AnonymiserConfig()  # csu's defaults: 5 detections a second, input long side 448
ZONES = [
    [(0.0, 0.0), (0.2, 0.0), (0.2, 0.3), (0.0, 0.3)],
    [(0.8, 0.0), (1.0, 0.0), (1.0, 0.4), (0.8, 0.4)],
    [(0.4, 0.7), (0.6, 0.7), (0.5, 0.9)],
]


def emit(**fields: Any) -> None:
    """One JSON result line."""
    print(json.dumps({"bench": "ingest", **fields}), flush=True)


def make_clip(path: Path, seconds: float) -> Path:
    """Encode the `faces` demo scene as 720p25 H.264, a keyframe every 2 s as cameras send."""
    scene = make_scene("faces", WIDTH, HEIGHT)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"g": str(2 * FPS)})
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        for i in range(int(seconds * FPS)):
            frame = av.VideoFrame.from_ndarray(scene.render(i / FPS), format="bgr24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def detector_ms(frame: Image, settings: AnonymiserConfig, calls: int = 30) -> float:
    """Median CPU milliseconds of one CenterFace call on a 720p frame, one thread."""
    detector = CenterFaceDetector(long_side=settings.input_long_side)
    detector.detect(frame)
    times = []
    for _ in range(calls):
        start = time.process_time()
        detector.detect(frame)
        times.append(time.process_time() - start)
    return float(np.median(times)) * 1000


class CountingDetector:
    """CenterFace, counting its calls."""

    def __init__(self, settings: AnonymiserConfig) -> None:
        self.inner = CenterFaceDetector(
            long_side=settings.input_long_side, threshold=settings.threshold
        )
        self.calls = 0

    def detect(self, image: Image) -> Sequence[Detection]:
        """Detect and count."""
        self.calls += 1
        return self.inner.detect(image)


@dataclass
class Detectors:
    """The detectors a camera's anonymised rendition has built, as csu builds them."""

    settings: AnonymiserConfig
    built: list[CountingDetector]

    def anonymiser(self) -> Anonymiser:
        """An anonymiser like video.service's, with a counting detector."""
        detector = CountingDetector(self.settings)
        self.built.append(detector)
        rule = HoldRule(
            margin=self.settings.margin,
            growth_per_s=self.settings.growth_per_s,
            hold_cycles=self.settings.hold_cycles,
        )
        return Anonymiser(detector, rule=rule, style=Style(self.settings.style))

    @property
    def calls(self) -> int:
        """Detector calls so far."""
        return sum(d.calls for d in self.built)


@dataclass
class Camera:
    """One benchmarked camera: its worker, its detectors, its follower's frame count."""

    worker: IngestWorker
    detectors: Detectors
    frames: int = 0

    def follow(self, rendition: Rendition, stop: threading.Event) -> None:
        """Take every frame of the rendition until told to stop."""
        after = -1
        while not stop.is_set():
            frame = self.worker.wait_frame(after, 0.5, rendition)
            if frame is not None:
                self.frames += 1
                after = frame.index

    @property
    def detections(self) -> int:
        """Detector calls so far."""
        return self.detectors.calls


def start_cameras(clip: Path, count: int, settings: AnonymiserConfig) -> list[Camera]:
    """Start `count` workers on the clip, each with the anonymised rendition available."""
    cameras: list[Camera] = []
    for i in range(count):
        detectors = Detectors(settings, [])
        rendition = AnonymisedRendition(
            make=detectors.anonymiser, detection_fps=settings.detection_fps
        )
        worker = IngestWorker(
            f"bench-{i}", clip.as_uri(), FPS, ZoneMasker(ZONES), anonymised=rendition
        )
        worker.start()
        cameras.append(Camera(worker, detectors))
    return cameras


@dataclass(frozen=True)
class Run:
    """What one measurement runs."""

    clip: Path
    cameras: int
    settings: AnonymiserConfig
    warmup_s: float
    seconds: float


def run(spec: Run, rendition: Rendition) -> None:
    """Measure the cameras followed in one rendition; emit the figures."""
    count = spec.cameras
    cameras = start_cameras(spec.clip, count, spec.settings)
    stop = threading.Event()
    followers = [
        threading.Thread(target=c.follow, args=(rendition, stop), daemon=True) for c in cameras
    ]
    for follower in followers:
        follower.start()
    try:
        time.sleep(spec.warmup_s)
        frames0, detections0 = [c.frames for c in cameras], [c.detections for c in cameras]
        cpu0, wall0 = time.process_time(), time.monotonic()
        time.sleep(spec.seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        frames = sum(c.frames for c in cameras) - sum(frames0)
        detections = sum(c.detections for c in cameras) - sum(detections0)
    finally:
        stop.set()
        for camera in cameras:
            camera.worker.stop()
        for follower in followers:
            follower.join(2.0)
    cores_per_camera = cpu / wall / count
    emit(
        figure=f"cameras per core, 720p25, {rendition.value} rendition",
        rendition=rendition.value,
        cameras=count,
        detection_fps=spec.settings.detection_fps,
        detector_long_side=spec.settings.input_long_side,
        wall_s=round(wall, 2),
        cpu_s=round(cpu, 2),
        cores_per_camera=round(cores_per_camera, 4),
        cameras_per_core=round(1 / cores_per_camera, 2),
        frames_per_s_per_camera=round(frames / wall / count, 2),
        detections_per_s_per_camera=round(detections / wall / count, 2),
    )


def main() -> None:
    """Encode the clip, time the detector, then measure both renditions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--long-side", type=int, default=DEFAULTS.input_long_side)
    args = parser.parse_args()
    settings = DEFAULTS.model_copy(update={"input_long_side": args.long_side})
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "faces-720p.mp4", seconds=8.0)
        frame = make_scene("faces", WIDTH, HEIGHT).render(1.0)
        size = input_size(WIDTH, HEIGHT, settings.input_long_side)
        emit(
            figure="CenterFace per call, 720p frame",
            detector_input=f"{size[0]}x{size[1]}",
            ms_per_call=round(detector_ms(frame, settings), 2),
        )
        spec = Run(clip, args.cameras, settings, args.warmup, args.seconds)
        for rendition in (Rendition.ZONES, Rendition.ANONYMISED):
            run(spec, rendition)


if __name__ == "__main__":
    main()
