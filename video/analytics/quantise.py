"""Static int8 quantisation of an ultralytics ONNX export, calibrated on frames csu owns.

QDQ format with per-channel int8 weights and uint8 activations: the pair onnxruntime runs with
its VNNI kernels on x86 (int8 activations ran 2x slower than fp32 here). The detection head's
decoding stays in float: its last node concatenates box coordinates (0..640) with class scores
(0..1), and one uint8 scale for both rounds every score to zero (no detection at all, measured).
Percentile calibration (99.999 %) clips rare activation peaks; it agreed best with fp32.
"""

from __future__ import annotations

import io
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path

import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quantize_static,
)

from video.analytics.calibration import calibration_images
from video.analytics.detector import letterbox

log = logging.getLogger(__name__)

_MODULE = re.compile(r"^/model\.(\d+)/")


class QuantiseError(RuntimeError):
    """The model cannot be quantised; the message says why."""


class _Frames(CalibrationDataReader):  # type: ignore[misc]  # untyped base
    """The calibration images, letterboxed like the detector does, one feed at a time."""

    def __init__(self, input_name: str, input_size: tuple[int, int]) -> None:
        self._feeds: Iterator[dict[str, object]] = (
            {input_name: letterbox(image, input_size)[0]} for image in calibration_images()
        )

    def get_next(self) -> dict[str, object] | None:
        """The next calibration input, or None when done."""
        return next(self._feeds, None)


def decoding_nodes(model: onnx.ModelProto) -> list[str]:
    """The head's decoding: its last module's nodes outside its conv branches, and all after.

    Ultralytics names the head's branches cv2, cv3 (cv4 for masks); the rest of the head (the
    distribution focal loss, box arithmetic, concatenations) decodes their outputs.
    """
    modules = [int(m.group(1)) for n in model.graph.node if (m := _MODULE.match(n.name))]
    if not modules:
        raise QuantiseError("not an ultralytics export (no /model.N/ nodes): use precision fp32")
    head = f"/model.{max(modules)}/"
    branch = re.compile(rf"^{re.escape(head)}cv\d+\.")
    tainted: set[str] = set()
    excluded: list[str] = []
    for node in model.graph.node:  # ONNX graphs are stored in topological order
        decoding = node.name.startswith(head) and not branch.match(node.name)
        if decoding or tainted.intersection(node.input):
            excluded.append(node.name)
            tainted.update(node.output)
    return excluded


def quantise(
    fp32: Path,
    target: Path,
    input_size: tuple[int, int],
    *,
    method: CalibrationMethod = CalibrationMethod.Percentile,
) -> None:
    """Write the int8 model of a fixed-size fp32 export to `target` (atomically)."""
    model = onnx.load(str(fp32))
    input_name = model.graph.input[0].name
    excluded = decoding_nodes(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        out = Path(work) / target.name
        chatter = io.StringIO()
        try:
            # The calibrator prints its progress: on stdout it would corrupt `csu analyze`'s
            # JSON lines, so it goes to the debug log instead.
            with redirect_stdout(chatter):
                quantize_static(
                    str(fp32),
                    str(out),
                    _Frames(input_name, input_size),
                    quant_format=QuantFormat.QDQ,
                    per_channel=True,
                    weight_type=QuantType.QInt8,
                    activation_type=QuantType.QUInt8,
                    calibrate_method=method,
                    nodes_to_exclude=excluded,
                    extra_options={"CalibMovingAverage": False},
                )
        except Exception as exc:
            raise QuantiseError(f"cannot quantise {fp32.name}: {exc}") from exc
        finally:
            log.debug("quantising %s: %s", fp32.name, chatter.getvalue().strip())
        os.replace(out, target)
    log.info("%s quantised to int8 for %dx%d input", fp32.name, *input_size)
