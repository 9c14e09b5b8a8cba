"""The risk-model registry (MOD-VAL-01): lifecycle of uploaded models and what an upload may be.

Lifecycle: ``uploaded → validating → candidate | rejected``; ``candidate → production → retired``;
``retired → production`` is a rollback. Uploads are LightGBM model text (``Booster.save_model``) or a
JSON envelope ``{"format": "lightgbm-text", "model_text": "tree\\n…"}``; the bytes are sniffed before
anything is stored, and anything else (pickle above all) is refused and never loaded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from spothive.domain.errors import Conflict, InvalidInput

LIGHTGBM_TEXT = "lightgbm-text"
LIGHTGBM_JSON = "lightgbm-json"


class ModelStatus(StrEnum):
    """Where a model is in its lifecycle."""

    UPLOADED = "uploaded"
    VALIDATING = "validating"
    CANDIDATE = "candidate"
    REJECTED = "rejected"
    PRODUCTION = "production"
    RETIRED = "retired"


_TRANSITIONS: dict[ModelStatus, frozenset[ModelStatus]] = {
    ModelStatus.UPLOADED: frozenset({ModelStatus.VALIDATING, ModelStatus.REJECTED}),
    ModelStatus.VALIDATING: frozenset({ModelStatus.CANDIDATE, ModelStatus.REJECTED}),
    ModelStatus.CANDIDATE: frozenset({ModelStatus.PRODUCTION, ModelStatus.RETIRED}),
    ModelStatus.REJECTED: frozenset(),
    ModelStatus.PRODUCTION: frozenset({ModelStatus.RETIRED}),
    ModelStatus.RETIRED: frozenset({ModelStatus.PRODUCTION}),
}


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """One registry entry; ``s3_key`` is empty once a rejected model's bytes are deleted."""

    model_id: str
    version: str
    status: ModelStatus
    sha256: str
    size: int
    format: str
    s3_key: str
    uploaded_by: str
    created_at: datetime
    updated_at: datetime
    metrics: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None

    def moved_to(self, status: ModelStatus, at: datetime, **changes: Any) -> ModelRecord:
        """This record in ``status``; a move the lifecycle forbids is a ``Conflict`` naming ``model_id``."""
        if status not in _TRANSITIONS[self.status]:
            raise Conflict(f"model {self.model_id} is {self.status.value}, it cannot become {status.value}",
                           field="model_id")
        return replace(self, status=status, updated_at=at, **changes)

    def as_dict(self) -> dict[str, Any]:
        """JSON form for the API and the audit ledger."""
        return {
            "model_id": self.model_id, "version": self.version, "status": self.status.value,
            "sha256": self.sha256, "size": self.size, "format": self.format, "s3_key": self.s3_key,
            "uploaded_by": self.uploaded_by, "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(), "metrics": self.metrics, "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """What the validator said: ``ok``, why not, and the quality metrics it measured."""

    ok: bool
    reason: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)


_PICKLE_PROTOCOL = b"\x80"
_ARCHIVES = {b"PK\x03\x04": "a zip archive (joblib/torch)", b"\x1f\x8b": "a gzip stream",
             b"\x93NUMPY": "a numpy array file"}
#: Protocol 0/1 pickles start with GLOBAL (``c<module>\n``) or MARK/EMPTY_* and end with STOP (``.``).
_PICKLE_GLOBAL = re.compile(rb"^c[A-Za-z_][\w.]*\n[A-Za-z_][\w.]*\n")


def _looks_like_pickle(data: bytes) -> bool:
    if data[:1] == _PICKLE_PROTOCOL and len(data) > 1 and data[1] <= 5:
        return True
    if _PICKLE_GLOBAL.match(data[:256]):
        return True
    return data[:1] in (b"(", b"}", b"]", b")") and data.rstrip()[-1:] == b"."


def _lightgbm_text(text: str) -> bool:
    head = text[:4096]
    return text.startswith("tree\n") and "\nversion=v" in head and "\nfeature_names=" in head \
        and "end of trees" in text


def sniff_model(data: bytes) -> tuple[str, str]:
    """``(format, model_text)`` of an upload; ``InvalidInput`` naming ``file`` for anything else."""
    if not data:
        raise InvalidInput("the uploaded file is empty", field="file")
    if _looks_like_pickle(data):
        raise InvalidInput("pickle files are refused: upload LightGBM model text (Booster.save_model)",
                           field="file")
    for magic, what in _ARCHIVES.items():
        if data.startswith(magic):
            raise InvalidInput(f"the upload is {what}, not LightGBM model text", field="file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput("the upload is binary, not LightGBM model text", field="file") from exc
    if _lightgbm_text(text):
        return LIGHTGBM_TEXT, text
    if text.lstrip().startswith("{"):
        try:
            envelope = json.loads(text)
        except ValueError as exc:
            raise InvalidInput("the JSON upload does not parse", field="file") from exc
        inner = envelope.get("model_text") if isinstance(envelope, dict) else None
        if envelope.get("format") == LIGHTGBM_TEXT and isinstance(inner, str) and _lightgbm_text(inner):
            return LIGHTGBM_JSON, inner
        raise InvalidInput('a JSON upload must be {"format": "lightgbm-text", "model_text": "<model text>"}',
                           field="file")
    raise InvalidInput("the upload is not LightGBM model text (it must start with 'tree' and a header)",
                       field="file")
