"""Composition, one small module per bounded context: settings → adapters → services.

Each module builds only its own context's adapters and services, each behind a zero-argument
:func:`~spothive.wiring.registry.component` function (built on first use, then cached for the
process). Handlers and routers import the one module they need, so a function's cold start pays only
for what it calls; routers take the services as FastAPI dependencies.

Contexts: ``kernel`` (settings, clock, Redis, the audit ledger), ``identity``, ``accounts`` (tenancy,
linking, discovery), ``inventory`` (clusters, snapshots), ``pricing``, ``audit``, ``agents``, ``risk``,
``configuration`` (templates, policies, hibernation), ``optimization`` and ``lab``.
"""

from spothive.wiring.registry import reset

__all__ = ["reset"]
