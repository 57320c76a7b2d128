"""The interfaces through which steps reach the terminal and its surroundings.

Steps ask for these protocols, never for a profile's classes (labgrid's rule), so the
same feature files run against the twin and against a real terminal on a rig
(DESIGN.md rule 2). A profile that lacks a capability returns ``None`` for it and the
step skips the scenario with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
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
    offers_weak_integrity: bool = False  # also offer AUTH_HMAC_SHA1_96 in PAR(S)


class Protection(StrEnum):
    """How the bench protects (or forges) a frame it sends the terminal."""

    SECURED = "properly secured"
    PLAINTEXT = "in plaintext"
    BAD_MIC = "with a bad MIC"
    WRONG_KEY = "under a wrong key"
    REPLAYED = "replayed with an old frame counter"
    STRANGER = "from an unauthenticated address"


@dataclass(frozen=True, slots=True)
class EchoProbe:
    """An ICMPv6 Echo Request the bench sent the terminal, to see whether it answers."""

    identifier: int
    sequence: int
    sent_at: float  # when the frame under test went on the air


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

    def probe_echo(self, meter: str, terminal: bytes, protection: Protection) -> EchoProbe:
        """Send the terminal an ICMPv6 Echo Request under ``protection``."""
        ...

    def renew_group_key(self, meter: str) -> None:
        """Distribute a new HAN group key and switch to it."""
        ...

    def terminate_session(self, meter: str, terminal: bytes) -> None:
        """End the terminal's PANA session from the network side."""
        ...

    def issued_keys(self, meter: str | None = None) -> list[bytes]:
        """The group keys the side (or one meter) handed out: secrets, for decryption
        and leak scans only."""
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
