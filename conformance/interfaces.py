"""The interfaces through which steps reach the terminal and its surroundings.

Steps ask for these protocols, never for a profile's classes (labgrid's rule), so the
same feature files run against the twin and against a real terminal on a rig
(DESIGN.md rule 2). A profile that lacks a capability returns ``None`` for it and the
step skips the scenario with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from conformance.ics import Declaration
from conformance.observe.air import AirLog
from conformance.observe.hes_events import HesEventLog
from conformance.observe.route_events import RouteEventLog
from conformance.sim.home_network import HomeDatagram


class Clock(Protocol):
    """Virtual time in the twin, the monotonic wall clock on a rig."""

    def now(self) -> float: ...

    def wait(self, seconds: float) -> None: ...

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Let time pass until ``condition()`` holds (True) or ``timeout`` elapses (False)."""
        ...


class MaintenancePort(Protocol):
    """The terminal's maintenance port, as a handy terminal uses it: one command line in,
    the answer lines out (the line protocol of ``conformance.protocols.maintenance``)."""

    transcript: list[str]

    def command(self, line: str) -> list[str]: ...


class Terminal(Protocol):
    """The device under test, as its own interfaces allow it to be driven."""

    maintenance: MaintenancePort | None

    def power_on(self) -> None: ...

    def power_off(self) -> None: ...

    def measure_current_a(self) -> float | None:
        """What the terminal draws from the bench's supply (THK-8-BATT), in amperes; None
        when the profile has no instrument on its supply (the twin, a rig without one)."""
        ...


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


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterSpec:
    """The metering device the bench installs on the terminal's home side."""

    device_id: bytes
    import_wh: int = 12_345_000  # 9-digit counters at installation
    export_wh: int = 0
    import_w: float = 1_200.0  # load profile: constant power until the bench changes it
    export_w: float = 0.0
    clock_offset_s: float = 0.0  # the meter's clock minus the SM system's


class RogueDevice(Protocol):
    """The bench's attacker on the terminal's home network (NAT-3.1-T2, NAT-3.1-R1): it
    sends whatever the scenario asks, from any source address, on-link or ``via`` a next
    hop (a datagram addressed beyond the home link, handed to the next hop's link layer)."""

    address: str
    sent: list[HomeDatagram]  # everything it sent, in order

    def send(
        self,
        payload: bytes,
        *,
        dst: str,
        dst_port: int,
        src: str | None = None,
        src_port: int | None = None,
        via: str | None = None,
    ) -> HomeDatagram: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterDomains:
    """A smart meter's routes as separate network domains (NAT-3.1-R1 図1), by the address
    of a node in each: where a packet the terminal forwarded would be headed."""

    smart_meter: str  # the smart meter on the IoT route
    head_end: str  # the HES on the A route
    hems_controller: str  # a HEMS controller on the smart meter's B route


class HomeSide(Protocol):
    """The terminal's home side: the bench's metering device and a port mirror."""

    @property
    def traffic(self) -> list[HomeDatagram]:
        """Every datagram on the home network, in time order."""
        ...

    def install_meter(self, spec: MeterSpec) -> None:
        """Put a metering device on the home network (replacing any other)."""
        ...

    @property
    def bus_traffic(self) -> list:
        """Every frame on the meter bus (RS-485, Modbus RTU), where the meter is wired."""
        ...

    @property
    def meter_address(self) -> str: ...

    def meter_counters(self, at: float) -> tuple[int, int]:
        """What the bench's meter showed at a time: (import, export), 9-digit Wh."""
        ...

    def set_load(self, *, import_w: float, export_w: float) -> None: ...

    def meter_clock_error(self) -> float:
        """The meter's clock minus the SM system's, in seconds."""
        ...

    def add_rogue(self) -> RogueDevice:
        """Put the bench's attacker on the home network."""
        ...


class HeadEnd(Protocol):
    """The SM system's head-end (connection server): the bench's, in both profiles."""

    events: HesEventLog

    def sm_time(self) -> datetime: ...

    def readings(self, terminal_id: str) -> list: ...

    def missing(self, terminal_id: str, until: int | None = None) -> list[tuple[int, int]]: ...

    def interrupt(self) -> None:
        """Cut the SM system's multi-hop network between the smart meters and the HES."""
        ...

    def restore(self) -> None: ...

    def set_granularity(self, terminal_id: str, seconds: int, *, agreed: bool = False) -> None: ...

    def set_upload_interval(self, terminal_id: str, seconds: int, *, agreed: bool = False) -> None: ...

    def set_password(self, terminal_id: str, password: str) -> None: ...

    def set_terminal_id(self, terminal_id: str, new_id: str) -> None: ...

    def sync_clock(self, terminal_id: str) -> None: ...

    def read_clock(self, terminal_id: str) -> None: ...

    def set_credentials_enabled(self, terminal_id: str, *, enabled: bool) -> None:
        """Invalidate (``enabled=False``) or re-enable the terminal's credentials in the SM
        system (NAT-3.4-CUT, THK-14-CUT); open sessions are ended on the IoT route."""
        ...

    def operation_log(self) -> list[str]:
        """The HES's own operation log, one line per entry, once it has verified as
        untampered (NAT-3.2-LOG); a log that does not verify is a bench error."""
        ...


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

    def probe_replies(self, probe: EchoProbe) -> list:
        """A profile without a sniffer (``air`` None, HIL): the terminal's answers to ``probe``
        as the smart-meter side itself received them (each with its ``time``)."""
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

    # -- the smart meter's network domains (NAT-3.1-R1 図1) ------------------------------

    def add_hems_controller(self, meter: str) -> None:
        """Put a HEMS controller on ``meter``'s B route, a domain of its own."""
        ...

    def domains(self, meter: str) -> MeterDomains:
        """Where ``meter``'s routes are: the addresses a packet crossing domains would seek."""
        ...

    def send_udp(
        self,
        meter: str,
        terminal: bytes,
        *,
        dst_port: int,
        payload: bytes,
        src_port: int,
        dst: str | None = None,
    ) -> float:
        """A secured UDP datagram from ``meter`` to the terminal's link layer, IPv6-addressed
        to ``dst`` (None: the terminal itself); returns when it was sent."""
        ...

    def ping_session(self, meter: str, terminal: bytes) -> float:
        """A PANA ping (PNR, P flag) in the terminal's session; returns when it was sent."""
        ...

    # -- interference (THK-13-HOP) --------------------------------------------------------

    def jam(self, meter: str, *, duty: float = 1.0) -> int:
        """Jam the channel ``meter`` uses now; a pulsed jammer (``duty`` < 1) destroys that
        share of the frames on it. Returns the channel."""
        ...

    def stop_jamming(self) -> None: ...

    def move_meter(self, meter: str, channel: int | None = None) -> int:
        """``meter`` re-forms its PAN on another channel (None: the next free one of its hop
        sequence), as a smart meter hopping away from interference. Returns the channel."""
        ...


class Bench(Protocol):
    profile: str
    seed: int
    declaration: Declaration
    clock: Clock
    terminal: Terminal
    route: IotRouteSide
    home: HomeSide | None
    hes: HeadEnd | None

    def close(self) -> None: ...
