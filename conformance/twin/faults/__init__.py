"""Faulty terminal twins: each breaks one requirement the way real terminals do.

Every scenario must be able to fail (DESIGN.md rule 4). Each fault names the requirements
it violates; the bench's own tests run the scenarios of those requirements against it and
demand a failure, and run everything against the reference and demand a pass (the
detection matrix).

One registry, one mechanism: every module of this package is a fault area and exports
``FAULTS``, a tuple of ``Fault``. Adding a faulty terminal means adding it to its area's
tuple (or a new module here); nothing else registers it.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from conformance.ics import Declaration

if TYPE_CHECKING:
    from conformance.twin.terminal.reference import ReferenceTerminal


@dataclass(frozen=True, slots=True)
class Fault:
    """A faulty terminal twin: which requirements it breaks and how it is built."""

    name: str
    description: str
    violates: tuple[str, ...]
    terminal: type[ReferenceTerminal]
    # Declaration fields the fault's vendor would have declared differently.
    declaration_overrides: dict[str, object] = field(default_factory=dict)


def _discover() -> dict[str, Fault]:
    """Every area module's ``FAULTS``; a name defined twice or a module without ``FAULTS``
    is refused with the module named."""
    found: dict[str, Fault] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        area = importlib.import_module(f"{__name__}.{module}")
        faults = getattr(area, "FAULTS", None)
        if not isinstance(faults, tuple) or not all(isinstance(f, Fault) for f in faults):
            raise TypeError(f"{area.__name__} must export FAULTS, a tuple of Fault")
        for fault in faults:
            if fault.name in found:
                raise ValueError(f"fault {fault.name!r} is defined twice ({area.__name__})")
            found[fault.name] = fault
    return found


FAULTS: dict[str, Fault] = _discover()

REFERENCE = "reference"


def declaration_for(declaration: Declaration, dut: str) -> Declaration:
    """The declaration a faulty twin's vendor would have written (its overrides applied)."""
    overrides = FAULTS[dut].declaration_overrides if dut != REFERENCE else {}
    if not overrides:
        return declaration
    data: dict[str, Any] = declaration.model_dump()
    for dotted, value in overrides.items():
        *path, last = dotted.split(".")
        section = data
        for part in path:
            section = section[part]
        section[last] = value
    changed = Declaration.model_validate(data)
    changed._object_model = declaration._object_model  # loaded with the file, not a field's value
    return changed


def terminal_class(name: str) -> type[ReferenceTerminal]:
    from conformance.twin.terminal.reference import ReferenceTerminal

    return ReferenceTerminal if name == REFERENCE else FAULTS[name].terminal
