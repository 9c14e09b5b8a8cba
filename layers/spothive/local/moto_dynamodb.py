"""DynamoDB writes in the local moto server made as atomic as DynamoDB's own.

moto runs a ``TransactWriteItems`` by deep-copying every table it touches, applying the writes, and on any
failure putting the copies back. The server answers requests on many threads, so a failing transaction
can copy a table while another request writes to it and then restore that half-written copy: a ledger
record without its chain head, after which every append to that tenant's ledger fails its condition
forever ("the audit ledger is busy"). Real DynamoDB never does this. One lock around moto's transactions
makes them run one at a time (SpotHive's conditional chains, the ledger first, write only through them).
The wait is bounded: a transaction that moto dispatches into a handler which itself runs a transaction on
another thread would otherwise wait for ever; after ``WAIT_S`` it runs as moto would have run it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

#: moto's operations run one at a time.
WRITES = ("transact_write_items",)
#: The longest a transaction waits for another before running regardless.
WAIT_S = 1.0
_LOCK = threading.RLock()
_MARK = "_spothive_serialized"


def serialize_writes() -> None:
    """Wrap moto's DynamoDB transactions in one process-wide lock (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITES:
        original = getattr(DynamoDBBackend, name)
        if not getattr(original, _MARK, False):
            setattr(DynamoDBBackend, name, _serialized(original))


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        held = _LOCK.acquire(timeout=WAIT_S)
        try:
            return method(*args, **kwargs)
        finally:
            if held:
                _LOCK.release()

    setattr(locked, _MARK, True)
    return locked
