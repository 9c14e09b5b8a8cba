"""Build the third-party Lambda layers for Python 3.12 on arm64 (``make layers``).

``python -m infra.build_layers [--libgomp PATH]`` fills ``build/layers/deps-core/python`` from
``layers/deps/core.txt`` and ``build/layers/deps-ml/python`` from ``layers/deps/ml.txt`` with
manylinux aarch64 wheels only (no compiler, no Docker). lightgbm needs ``libgomp.so.1``: pass an
aarch64 build of it (``--libgomp`` or ``SPOTHIVE_LIBGOMP``) and it is copied to the ML layer's
``lib/`` (on ``LD_LIBRARY_PATH`` in Lambda).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from infra.constants import DEPS_CORE_DIR, DEPS_ML_DIR, PROJECT_ROOT

PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")
#: Lambda's limit on a function plus all its layers, unzipped.
UNZIPPED_LIMIT_MB = 250


def pip_install(requirements: Path, target: Path) -> None:
    """Install ``requirements`` into ``target`` as binary wheels for cp312 aarch64."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--only-binary=:all:",
         "--implementation", "cp", "--python-version", "3.12", *platforms,
         "--target", str(target), "-r", str(requirements)],
        check=True,
    )
    prune(target)


def prune(target: Path) -> None:
    """Drop byte-code caches and the packages' own test suites (never imported at run time)."""
    for pattern in ("__pycache__", "*/tests"):
        for path in list(target.glob(f"**/{pattern}")):
            if path.is_dir() and path.parent != target:
                shutil.rmtree(path, ignore_errors=True)


def drop_duplicates(layer: Path, base: Path) -> list[str]:
    """Remove from ``layer`` every top-level entry ``base`` already ships (layers share /opt/python)."""
    dropped = []
    for entry in sorted(layer.iterdir()):
        if (base / entry.name).exists():
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            dropped.append(entry.name)
    return dropped


def size_mb(path: Path) -> float:
    """Total size of the files under ``path`` in MiB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    """Build both layers and report their sizes against Lambda's unzipped limit."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--libgomp", type=Path, default=os.environ.get("SPOTHIVE_LIBGOMP"))
    args = parser.parse_args(argv)
    core_py, ml_py = DEPS_CORE_DIR / "python", DEPS_ML_DIR / "python"
    pip_install(PROJECT_ROOT / "layers/deps/core.txt", core_py)
    pip_install(PROJECT_ROOT / "layers/deps/ml.txt", ml_py)
    dropped = drop_duplicates(ml_py, core_py)
    print(f"deps-ml: dropped {len(dropped)} entries already in deps-core")
    lib = DEPS_ML_DIR / "lib"
    if args.libgomp:
        lib.mkdir(exist_ok=True)
        shutil.copy2(args.libgomp, lib / "libgomp.so.1")
    elif not (lib / "libgomp.so.1").exists():
        print("WARNING: no libgomp.so.1 for aarch64 given (--libgomp / SPOTHIVE_LIBGOMP): "
              "lightgbm will fail to import in Lambda", file=sys.stderr)
    core_mb, ml_mb = size_mb(DEPS_CORE_DIR), size_mb(DEPS_ML_DIR)
    spothive_mb = size_mb(PROJECT_ROOT / "layers/spothive")
    print(f"deps-core {core_mb:.1f} MiB, deps-ml {ml_mb:.1f} MiB, spothive {spothive_mb:.1f} MiB")
    model_total = core_mb + ml_mb + spothive_mb
    print(f"model endpoint total {model_total:.1f} MiB of {UNZIPPED_LIMIT_MB} MiB unzipped")
    if model_total > UNZIPPED_LIMIT_MB:
        print("ERROR: the model endpoint's layers exceed Lambda's unzipped limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
