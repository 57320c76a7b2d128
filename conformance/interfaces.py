"""The interfaces through which steps reach the terminal and its surroundings.

Steps ask for these protocols, never for a profile's classes (labgrid's rule), so the
same feature files run against the twin and against a real terminal on a rig
(DESIGN.md rule 2). A profile that lacks a capability returns ``None`` for it and the
step skips the scenario with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from conformance.ics import Declaration
from conformance.observe.air import AirLog
from conformance.route_events import RouteEventLog


class Clock(Protocol):
    """Virtual time in the twin, the monotonic wall clock on a rig."""

    def now(self) -> float: ...

    def wait(self, seconds: float) -> None: ...

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Let time pass until ``condition()`` holds (True) or ``timeout`` elapses (False)."""
        ...


class Terminal(Protocol):
    """The device under test, as its own interfaces allow it to be driven."""

    def power_on(self) -> None: ...

    def power_off(self) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterSetup:
    """A smart meter the bench puts on the IoT route for a scenario."""

    name: str
    pairing_id: str
    rssi_dbm: float = -60.0
    occupied: int = 0  # slots already taken by terminals the scenario does not model
    channel: int | None = None  # None: the bench picks one
    session_lifetime_s: int = 3600  # PANA Session-Lifetime the meter grants


class IotRouteSide(Protocol):
    """The smart-meter side of the IoT route: meters, the air, and what they observe."""

    events: RouteEventLog

    @property
    def air(self) -> AirLog | None:
        """Frames on the air, where the profile has a sniffer."""
        ...

    def add_meter(self, setup: MeterSetup) -> None: ...

    def meter_address(self, name: str) -> bytes: ...

    def provision(self, authentication_id: str, password: str) -> None:
        """Register (or re-register) a terminal's credentials with the SM system."""
        ...

    def set_frame_loss(self, probability: float) -> None: ...

    def inject(self, frame: bytes, *, meter: str) -> None:
        """Transmit raw octets on ``meter``'s channel (attacks, replays, floods)."""
        ...

    def free_slot(self, meter: str) -> None: ...

    def neighbour_scans(self, pairing_id: str, every_s: float) -> None:
        """Another utility's terminal scans with its own Pairing ID (capability)."""
        ...

    def secrets(self) -> list[str]:
        """Every secret the side holds, so evidence can be scanned for leaks."""
        ...

    def address_book(self) -> dict[bytes, str]:
        """Names of the bench's own nodes by EUI-64, for readable evidence."""
        ...


class Bench(Protocol):
    profile: str
    seed: int
    declaration: Declaration
    clock: Clock
    terminal: Terminal
    route: IotRouteSide

    def close(self) -> None: ...
