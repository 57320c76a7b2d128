"""The reference terminal's security and operations functions, as plug-ins.

The guidelines' security chapter (NAT seed 3-1) asks a terminal for several functions
that sit beside joining and metering: logs, DoS detection, command restriction on the
home side, firmware update, the LED. Each lives in its own ``TerminalFunction``; the
terminal twin tells every function what happens to it (the hooks below) and gives each a
chance to answer a maintenance-port command. A faulty twin replaces one function with a
faulty variant (``replace_function``), so a fault stays a small, readable difference.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.sim.home_network import HomeDatagram
    from conformance.twin.link import Inbound
    from conformance.twin.terminal.reference import ReferenceTerminal


class TerminalFunction:
    """One function of the terminal twin. Hooks are no-ops unless overridden."""

    def __init__(self, terminal: ReferenceTerminal) -> None:
        self.terminal = terminal

    # -- life cycle and network events ---------------------------------------------------

    def powered_on(self) -> None: ...

    def powered_off(self) -> None: ...

    def joined(self, meter: bytes) -> None:
        """PANA authentication succeeded with the smart meter at ``meter``."""

    def authentication_failed(self, meter: bytes, reason: str) -> None: ...

    def session_ended(self, reason: str) -> None:
        """The terminal lost its PANA session (termination, lapse, power)."""

    def frame_rejected(self, raw: bytes, reason: str) -> None:
        """The link layer dropped a frame: bad MIC, replay, malformed, unknown key."""

    def packet_refused(self, inbound: Inbound, reason: str) -> None:
        """A decoded packet the terminal's reception policy turned away."""

    def home_request(self, datagram: HomeDatagram) -> bool:
        """A datagram on the home side that the metering application did not take.
        Return True when this function handled it."""
        return False

    def home_traffic(self, datagram: HomeDatagram) -> None:
        """Every datagram that ``home_request`` is offered, told to every function first,
        whichever handles it (an observer: DoS detection counts them)."""

    def route_packet(self, inbound: Inbound) -> bool:
        """An IoT-route packet from the chosen meter that none of the terminal's own services
        takes: addressed to another node, or to a port the terminal does not serve.
        Return True when this function handled it (the reference drops it: NAT-3.1-R4)."""
        return False

    def setting_changed(self, name: str, source: str) -> None:
        """A setting changed; ``source`` is "SM system" or "maintenance port"."""

    def meter_identity(self, meter_id: bytes) -> None:
        """The metering device's ID as read at a slot."""

    def event_reported(self, kind: str, detail: str) -> None:
        """A function reported an event for the event log (``ReferenceTerminal.report_event``):
        a firmware update, a DoS detection. ``kind`` is one word, ``detail`` free text."""

    # -- the maintenance port ----------------------------------------------------------

    def maintenance(self, words: list[str]) -> list[str] | None:
        """Answer a maintenance-port command, or None when it is not this function's."""
        return None


def replace_function(
    terminal: type[ReferenceTerminal], original: type[TerminalFunction], faulty: type[TerminalFunction]
) -> type[ReferenceTerminal]:
    """A terminal class whose ``original`` function is ``faulty`` instead."""
    functions = tuple(faulty if f is original else f for f in terminal.function_classes)
    if functions == terminal.function_classes:
        raise ValueError(f"{terminal.__name__} has no function {original.__name__}")
    return type(f"TerminalWith{faulty.__name__}", (terminal,), {"function_classes": functions})


def discover_functions() -> tuple[type[TerminalFunction], ...]:
    """The reference terminal's functions: every module of this package exports
    ``FUNCTION``, a ``TerminalFunction`` subclass; they run in module-name order."""
    functions = []
    for name in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        module = importlib.import_module(f"{__name__}.{name}")
        function = getattr(module, "FUNCTION", None)
        if not (isinstance(function, type) and issubclass(function, TerminalFunction)):
            raise TypeError(f"{module.__name__} must export FUNCTION, a TerminalFunction subclass")
        functions.append(function)
    return tuple(functions)
