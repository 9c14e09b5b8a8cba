"""Process-wide components: built once on first use, replaceable in tests, forgotten by :func:`reset`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Generic, TypeVar

T = TypeVar("T")

_NOT_BUILT: Any = object()
_components: list[Component[Any]] = []
_on_reset: list[Callable[[], None]] = []


class Component(Generic[T]):
    """A zero-argument builder whose result is cached for the process (or replaced by an override)."""

    def __init__(self, build: Callable[[], T]) -> None:
        wraps(build)(self)
        self._build = build
        self._value: T = _NOT_BUILT
        self._override: T = _NOT_BUILT

    def __call__(self) -> T:
        if self._override is not _NOT_BUILT:
            return self._override
        if self._value is _NOT_BUILT:
            self._value = self._build()
        return self._value

    @property
    def built(self) -> bool:
        """Whether this process has built (or been given) the component."""
        return self._override is not _NOT_BUILT or self._value is not _NOT_BUILT

    def forget(self) -> None:
        """Drop the built value (the next call builds it again)."""
        self._value = _NOT_BUILT

    def set_override(self, value: T) -> None:
        """Serve ``value`` from now on (until :func:`reset` or :func:`restore_overrides`); components built
        before are forgotten so they rebuild on top of it."""
        for made in _components:
            made.forget()
        self._override = value


def component(build: Callable[[], T]) -> Component[T]:
    """Decorate a builder so it runs once per process; usable as a FastAPI dependency."""
    made = Component(build)
    _components.append(made)
    return made


def on_reset(hook: Callable[[], None]) -> None:
    """Run ``hook`` whenever the components are reset (e.g. to clear cached settings)."""
    _on_reset.append(hook)


def reset() -> None:
    """Forget every built component and override (tests and the local stack after changing the environment)."""
    for made in _components:
        made.forget()
        made._override = _NOT_BUILT
    for hook in _on_reset:
        hook()


def overrides() -> dict[Component[Any], Any]:
    """The overrides in force (to restore them later with :func:`restore_overrides`)."""
    return {made: made._override for made in _components if made._override is not _NOT_BUILT}


def restore_overrides(saved: dict[Component[Any], Any]) -> None:
    """Put back exactly the overrides ``saved`` held (rebuilding what was built on others)."""
    if overrides() == saved:
        return
    for made in _components:
        made.forget()
        made._override = saved.get(made, _NOT_BUILT)
