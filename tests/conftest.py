"""Shared fixtures: where the public reference data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """``../shared/data`` beside the project, or ``SPOTHIVE_SHARED_DATA`` when set."""
    return Path(os.environ.get("SPOTHIVE_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; tests that need it skip with a clear message when it is absent."""
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"public reference data not found at {path} (set SPOTHIVE_SHARED_DATA)")
    return path
