"""`csu scenario list` and `csu scenario check FILE`, run as a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import csu.demo
from crisis.scenarios.loader import SHIPPED

CSU = str(Path(sys.executable).parent / "csu")


def run_csu(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `csu ARGS` and capture its output."""
    return subprocess.run([CSU, *args], capture_output=True, text=True, timeout=120)


def test_list_prints_each_shipped_scenario_with_its_french_title() -> None:
    result = run_csu("scenario", "list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "coupure-electrique-centre  Coupure d'électricité dans le centre-ville",
        "foule-gare-saint-laud      Afflux de foule à la gare Saint-Laud",
        "orage-passage-souterrain   Orage violent et passage souterrain inondé",
    ]


def test_check_accepts_a_shipped_scenario_in_one_line() -> None:
    path = SHIPPED / "orage-passage-souterrain.yaml"
    result = run_csu("scenario", "check", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"{path} : scénario orage-passage-souterrain valide (11 étapes, durée +01:30:00)\n"
    )


def test_check_names_every_error_and_exits_2(tmp_path: Path) -> None:
    text = (SHIPPED / "orage-passage-souterrain.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        text.replace("type: traffic_light.fault", "type: traffic_light.down", 1).replace(
            "camera: cam-mail-parking\n      event: video_loss", "camera: cam-mail-parking"
        ),
        encoding="utf-8",
    )
    result = run_csu("scenario", "check", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "steps[7].camera.event: required",
        "steps[3].alarm.type: 'traffic_light.down' is not a csu alarm type "
        "(did you mean 'traffic_light.fault'?)",
    ]


def test_check_names_an_unreadable_file_or_bad_yaml(tmp_path: Path) -> None:
    missing = tmp_path / "absent.yaml"
    result = run_csu("scenario", "check", str(missing))
    assert (result.returncode, result.stderr) == (
        2,
        f"{missing}: cannot read scenario: No such file or directory\n",
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: essai\nsteps: [\n", encoding="utf-8")
    result = run_csu("scenario", "check", str(broken))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{broken}:3:1: YAML syntax error: ")
    assert len(result.stderr.splitlines()) == 1


def test_check_with_a_site_names_cameras_and_walls_it_lacks(tmp_path: Path) -> None:
    demo = Path(csu.demo.__file__).parent / "site.yaml"
    path = SHIPPED / "foule-gare-saint-laud.yaml"
    result = run_csu("scenario", "check", str(path), "--config", str(demo))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"{path} : scénario foule-gare-saint-laud valide")
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(
        path.read_text(encoding="utf-8")
        .replace(
            "camera: cam-gare-parvis\n      event: analytics",
            "camera: cam-x\n      event: analytics",
            1,
        )
        .replace("wall: crisis-room", "wall: salle-b"),
        encoding="utf-8",
    )
    result = run_csu("scenario", "check", str(elsewhere), "--config", str(demo))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "steps[1].camera.camera: no camera 'cam-x' on this site",
        "steps[5].expect[1].wall: no wall 'salle-b' on this site",
    ]
    result = run_csu("scenario", "check", str(path), "--config", str(tmp_path / "none.yaml"))
    assert (result.returncode, result.stderr) == (
        2,
        f"{tmp_path / 'none.yaml'}: cannot read site file: No such file or directory\n",
    )
