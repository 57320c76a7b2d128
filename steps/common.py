"""Small helpers the step libraries share: what the terminal is, and where to look."""

from __future__ import annotations

from conformance.errors import NotApplicable
from conformance.interfaces import Bench
from conformance.observe.air import AirLog
from conformance.observe.route_events import TerminalAuthenticated


def terminal_address(bench: Bench) -> bytes:
    """The terminal's EUI-64, as declared: how the bench recognises it everywhere."""
    return bench.declaration.identity.eui64


def declared_pairing_id(bench: Bench) -> str:
    return bench.declaration.credentials.pairing_id


def air_of(bench: Bench) -> AirLog:
    """The sniffer's log; ``NotApplicable`` where the profile has no sniffer."""
    if bench.route.air is None:
        raise NotApplicable(f"the {bench.profile} profile has no sniffer on the IoT route")
    return bench.route.air


def first_authentication(bench: Bench) -> TerminalAuthenticated | None:
    return bench.route.events.first(TerminalAuthenticated, terminal=terminal_address(bench))
