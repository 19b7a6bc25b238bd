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
    """A module in csu that imports web breaks the contract (the check is not vacuous).

    The probe goes into a copy of the packages (links to their files) under tmp_path: the
    source tree is never written.
    """
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, copy_function=os.symlink, ignore=ignore)
    (tmp_path / "pyproject.toml").symlink_to(ROOT / "pyproject.toml")
    (tmp_path / "csu" / "_layer_probe.py").write_text("import web.services  # noqa: F401\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "csu._layer_probe -> web.services" in result.stdout


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).parent / "lint-imports"
    # lint-imports puts its working directory first on the path: `root`'s packages are checked.
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=360
    )
