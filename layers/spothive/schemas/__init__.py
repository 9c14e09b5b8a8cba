"""JSON Schemas (draft 2020-12) of SpotHive's interchange formats: snapshot, policy, plan."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator


@dataclass(frozen=True, slots=True)
class SchemaError:
    """One violation: the JSON path of the bad field and what is wrong with it."""

    path: str
    message: str

    @property
    def field(self) -> str:
        """The path without the leading ``$.`` (``nodes.0.zone``), as API errors name fields."""
        return self.path.removeprefix("$").lstrip(".").replace("[", ".").replace("]", "") or "body"


@lru_cache(maxsize=8)
def load_schema(name: str) -> dict[str, Any]:
    """A schema shipped in this package: ``snapshot``, ``policy`` or ``plan``."""
    text = resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate(document: Any, name: str) -> list[SchemaError]:
    """Every violation of schema ``name`` in ``document``, in path order."""
    validator = Draft202012Validator(load_schema(name))
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [SchemaError(e.json_path, e.message) for e in errors]
