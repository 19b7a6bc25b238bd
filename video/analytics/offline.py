"""`csu analyze`: the analytics pipeline on a video file, one JSON line per event, then a summary.

A site tunes its zones, lines and thresholds on its own footage this way before asking for (or
renewing) an authorisation: nothing is published, stored or sent, results go to stdout only.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import av
import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from csu.config.analytics import (
    AnalyticsConfig,
    AnalyticsRule,
    DetectionModelConfig,
    InputSide,
    Polygon,
    Precision,
    analytics_problems,
)
from privacy.masking import ZoneMasker
from video.analytics.pipeline import Analyser, build_analyser
from video.sources.base import Image

MIN_FPS, MAX_FPS = 0.5, 15.0
DEFAULT_RULES: tuple[dict[str, Any], ...] = (
    {"kind": "person_down", "name": "person-down"},
    {"kind": "crowd_movement", "name": "crowd-movement"},
)


class RulesFile(BaseModel):
    """What `--rules FILE` holds: a camera's analytics settings, without the legal switch."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_size: tuple[InputSide, InputSide] = Field(
        default=(640, 384), description="Detector input [width, height], multiples of 32."
    )
    precision: Precision = Field(
        default="int8", description="Detector arithmetic: int8 (quantised, faster) or fp32."
    )
    models: tuple[str, ...] = Field(default=("people",), description="Detectors to run.")
    site_models: tuple[DetectionModelConfig, ...] = Field(
        default=(), description="Detectors the site supplies (as in the site file's `models`)."
    )
    privacy_zones: tuple[Polygon, ...] = Field(
        default=(), description="Masked before analysis, as the camera would mask them."
    )
    # No min_length: pydantic would add a second, misleading error when one rule is invalid.
    rules: tuple[AnalyticsRule, ...] = Field(default=(), description="What to report.")


@dataclass(frozen=True)
class Settings:
    """A checked offline run: the analytics settings, site models and privacy zones."""

    analytics: AnalyticsConfig
    site_models: dict[str, DetectionModelConfig]
    privacy_zones: list[list[list[float]]]


def _problems(exc: ValidationError, prefix: str) -> list[str]:
    lines = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        lines.append(f"{prefix}{where}: {error['msg']}")
    return lines


def load_settings(rules: Path | None, fps: float) -> Settings | list[str]:
    """The run's settings, or one line per problem with the rules file and the rate."""
    if not MIN_FPS <= fps <= MAX_FPS:
        return [f"--fps: {fps:g} is outside {MIN_FPS:g}..{MAX_FPS:g}"]
    raw: Any = {"rules": list(DEFAULT_RULES)}
    if rules is not None:
        try:
            raw = yaml.safe_load(rules.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            return [f"--rules: cannot read {rules}: {exc}".splitlines()[0]]
    try:
        parsed = RulesFile.model_validate(raw)
        analytics = AnalyticsConfig(
            fps=fps,
            input_size=parsed.input_size,
            precision=parsed.precision,
            models=parsed.models,
            rules=parsed.rules,
        )
    except ValidationError as exc:
        return _problems(exc, f"{rules}: ")
    if not parsed.rules:
        return [f"{rules}: rules: at least one rule is needed"]
    site_models = {m.id: m for m in parsed.site_models}
    problems = analytics_problems(analytics, site_models)
    if problems:
        return [f"{rules}: {'.'.join(map(str, where))}: {why}" for where, why in problems]
    zones = [[[x, y] for x, y in polygon] for polygon in parsed.privacy_zones]
    return Settings(analytics, site_models, zones)


def frames(path: Path, fps: float) -> Iterator[tuple[float, Image]]:
    """The file's frames at about `fps` a second, with their time in seconds from the start."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        due = 0.0
        for frame in container.decode(stream):
            if frame.pts is None or stream.time_base is None:
                continue
            t = float(frame.pts * stream.time_base)
            if t + 1e-6 < due:
                continue
            # A fixed grid keeps the rate when the file's own rate is not a multiple of it.
            due = max(due + 1.0 / fps, t)
            yield t, np.asarray(frame.to_ndarray(format="bgr24"), np.uint8)


def run(path: Path, settings: Settings, data_dir: Path, out: TextIO) -> dict[str, Any]:
    """Analyse the file, writing one JSON line per event; returns the summary."""
    analyser: Analyser = build_analyser(settings.analytics, settings.site_models, data_dir)
    masker = ZoneMasker(settings.privacy_zones)
    counts: Counter[str] = Counter()
    analysed, busy, last_t = 0, 0.0, 0.0
    for t, image in frames(path, settings.analytics.fps):
        began = time.perf_counter()
        hits = analyser.analyse(masker.apply(image), t)
        busy += time.perf_counter() - began
        analysed, last_t = analysed + 1, t
        for hit in hits:
            counts[hit.kind] += 1
            line = {
                "event": hit.kind,
                "rule": hit.rule,
                "t": round(hit.t, 3),
                "box": hit.box.as_list(),
                "track": hit.track,
                "details": hit.details,
            }
            out.write(json.dumps(line) + "\n")
    return {
        "summary": {
            "file": str(path),
            "frames": analysed,
            "seconds": round(last_t, 3),
            "events": dict(sorted(counts.items())),
            "ms_per_frame": round(1000 * busy / analysed, 1) if analysed else None,
        }
    }


def main(video: Path, rules: Path | None, fps: float, data_dir: Path) -> int:
    """The `csu analyze` command: exit 0 when analysed, 2 on bad arguments."""
    errors = [] if video.is_file() else [f"VIDEO: no file at {video}"]
    settings = load_settings(rules, fps)
    if isinstance(settings, list):
        errors += settings
    if errors or isinstance(settings, list):
        for line in errors:
            print(line, file=sys.stderr)
        return 2
    try:
        summary = run(video, settings, data_dir, sys.stdout)
    except av.error.FFmpegError as exc:
        print(f"VIDEO: cannot decode {video}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary))
    return 0
