"""Packages import one way: web -> crisis -> incidents -> video -> privacy -> csu."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_layers_contract_holds() -> None:
    """lint-imports checks every contract declared in pyproject.toml."""
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", result.stdout), result.stdout


def test_contract_catches_an_upward_import(tmp_path: Path) -> None:
    """A module in csu that imports web breaks the contract (the check is not vacuous)."""
    offender = ROOT / "csu" / "_layer_probe.py"
    offender.write_text("import web.services  # noqa: F401\n")
    try:
        lint = Path(sys.executable).parent / "lint-imports"
        result = subprocess.run(
            [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    finally:
        offender.unlink()
    assert result.returncode != 0
    assert "csu._layer_probe -> web.services" in result.stdout
