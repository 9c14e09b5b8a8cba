"""What each function's code reaches, from a static scan (no imports of the handlers themselves).

A function's entry modules are its handler module under ``functions/`` and, for API functions, the
router modules of its route group (``spothive.api.app.ROUTE_GROUPS``). Every ``services.<x>`` or
``container().<x>`` they touch is resolved through ``bootstrap.Container``: the members it uses in
turn, the adapter modules it names, and the settings fields it reads. Adapter modules under
``spothive.adapters.dynamo`` map to tables through the pynamodb models they name.

The scan over-approximates (both branches of an ``if`` count), so ``infra.access`` lists, with a
reason, what the code reaches only off AWS and what is granted ahead of the code.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from infra.constants import CORE_PACKAGE_DIR, FUNCTIONS_DIR
from spothive import topology

LAYERS_DIR = CORE_PACKAGE_DIR.parent
DYNAMO_PACKAGE = "spothive.adapters.dynamo"


@dataclass
class Reach:
    """What one function's code touches."""

    tables: set[str] = field(default_factory=set)
    settings: set[str] = field(default_factory=set)
    env: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Member:
    uses: frozenset[str]
    modules: frozenset[str]
    settings: frozenset[str]


def module_path(dotted: str) -> Path | None:
    """The source file of a ``spothive`` module, or ``None`` when it does not exist."""
    base = LAYERS_DIR.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> dict[str, str]:
    """Local name → module it was imported from (``from m import name``) or the module itself."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out[alias.asname or alias.name] = sub if module_path(sub) else node.module
    return out


def _settings_reads(fn: ast.AST, aliases: set[str]) -> set[str]:
    """Fields read as ``self.settings.x`` or ``<alias>.x`` where ``alias = self.settings``."""
    aliases = set(aliases)
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and _is_self_settings(node.value):
            aliases |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    fields = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Attribute):
            value = node.value
            if _is_self_settings(value) or (isinstance(value, ast.Name) and value.id in aliases):
                fields.add(node.attr)
    return fields


def _is_self_settings(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "settings"
            and isinstance(node.value, ast.Name) and node.value.id == "self")


@cache
def _container() -> dict[str, _Member]:
    tree = _parse(CORE_PACKAGE_DIR / "bootstrap.py")
    imported = _imports(tree)
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Container")
    members: dict[str, _Member] = {}
    for fn in cls.body:
        if not isinstance(fn, ast.FunctionDef):
            continue
        uses = {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Name) and n.value.id == "self"}
        modules = {imported[n.id] for n in ast.walk(fn) if isinstance(n, ast.Name) and n.id in imported}
        aliases = {"settings"} if fn.name == "__init__" else set()
        members[fn.name] = _Member(frozenset(uses), frozenset(modules), frozenset(_settings_reads(fn, aliases)))
    return members


@cache
def model_tables() -> dict[str, str]:
    """pynamodb model class name → table suffix, for every model registered by the dynamo adapters."""
    package = importlib.import_module(DYNAMO_PACKAGE)
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{DYNAMO_PACKAGE}.{info.name}")
    models = importlib.import_module(f"{DYNAMO_PACKAGE}.models")
    return {cls.__name__: spec.suffix for cls, spec in models.MODELS.items()}


@cache
def _own_tables(dotted: str) -> tuple[frozenset[str], frozenset[str]]:
    """Tables a dynamo adapter module names through its models, and the modules it imports."""
    path = module_path(dotted)
    if path is None or not dotted.startswith(DYNAMO_PACKAGE) or dotted.endswith((".models", ".schema")):
        return frozenset(), frozenset()
    tree = _parse(path)
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    names |= {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
    tables = {suffix for model, suffix in model_tables().items() if model in names}
    return frozenset(tables), frozenset(set(_imports(tree).values()) - {dotted})


@cache
def _module_tables(dotted: str) -> frozenset[str]:
    """Tables a dynamo adapter module and the dynamo adapters it imports (transitively) name.

    Adapters may import each other (node templates and cluster policies refer to each other's
    tables), so the walk keeps a visited set instead of recursing.
    """
    tables: set[str] = set()
    seen: set[str] = set()
    pending = [dotted]
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        own, imported = _own_tables(module)
        tables |= own
        pending.extend(imported - seen)
    return frozenset(tables)


def entry_modules(spec: topology.FunctionSpec) -> tuple[list[Path], list[str]]:
    """The entry files of ``spec`` and the entry modules that do not exist yet."""
    from spothive.api.app import ROUTE_GROUPS

    files, missing = [], []
    handler = FUNCTIONS_DIR / f"{spec.handler.rsplit('.', 1)[0]}.py"
    if handler.is_file():
        files.append(handler)
    else:
        missing.append(f"functions/{handler.name}")
    for dotted in ROUTE_GROUPS.get(spec.name, ()):
        path = module_path(dotted)
        if path is None:
            missing.append(dotted)
        else:
            files.append(path)
    return files, missing


def _entry_uses(path: Path) -> tuple[set[str], set[str], set[str]]:
    """Container members, settings fields and literal ``SPOTHIVE_*`` names an entry module uses."""
    tree = _parse(path)
    members, settings, env = set(), set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            value = node.value
            if (isinstance(value, ast.Name) and value.id == "services") or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "container"
            ):
                members.add(node.attr)
                members.add("__init__")
            if (isinstance(value, ast.Attribute) and value.attr == "settings"
                    and isinstance(value.value, ast.Name) and value.value.id == "services"):
                settings.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("SPOTHIVE_"):
            env.add(node.value)
    return members, settings, env


def reach(spec: topology.FunctionSpec) -> Reach:
    """What ``spec``'s code reaches."""
    files, missing = entry_modules(spec)
    out = Reach(missing=missing)
    pending: set[str] = set()
    for path in files:
        members, settings, env = _entry_uses(path)
        pending |= members
        out.settings |= settings
        out.env |= env
    container = _container()
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in container:
            continue
        seen.add(name)
        member = container[name]
        pending |= set(member.uses)
        out.settings |= member.settings
        out.modules |= member.modules
    for module in out.modules:
        out.tables |= _module_tables(module)
    out.env |= {f"SPOTHIVE_{name.upper()}" for name in out.settings}
    return out
