"""The public rendition's cost per 720p frame: person and text detection, and the fills applied.

Run: `python -m bench.public_rendition [--frames 60]`; prints one JSON line per figure, medians in
ms of a single thread (process CPU time, so a shared machine's other load counts less), and the
cores one 720p camera watched in the public rendition costs at 5 detections and 25 frames a second.

Frames: the walking-people clip of the shared test data (CSU_SHARED_DATA), scaled to 1280x720.
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

import cv2

from privacy.anonymise.public import PublicMasking, public_anonymiser
from privacy.anonymise.text import TextRegionDetector
from privacy.masking import Image
from video.analytics.public import TEXT_LONG_SIDE, person_detector

CLIP = "video/visionworks_pedestrians.mp4"


def frames(count: int) -> list[Image]:
    """`count` frames of the clip at 720p."""
    root = Path(os.environ.get("CSU_SHARED_DATA", "../shared/data"))
    capture = cv2.VideoCapture(str(root / CLIP))
    out = []
    while len(out) < count:
        ok, image = capture.read()
        if not ok:
            break
        out.append(cv2.resize(image, (1280, 720), interpolation=cv2.INTER_LINEAR))
    return out


def median_ms(work: Callable[[Image], Any], images: list[Image]) -> float:
    """Median CPU milliseconds of `work` over the images (one warm-up call first)."""
    work(images[0])
    times = []
    for image in images:
        start = time.process_time()
        work(image)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=60)
    args = parser.parse_args()
    images = frames(args.frames)
    masking = PublicMasking()
    with tempfile.TemporaryDirectory() as data:
        persons = person_detector(Path(data))
        text = TextRegionDetector(long_side=TEXT_LONG_SIDE)
        person_ms = median_ms(persons.detect, images)
        text_ms = median_ms(text.detect, images)
        anonymiser = public_anonymiser(persons, text, masking)
        anonymiser.observe(images[0], 0.0)
        apply_ms = median_ms(lambda image: anonymiser.apply(image, 0.0), images)
    figures = {
        "person_detection_ms": person_ms,
        "text_detection_ms": text_ms,
        "apply_fills_ms": apply_ms,
        "cores_per_camera": ((person_ms + text_ms) * masking.detection_fps + apply_ms * 25) / 1000,
    }
    for name, value in figures.items():
        print(json.dumps({"figure": name, "value": round(value, 3), "size": "1280x720"}))


if __name__ == "__main__":
    main()
