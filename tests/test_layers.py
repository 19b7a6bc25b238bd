"""Packages import one way: web -> crisis -> incidents -> video -> privacy -> csu."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("csu", "privacy", "video", "incidents", "crisis", "web")


def test_import_linter_layers_contract_holds() -> None:
    """lint-imports checks every contract declared in pyproject.toml."""
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


def test_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """A module in csu that imports web breaks the contract (the check is not vacuous)."""
    result = _lint_with_probe(tmp_path, "csu", "import web.deps")
    assert result.returncode != 0
    assert "csu._probe -> web.deps" in result.stdout


def test_web_reaches_a_package_only_through_its_faces(tmp_path: Path) -> None:
    """A web module that imports a package's internal module (not its service or events)
    breaks the faces contract."""
    result = _lint_with_probe(tmp_path, "web", "import incidents.store")
    assert result.returncode != 0
    assert "web._probe -> incidents.store" in result.stdout


def _lint_with_probe(tmp_path: Path, package: str, line: str) -> subprocess.CompletedProcess[str]:
    """lint-imports over a copy of the packages (links to their files) under tmp_path, with a
    probe module holding `line` in `package`: the source tree is never written."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name, copy_function=os.symlink, ignore=ignore)
    (tmp_path / "pyproject.toml").symlink_to(ROOT / "pyproject.toml")
    (tmp_path / package / "_probe.py").write_text(f"{line}  # noqa: F401\n")
    return _lint_imports(tmp_path)


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).parent / "lint-imports"
    # lint-imports puts its working directory first on the path: `root`'s packages are checked.
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=360
    )
