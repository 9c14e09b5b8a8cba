"""Fixtures for the risk-model tests: synthetic files and one tiny trained artifact per session."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.models.synthetic import write_all


@pytest.fixture(scope="session")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Paths of the synthetic advisor feeds, SpotLake snapshot, prices and catalog."""
    return write_all(tmp_path_factory.mktemp("synthetic"))


@pytest.fixture(scope="session")
def tiny_artifact(synthetic: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An artifact trained on the synthetic data (advisor feed + prices + catalog → SpotLake labels)."""
    from spothive_models.train import train_artifact

    out = tmp_path_factory.mktemp("artifact")
    train_artifact(
        [synthetic["advisor"], synthetic["prices"], synthetic["catalog"]],
        synthetic["spotlake"],
        out,
        folds=3,
        created_at=datetime(2021, 7, 1, tzinfo=UTC),
    )
    return out
