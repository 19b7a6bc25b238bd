"""The pipeline on real video (shared/data/video): people counts, zone entry, wrong-way crossings.

Hand counts and times were read off extracted frames; each test states its tolerance.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from csu.config.analytics import AnalyticsConfig
from video.analytics import offline
from video.analytics.pipeline import build_analyser

pytestmark = pytest.mark.slow

# visionworks_pedestrians.mp4 (960x540): people wholly or mostly in view, counted by hand at
# these seconds (the partial figure at the right edge at 8 s is not counted).
PLAZA_HAND_COUNTS = {0.0: 6, 4.0: 7, 8.0: 7, 12.0: 7}
# The detector also takes a dog for a (fallen) person now and then, and misses people behind the
# lamp post: a count within two of the hand count is the stated tolerance.
PLAZA_TOLERANCE = 2

# intel_one-by-one-person-detection.mp4 (768x432, 10 fps): a zone drawn on the floor in front
# of the table. The first visitor walks in from below the picture; her feet come into view and
# step into the zone at 7.2-7.3 s (read off frames 72-73); they were nowhere near it before.
TABLE_ZONE = [[0.45, 0.84], [0.72, 0.84], [0.72, 0.97], [0.45, 0.97]]
FEET_IN_ZONE_S = 7.2


def test_people_counts_on_the_plaza_clip(videos: Path, models_dir: Path) -> None:
    config = AnalyticsConfig.model_validate(
        {
            "fps": 2,
            # the plaza's people are small: 960x544 finds them, 640x384 misses one or two
            "input_size": [960, 544],
            "rules": [
                {
                    "kind": "crowd_density",
                    "name": "plaza",
                    "zone": [[0, 0], [1, 0], [1, 1], [0, 1]],
                    "area_m2": 400,
                    "max_per_m2": 1,
                }
            ],
        }
    )
    analyser = build_analyser(config, {}, models_dir)
    counts = {}
    for t, image in offline.frames(videos / "visionworks_pedestrians.mp4", config.fps):
        if t > 12.2:
            break
        analyser.analyse(image, t)
        counts[t] = sum("person" in track.labels for track in analyser.last_tracks)
    for second, hand in PLAZA_HAND_COUNTS.items():
        t = min(counts, key=lambda k: abs(k - second))
        assert abs(counts[t] - hand) <= PLAZA_TOLERANCE, (second, counts[t], hand)


def test_zone_entry_fires_when_the_feet_enter_and_not_before(
    videos: Path, models_dir: Path
) -> None:
    config = AnalyticsConfig.model_validate(
        {
            "fps": 5,
            "input_size": [320, 192],  # the visitors are large: the small input is enough
            "rules": [{"kind": "zone_intrusion", "name": "table", "zone": TABLE_ZONE}],
        }
    )
    analyser = build_analyser(config, {}, models_dir)
    hits = []
    for t, image in offline.frames(videos / "intel_one-by-one-person-detection.mp4", config.fps):
        if t > 10.0:
            break
        hits += analyser.analyse(image, t)
    assert len(hits) == 1, hits
    # Not before the feet are in; within the two analysed frames (0.4 s) that confirm entry.
    assert FEET_IN_ZONE_S <= hits[0].t <= FEET_IN_ZONE_S + 2 / config.fps + 0.2, hits[0]
    assert hits[0].kind == "zone_intrusion" and hits[0].track is not None


def analyse_cars(videos: Path, tmp_path: Path, direction: list[int]) -> list[dict[str, Any]]:
    """`csu analyze` on the car clip with a line across the middle; its JSON lines."""
    rules = tmp_path / "rules.yaml"
    line = {"kind": "wrong_way", "name": "lane", "line": [[0, 0.5], [1, 0.5]]}
    line |= {"direction": direction, "objects": ["moving"]}
    rules.write_text(yaml.safe_dump({"rules": [line]}))
    out = io.StringIO()
    with redirect_stdout(out):
        code = offline.main(videos / "intel_car-detection.mp4", rules, 5.0, tmp_path)
    assert code == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def moved_down(event: dict[str, Any]) -> bool:
    """Whether the event's track went down the picture as it crossed."""
    before = float(event["details"]["from"].split(",")[1])
    after = float(event["details"]["to"].split(",")[1])
    return after > before


def test_car_clip_line_crossings_in_the_right_direction(videos: Path, tmp_path: Path) -> None:
    # Seen from above, four cars cross the middle: up at 5-7 s, down and up together at
    # 16-17 s, down at 26-27 s. Weights-free motion finds them as "moving" objects (csu ships
    # no vehicle model); the first crossing is lost to the camera's exposure change at 5-6 s.
    lines = analyse_cars(videos, tmp_path, [0, -1])  # allowed: up
    *events, summary = lines
    assert summary["summary"]["events"] == {"wrong_way": 2}
    assert [round(e["t"]) for e in events] == [17, 27]
    assert all(e["event"] == "wrong_way" and moved_down(e) for e in events)

    *events, _ = analyse_cars(videos, tmp_path, [0, 1])  # allowed: down
    assert len(events) >= 1
    assert all(not moved_down(e) and 16 <= e["t"] <= 18 for e in events)
