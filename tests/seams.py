"""What the profile seam tests share: the members an interface (a ``Protocol``) names, and
which of them a profile's class does not implement itself."""

from __future__ import annotations

from typing import Protocol

_PROTOCOL_BASES = {"object", "Protocol", "Generic"}


def members(protocol: type) -> set[str]:
    """Every public member ``protocol`` names: methods, properties and annotated attributes."""
    names: set[str] = set()
    for klass in protocol.__mro__:
        if klass.__name__ in _PROTOCOL_BASES or klass is Protocol:
            continue
        names |= {name for name in vars(klass) if not name.startswith("_")}
        names |= {name for name in getattr(klass, "__annotations__", {}) if not name.startswith("_")}
    return names


def missing(protocol: type, implementation: type, *, attributes: frozenset[str] = frozenset()) -> list[str]:
    """The members of ``protocol`` that ``implementation`` neither defines nor inherits
    (``attributes``: the ones it sets on its instances, which a class cannot show)."""
    return sorted(m for m in members(protocol) if m not in attributes and not hasattr(implementation, m))
