"""One folder of exported models for the whole test session: each export costs seconds."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose `models/` keeps the ONNX exports between tests."""
    return tmp_path_factory.mktemp("analytics-data")
