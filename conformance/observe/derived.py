"""``derived``: a value worked out from an observation once, on first use.

``functools.cached_property`` does the same, but on Python 3.11 it takes a lock on every
first access (dropped in 3.12 as useless), and the air log's frames and the monitors'
views are read for the first time some hundred thousand times a scenario seed: the lock
was a sixtieth of the detection matrix's CPU. Like ``cached_property`` this is a non-data
descriptor that stores the value in the instance's ``__dict__`` (a frozen dataclass
too), so later reads never reach it. Observations are read by one thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

T = TypeVar("T")


class derived(Generic[T]):
    __slots__ = ("func", "name")

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> derived[T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> T | derived[T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value
