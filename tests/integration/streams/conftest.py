"""Streams are read with a short wait so the socket tests stay quick."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from spothive import wiring


@pytest.fixture
def quick_streams(hub: dict[str, str]) -> Iterator[dict[str, str]]:
    """The hub with sockets looking for news every 100 ms."""
    os.environ["SPOTHIVE_STREAM_POLL_MS"] = "100"
    wiring.reset()
    yield hub
    os.environ.pop("SPOTHIVE_STREAM_POLL_MS", None)
    wiring.reset()


def assert_schema(messages: list[dict]) -> None:
    """Every message matches ``stream-message.schema.json`` (the documented format)."""
    import json
    from importlib import resources

    import jsonschema

    schema = json.loads(resources.files("spothive.schemas").joinpath("stream-message.schema.json").read_text())
    for message in messages:
        jsonschema.validate(message, schema)
