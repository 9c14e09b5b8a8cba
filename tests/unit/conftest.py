"""The unit suite runs on the shared in-memory fakes: with only pure tests collected, moto, Redis and the
network are blocked for the whole session (``tests/support/isolation.py``)."""

from __future__ import annotations

import pytest

from tests.support import isolation


def pytest_collection_finish(session: pytest.Session) -> None:
    """Block moto, Redis and the network when the session holds only ``tests/unit`` and ``tests/models``."""
    paths = [str(item.path) for item in session.items]
    if isolation.only_pure(paths, str(session.config.rootpath)):
        isolation.install()
