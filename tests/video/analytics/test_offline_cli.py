"""`csu analyze`: bad arguments give exit 2 and one line per problem; the demo camera's rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from csu.cli import main
from csu.demo import demo_site
from video.analytics.pipeline import build_analyser
from video.scenes import make_scene


def test_bad_arguments_exit_2_with_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(tmp_path / "none.mp4"), "--fps", "fast"]) == 2
    assert capsys.readouterr().err.splitlines() == ["--fps : 'fast' n'est pas un nombre"]

    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{kind: zone_intrusion, name: z, zone: [[0, 0], [1, 0]]}]\n")
    assert main(["analyze", str(tmp_path / "none.mp4"), "--rules", str(rules)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"VIDEO: no file at {tmp_path / 'none.mp4'}"
    assert len(err) == 2 and err[1].startswith(f"{rules}: rules.0.zone_intrusion.zone")

    assert main(["analyze", str(tmp_path / "none.mp4"), "--fps", "40"]) == 2
    assert capsys.readouterr().err.splitlines()[1] == "--fps: 40 is outside 0.5..15"


def test_rules_needing_a_missing_model_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = tmp_path / "v.mp4"
    video.write_bytes(b"")
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: [{kind: weapon, name: gun}]\n")
    assert main(["analyze", str(video), "--rules", str(rules)]) == 2
    assert "needs a model that detects weapon" in capsys.readouterr().err


def test_the_demo_camera_is_analysed_lawfully() -> None:
    analysed = [c for c in demo_site().cameras if c.analytics.enabled]
    assert [c.id for c in analysed] == ["cam-gare-parvis"]
    analytics = analysed[0].analytics
    assert analytics.legal_basis and "DEMO" in analytics.legal_basis and analytics.end_date


@pytest.mark.slow
def test_the_demo_camera_raises_zone_entries(models_dir: Path) -> None:
    # The photo pan of the demo camera moves one of its two people into the watched strip
    # about 22 s into each 80 s sweep (measured on the rendered scene).
    camera = next(c for c in demo_site().cameras if c.analytics.enabled)
    analyser = build_analyser(camera.analytics, {}, models_dir)
    scene = make_scene("faces", 1280, 720)
    hits = []
    for step in range(int(14 * camera.analytics.fps)):
        t = 14.0 + step / camera.analytics.fps
        hits += analyser.analyse(scene.render(t), t)
    assert [h.kind for h in hits] and {h.kind for h in hits} == {"zone_intrusion"}
