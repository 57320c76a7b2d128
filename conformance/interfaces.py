"""The interfaces through which steps reach the terminal and its surroundings.

Steps ask for these protocols, never for a profile's classes (labgrid's rule), so the
same feature files run against the twin and against a real terminal on a rig
(DESIGN.md rule 2).

Every profile implements every member, explicitly. A capability a profile (or a rig)
lacks is a member that raises :class:`~conformance.errors.NotApplicable` with the reason
(no sniffer on a rig, no second smart meter on one Wi-SUN module, no instrument on the
supply ...); the fixtures turn it into a skip with that reason (``fixtures/verdicts.py``),
and the certification summary lists it. Nothing answers ``None`` for "not here", and no
proxy turns a missing method into a skip: an interface gap is a bench error, not "not
applicable". Code that reads a capability only where it exists (evidence, an alternative
view) asks through :func:`if_provided`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from conformance.errors import NotApplicable
from conformance.ics import Declaration
from conformance.measurements import Limit, Measurement
from conformance.observe.air import AirLog
from conformance.observe.hes_events import HesEventLog
from conformance.observe.route_events import RouteEventLog
from conformance.protocols.dlms.objects import CosemAttribute
from conformance.protocols.dlms.profile import DEFAULT_MODEL, ObjectModel

# What the home side's port mirror records: part of this interface's vocabulary
# (``HomeSide.traffic``, ``RogueDevice.sent``), so steps name it from here.
from conformance.sim.home_network import HomeDatagram as HomeDatagram
from conformance.sim.home_network import HomeTraffic

T = TypeVar("T")


def if_provided(read: Callable[[], T]) -> T | None:
    """What ``read()`` gives, or None where the profile lacks that capability (``read``
    raised ``NotApplicable``). For evidence and for a step with another view of the same
    thing (the smart-meter side's own reception where there is no sniffer); a step that
    needs the capability to judge calls it directly, so its scenario is not applicable."""
    try:
        return read()
    except NotApplicable:
        return None


class Evidence(Protocol):
    """Where a step records what it measured and compared (``fixtures/evidence.py``
    implements it; the report shows every record, pass or fail)."""

    def measure(self, limit: Limit, value: float | None, note: str = "") -> Measurement:
        """Record ``value`` against ``limit`` (None: never observed), then raise
        ``TerminalFailure`` when it is outside."""
        ...

    def compare_declared(self, item: str, declared: object, observed: object, *, source: str) -> bool:
        """Record what the declaration says about ``item`` next to what was observed;
        return whether they agree (the step decides what a difference means)."""
        ...


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

    @property
    def maintenance(self) -> MaintenancePort:
        """The terminal's maintenance port; ``NotApplicable`` where the bench cannot reach
        it (a rig without a maintenance-port resource)."""
        ...

    def power_on(self) -> None:
        """``NotApplicable`` where the bench cannot power the terminal (a rig with neither
        a power supply nor a power relay)."""
        ...

    def power_off(self) -> None: ...

    def measure_current_a(self) -> float:
        """What the terminal draws from the bench's supply (THK-8-BATT), in amperes: the
        twin's supply reads its current model, a rig's its power supply;
        ``NotApplicable`` where the rig has no power supply."""
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
    # Boundaries (issue 11): the counter equal to the last one accepted (IEEE 802.15.4-2015
    # §9.2.5 demands strictly greater), and forgeries to all nodes (a broadcast frame to
    # ff02::1), which a stack may check less carefully than its unicast frames.
    LAST_COUNTER = "again at the last frame counter it accepted"
    BROADCAST_PLAINTEXT = "to all nodes in plaintext"
    BROADCAST_BAD_MIC = "to all nodes with a bad MIC"
    BROADCAST_LAST_COUNTER = "to all nodes again at the last frame counter"


@dataclass(frozen=True, slots=True)
class EchoProbe:
    """An ICMPv6 Echo Request the bench sent the terminal, to see whether it answers."""

    identifier: int
    sequence: int
    sent_at: float  # when the frame under test went on the air


ID_LEFT_OUT_S = 60  # how long into a slot of ``MeterSpec.id_left_out`` the meter leaves 0xD1 out


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterSpec:
    """The metering device the bench installs on the terminal's home side."""

    device_id: bytes
    import_wh: int = 12_345_000  # 9-digit counters at installation
    export_wh: int = 0
    import_w: float = 1_200.0  # load profile: constant power until the bench changes it
    export_w: float = 0.0
    clock_offset_s: float = 0.0  # the meter's clock minus the SM system's
    # Stimulus: slots (SM system POSIX seconds) in whose first ID_LEFT_OUT_S the meter's Get
    # answers leave the device ID 0xD1 out (NAT-3.1-T3: a value that comes without its meter's ID).
    id_left_out: tuple[int, ...] = ()
    # Stimulus: slots whose first energy request the meter leaves unanswered (NAT-2.5-ACQ).
    deaf_at: tuple[int, ...] = ()


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
    """The terminal's home side: the bench's metering device and a port mirror.

    Every profile has one; what a profile's home side cannot do raises ``NotApplicable``
    (a rig without a home LAN cannot install the meter, the HIL profile has no attacker
    on the home network yet)."""

    @property
    def traffic(self) -> HomeTraffic:
        """The datagrams on the home network, in time order (the newest
        ``MAX_HOME_DATAGRAMS``; ``dropped`` counts the earlier ones)."""
        ...

    def install_meter(self, spec: MeterSpec) -> None:
        """Put a metering device on the home network or the meter bus, as the declaration
        wires it (replacing any other)."""
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

    def add_meter_beside(self, spec: MeterSpec) -> str:
        """Put a second metering device on the home network beside the installed one
        (NAT-2.1-B); its address."""
        ...


class HeadEnd(Protocol):
    """The SM system's head-end (connection server): the bench's, in both profiles."""

    @property
    def events(self) -> HesEventLog: ...

    def commission(
        self, terminal_id: str, meter_id: bytes, granularity_s: int, model: ObjectModel = DEFAULT_MODEL
    ) -> None:
        """Record that the terminal serves the metering device ``meter_id``, with its
        agreed granularity and the operator's object model it speaks: what the HES then
        expects from it."""
        ...

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

    def read_attribute(self, terminal_id: str, name: str, attribute: CosemAttribute) -> None:
        """GET any attribute, also one outside the terminal's object model; the answer as the
        HES decoded it is recorded as a ``ResponseReceived`` under ``name``."""
        ...

    def set_credentials_enabled(self, terminal_id: str, *, enabled: bool) -> None:
        """Invalidate (``enabled=False``) or re-enable the terminal's credentials in the SM
        system (NAT-3.4-CUT, THK-14-CUT); open sessions are ended on the IoT route."""
        ...

    def operation_log(self) -> list[str]:
        """The HES's own operation log, one line per entry, once it has verified as
        untampered (NAT-3.2-LOG); a log that does not verify is a bench error."""
        ...

    @property
    def operation_log_archived(self) -> int:
        """How many of the operation log's oldest entries were archived behind its sealed
        checkpoint (no longer among ``operation_log``'s lines)."""
        ...


class IotRouteSide(Protocol):
    """The smart-meter side of the IoT route: meters, the air, and what they observe.

    The twin plays every meter and sees the whole air; a rig plays one meter with one
    Wi-SUN module and has no sniffer, so several members raise ``NotApplicable`` there,
    each with what the rig would need."""

    @property
    def events(self) -> RouteEventLog: ...

    @property
    def air(self) -> AirLog:
        """Frames on the air; ``NotApplicable`` where the profile has no sniffer."""
        ...

    def add_meter(self, setup: MeterSetup) -> None:
        """``NotApplicable`` for a meter the profile cannot play (a second one, a full one,
        a chosen signal strength ...)."""
        ...

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
        """The terminal's answers to ``probe`` as the smart-meter side itself received them
        (each with its ``time``): the view of a profile without a sniffer (HIL). Where the
        air is observed (the twin) the answers are read there, and this is
        ``NotApplicable``."""
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

    def join_evidence(self) -> str:
        """For the report: which observation confirmed each join, where a join is inferred
        (a rig's module, ``rigs/profile/route.py``); "" where the join is itself observed."""
        ...

    def radio_protocol_errors(self) -> str:
        """For the report: the malformed lines the side's radio printed during the
        scenario; "" when there were none or the side reads no radio's lines."""
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
        share of the frames on it. Returns the channel. ``NotApplicable`` where the profile
        has no jammer that can (a rig without a signal generator)."""
        ...

    def stop_jamming(self) -> None:
        """Switch every jammer off (nothing to do when none is on)."""
        ...

    def move_meter(self, meter: str, channel: int | None = None) -> int:
        """``meter`` re-forms its PAN on another channel (None: the next free one of its hop
        sequence), as a smart meter hopping away from interference. Returns the channel."""
        ...


class Bench(Protocol):
    """One scenario's bench: the terminal and every side around it. Every profile has
    each side; what a side cannot do on a profile raises ``NotApplicable``."""

    profile: str
    seed: int
    declaration: Declaration
    clock: Clock
    terminal: Terminal
    route: IotRouteSide
    home: HomeSide
    hes: HeadEnd

    def close(self) -> None: ...
