"""A faulty terminal twin: which requirements it breaks and how it is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.twin.reference_terminal import ReferenceTerminal


@dataclass(frozen=True, slots=True)
class Fault:
    name: str
    description: str
    violates: tuple[str, ...]
    terminal: type[ReferenceTerminal]
    # Declaration fields the fault's vendor would have declared differently.
    declaration_overrides: dict[str, object] = field(default_factory=dict)
