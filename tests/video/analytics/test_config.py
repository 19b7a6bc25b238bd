"""The lawful switch in the site file: off by default, on only with a legal basis and end date."""

from __future__ import annotations

from pathlib import Path

import yaml

from csu.config import check_site_file, parse_site
from csu.config.analytics import AnalyticsConfig

ZONE = [[0.4, 0.4], [0.6, 0.4], [0.6, 0.6]]
LAWFUL = {
    "legal_basis": "Arrêté préfectoral n° 2026-118 du 3 novembre 2026",
    "end_date": "2026-12-31",
}


def site_errors(tmp_path: Path, analytics: dict[str, object], **extra: object) -> list[str]:
    """The check-config lines for a one-camera site with these analytics settings."""
    camera = {"id": "cam-1", "name": "Cam", "source": "demo://plaza", "analytics": analytics}
    path = tmp_path / "site.yaml"
    path.write_text(yaml.safe_dump({"site": {"name": "T"}, "cameras": [camera], **extra}))
    return check_site_file(path)


def test_analytics_are_off_by_default() -> None:
    site = parse_site("site: {name: T}\ncameras: [{id: c, name: C, source: 'demo://plaza'}]\n")
    assert site.cameras[0].analytics.enabled is False
    assert AnalyticsConfig().enabled is False


def test_enabling_needs_a_legal_basis_an_end_date_and_a_rule(tmp_path: Path) -> None:
    errors = site_errors(tmp_path, {"enabled": True})
    assert len(errors) == 1
    line = errors[0]
    assert line.startswith("cameras[0].analytics: ")
    assert "legal_basis: required" in line and "end_date: required" in line
    assert "at least one rule" in line


def test_a_lawful_camera_is_valid(tmp_path: Path) -> None:
    rules = [{"kind": "zone_intrusion", "name": "tracks", "zone": ZONE}]
    assert site_errors(tmp_path, {"enabled": True, **LAWFUL, "rules": rules}) == []


def test_fire_and_weapon_need_a_model_that_detects_them(tmp_path: Path) -> None:
    rules = [{"kind": "fire", "name": "fire"}, {"kind": "weapon", "name": "gun"}]
    errors = site_errors(tmp_path, {"enabled": True, **LAWFUL, "rules": rules})
    assert errors == [
        "cameras[0].analytics.rules[0]: rule 'fire' (fire) needs a model that detects fire;"
        " none of this camera's models does",
        "cameras[0].analytics.rules[1]: rule 'gun' (weapon) needs a model that detects weapon;"
        " none of this camera's models does",
    ]
    models = [{"id": "fire-net", "path": "/srv/fire.pt", "labels": {"fire": ["fire", "smoke"]}}]
    lawful = {"enabled": True, **LAWFUL, "models": ["fire-net"], "rules": rules[:1]}
    assert site_errors(tmp_path, lawful, models=models) == []


def test_wrong_keys_and_sizes_are_errors(tmp_path: Path) -> None:
    rules = [{"kind": "zone_intrusion", "name": "z", "zone": ZONE, "face_match": True}]
    errors = site_errors(tmp_path, {"input_size": [640, 380], "rules": rules, "models": ["x"]})
    assert any("input_size" in e and "multiple of 32" in e for e in errors)
    assert any("face_match: unknown key" in e for e in errors)


def test_the_detector_runs_int8_unless_fp32_is_asked_for(tmp_path: Path) -> None:
    assert AnalyticsConfig().precision == "int8"
    assert AnalyticsConfig(precision="fp32").precision == "fp32"
    errors = site_errors(tmp_path, {"precision": "fp16"})
    assert len(errors) == 1 and "precision" in errors[0] and "'int8' or 'fp32'" in errors[0]


def test_vehicle_rule_without_a_vehicle_model_is_refused_but_moving_needs_none(
    tmp_path: Path,
) -> None:
    line = {"kind": "wrong_way", "name": "lane", "line": [[0, 0.5], [1, 0.5]], "direction": [0, -1]}
    errors = site_errors(tmp_path, {"enabled": True, **LAWFUL, "rules": [line]})
    assert errors and "detects vehicle" in errors[0]
    moving = {**line, "objects": ["moving"]}
    assert site_errors(tmp_path, {"enabled": True, **LAWFUL, "rules": [moving]}) == []
