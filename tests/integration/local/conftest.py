"""One embedded stack (moto + Redis + provisioned resources) for the local-runtime tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from spothive.local.runtime import LocalConfig, LocalStack


@pytest.fixture(scope="package")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """moto and Redis on free ports with every SpotHive resource provisioned; no API, no ticker.

    Package-scoped: the stack exports its environment while it runs, and other packages' fixtures
    set their own.
    """
    with LocalStack(LocalConfig.ephemeral(tmp_path_factory.mktemp("spothive-local"))) as stack:
        yield stack
