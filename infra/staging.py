"""Stage layer contents at synth time: plain copies, no Docker, no network."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from infra.constants import BUILD_DIR, CORE_PACKAGE_DIR, DEPS_CORE_DIR, DEPS_ML_DIR, MODELS_PACKAGE_DIR

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".pytest_cache")
_warned: set[str] = set()


def _stage_package(source: Path, name: str) -> Path:
    """Copy ``source`` to ``build/layers/<name>/python/<package>`` and return the layer root."""
    root = BUILD_DIR / name
    target = root / "python" / source.name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=_IGNORE)
    return root


def core_layer_dir() -> Path:
    """The ``spothive`` package staged as a layer (``python/spothive``)."""
    return _stage_package(CORE_PACKAGE_DIR, "spothive")


def models_layer_dir() -> Path:
    """The ``spothive_models`` package staged as a layer for the model endpoint."""
    return _stage_package(MODELS_PACKAGE_DIR, "spothive-models")


def _deps_dir(built: Path, requirements: str) -> Path:
    """``built`` when ``make layers`` has filled it, else an empty placeholder (with a warning)."""
    if (built / "python").is_dir() and any((built / "python").iterdir()):
        return built
    if built.name not in _warned:
        _warned.add(built.name)
        print(
            f"WARNING: {built} is missing or empty; the {built.name} layer is an empty placeholder. "
            f"Synth works, but deploy needs `make layers` first (pip install -r {requirements}).",
            file=sys.stderr,
        )
    placeholder = BUILD_DIR / "empty" / built.name
    (placeholder / "python").mkdir(parents=True, exist_ok=True)
    (placeholder / "python" / "EMPTY_LAYER.txt").write_text(
        "Placeholder: run `make layers` before deploying.\n", encoding="utf-8"
    )
    return placeholder


def deps_core_dir() -> Path:
    """Third-party runtime dependencies (``layers/deps/core.txt``) built for arm64."""
    return _deps_dir(DEPS_CORE_DIR, "layers/deps/core.txt")


def deps_ml_dir() -> Path:
    """lightgbm, numpy, scipy (``layers/deps/ml.txt``) and ``lib/libgomp.so.1`` built for arm64."""
    return _deps_dir(DEPS_ML_DIR, "layers/deps/ml.txt")


def listing_hash(root: Path) -> str:
    """A cheap, deterministic fingerprint of a built layer: every file's relative path and size.

    The dependency layers hold thousands of files; hashing their names and sizes instead of their
    bytes keeps synth fast, and any rebuild with other pins changes names or sizes.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(root).as_posix()}:{path.stat().st_size}\n".encode())
    return digest.hexdigest()
