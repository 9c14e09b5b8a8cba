"""DynamoDB writes in the local moto server made as atomic as DynamoDB's own.

moto runs a ``TransactWriteItems`` by deep-copying every table it touches, applying the writes, and on any
failure putting the copies back. The server answers requests on many threads, so a failing transaction
can copy a table while another request writes to it and then restore that half-written copy: a ledger
record without its chain head, after which every append to that tenant's ledger fails its condition
forever ("the audit ledger is busy"). Real DynamoDB never does this. One lock around moto's write
operations (transactions, puts, updates, deletes, batches) restores the guarantee; reads stay concurrent.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

#: moto's write operations that a transaction's copy-and-restore could otherwise interleave with.
WRITES = ("transact_write_items", "put_item", "update_item", "delete_item", "batch_write_item")
_LOCK = threading.RLock()
_MARK = "_spothive_serialized"


def serialize_writes() -> None:
    """Wrap moto's DynamoDB backend writes in one process-wide lock (idempotent)."""
    from moto.dynamodb.models import DynamoDBBackend

    for name in WRITES:
        original = getattr(DynamoDBBackend, name)
        if not getattr(original, _MARK, False):
            setattr(DynamoDBBackend, name, _serialized(original))


def _serialized(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    setattr(locked, _MARK, True)
    return locked
