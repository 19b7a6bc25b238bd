"""Text regions (vehicle plates, shop signs, written names) with PP-OCR's detector, no recognition.

The model and its DB post-processing ship in the `rapidocr-onnxruntime` wheel (Apache-2.0); csu
runs only its detection stage, single-threaded, and never reads what the text says.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from csu.runtime_tuning import ONNX_THREADS
from privacy.anonymise.regions import Detection, Region
from privacy.masking import Image

MODEL_PACKAGE = "rapidocr_onnxruntime"
MODEL_FILE = "models/ch_PP-OCRv4_det_infer.onnx"


def model_path() -> Path:
    """Where the installed rapidocr wheel keeps PP-OCRv4's text detection ONNX file."""
    # find_spec locates the package without running its code (its __init__ loads every model).
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package '{MODEL_PACKAGE}' is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE


def _detector(config: dict[str, Any]) -> Any:
    from rapidocr_onnxruntime.ch_ppocr_det.text_detect import TextDetector
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    class _Capped(TextDetector):  # type: ignore[misc]
        # rapidocr picks 960/1500/2000 by image size with limit_type "max": csu caps the long
        # side at the configured size instead, which sets the cost per detection.
        def get_preprocess(self, max_wh: int) -> Any:
            return DetPreProcess(self.limit_side_len, "max", self.mean, self.std)

    return _Capped(config)


class TextRegionDetector:
    """Finds text boxes in BGR frames; one single-threaded session per camera thread."""

    def __init__(
        self,
        *,
        long_side: int = 960,
        threshold: float = 0.3,
        box_threshold: float = 0.5,
        path: Path | None = None,
    ) -> None:
        self._detector = _detector(
            {
                "model_path": str(path or model_path()),
                "intra_op_num_threads": ONNX_THREADS,
                "inter_op_num_threads": ONNX_THREADS,
                "use_cuda": False,
                "use_dml": False,
                "limit_side_len": long_side,
                "limit_type": "max",
                "mean": [0.5, 0.5, 0.5],
                "std": [0.5, 0.5, 0.5],
                "thresh": threshold,
                "box_thresh": box_threshold,
                "unclip_ratio": 1.6,
                "use_dilation": True,
                "score_mode": "fast",
            }
        )

    def detect(self, image: Image) -> list[Detection]:
        """Text boxes (axis-aligned around each quadrilateral) in normalised coordinates."""
        height, width = image.shape[:2]
        quads, _ = self._detector(image)
        if quads is None or len(quads) == 0:
            return []
        out = []
        for quad in np.asarray(quads, dtype=np.float32):
            x0, y0 = quad.min(axis=0)
            x1, y1 = quad.max(axis=0)
            region = Region(
                max(0.0, float(x0) / width),
                max(0.0, float(y0) / height),
                min(1.0, float(x1 + 1) / width),
                min(1.0, float(y1 + 1) / height),
            )
            out.append(Detection(region, 1.0))
        return out
