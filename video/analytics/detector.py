"""A YOLO detector run with onnxruntime on one thread, returning boxes with csu labels.

One session per camera thread, each single-threaded: on this kind of machine a second thread
gives a detector only 1.4x (measurements.md), so cameras scale better side by side, and
onnxruntime beat both OpenCV's DNN module and ultralytics' own PyTorch path (bench/analytics.py).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from csu.runtime_tuning import ONNX_THREADS
from video.analytics.geometry import Box
from video.analytics.tracks import Detection
from video.sources.base import Image

# Low-score boxes are kept for the tracker's second association (ByteTrack's low threshold);
# a track only starts from a confident one.
MIN_SCORE = 0.1
NMS_IOU = 0.6
_PAD = 114


def session(path: Path) -> ort.InferenceSession:
    """A single-threaded CPU onnxruntime session (csu.runtime_tuning.ONNX_THREADS)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = ONNX_THREADS
    options.inter_op_num_threads = ONNX_THREADS
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def class_names(model: ort.InferenceSession) -> dict[int, str]:
    """The class names ultralytics wrote into the export's metadata."""
    text = model.get_modelmeta().custom_metadata_map.get("names")
    if text is None:
        raise ValueError("the ONNX file has no class names (not an ultralytics export?)")
    names = ast.literal_eval(text)
    return {int(k): str(v) for k, v in names.items()}


def class_labels(
    names: Mapping[int, str], labels: Mapping[str, tuple[str, ...]]
) -> dict[int, frozenset[str]]:
    """For each model class that means something to csu, the csu labels it carries."""
    known = set(names.values())
    unknown = sorted({n for wanted in labels.values() for n in wanted} - known)
    if unknown:
        raise ValueError(f"the model has no class {', '.join(unknown)} (it has {sorted(known)})")
    out: dict[int, frozenset[str]] = {}
    for index, name in names.items():
        carried = frozenset(label for label, wanted in labels.items() if name in wanted)
        if carried:
            out[index] = carried
    return out


def letterbox(
    image: Image, input_size: tuple[int, int]
) -> tuple[NDArray[np.float32], float, tuple[int, int]]:
    """The frame scaled into [width, height] with grey bars, as a 1x3xHxW RGB blob in 0..1."""
    width, height = input_size
    scale = min(width / image.shape[1], height / image.shape[0])
    new_w, new_h = round(image.shape[1] * scale), round(image.shape[0] * scale)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    pad = ((width - new_w) // 2, (height - new_h) // 2)
    canvas = np.full((height, width, 3), _PAD, np.uint8)
    canvas[pad[1] : pad[1] + new_h, pad[0] : pad[0] + new_w] = resized
    blob = np.asarray(cv2.dnn.blobFromImage(canvas, 1 / 255.0, swapRB=True), np.float32)
    return blob, scale, pad


class OnnxDetector:
    """Letterbox, run, decode and suppress overlaps: YOLOv8/11 detect (or segment) exports."""

    def __init__(
        self, path: Path, labels: Mapping[str, tuple[str, ...]], input_size: tuple[int, int]
    ) -> None:
        self._session = session(path)
        meta = self._session.get_inputs()[0]
        height, width = meta.shape[2], meta.shape[3]
        # A fixed-size export dictates its size; a dynamic one takes the camera's.
        fixed = isinstance(height, int) and isinstance(width, int)
        self.input_size = (int(width), int(height)) if fixed else input_size
        self._input = meta.name
        self._names = class_names(self._session)
        self._classes = class_labels(self._names, labels)
        self._wanted = np.array(sorted(self._classes), dtype=np.int64)

    def detect(self, image: Image) -> list[Detection]:
        """The objects in a BGR frame that carry a csu label."""
        tensor, scale, pad = letterbox(image, self.input_size)
        output = self._session.run(None, {self._input: tensor})[0][0]
        scores = output[4 : 4 + len(self._names)].T[:, self._wanted]
        best = scores.argmax(axis=1)
        conf = scores[np.arange(len(best)), best]
        keep = conf >= MIN_SCORE
        if not keep.any():
            return []
        boxes, conf, cls = output[:4].T[keep], conf[keep], self._wanted[best[keep]]
        xywh = np.column_stack([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, 2:]])
        # Class-agnostic: a model's classes may be states of one object (a person standing or
        # fallen), and one object must give one box, the likelier class winning.
        chosen = cv2.dnn.NMSBoxes(xywh.tolist(), conf.tolist(), MIN_SCORE, NMS_IOU)
        height, width = image.shape[:2]
        return [
            self._detection(xywh[i], float(conf[i]), int(cls[i]), scale, pad, width, height)
            for i in np.asarray(chosen, dtype=np.int64).reshape(-1)
        ]

    def _detection(
        self,
        xywh: NDArray[np.float32],
        score: float,
        cls: int,
        scale: float,
        pad: tuple[int, int],
        width: int,
        height: int,
    ) -> Detection:
        x, y, w, h = (float(v) for v in xywh)
        x1, y1 = (x - pad[0]) / scale / width, (y - pad[1]) / scale / height
        x2, y2 = x1 + w / scale / width, y1 + h / scale / height
        box = Box(max(0.0, x1), max(0.0, y1), min(1.0, x2), min(1.0, y2))
        return Detection(box, self._classes[cls], score, cls)
