"""The small interfaces the HIL profile asks a rig's parts for (labgrid's protocols; STYLE.md).

The profile asks for a ``PowerProtocol``, never for ``ScpiPowerSupply``: any driver that
implements it will do, on a real rig or an emulated one. Each role of the rig file is
bound to the protocol its driver provides in one table, :mod:`rigs.roles`. Every method
is bounded by the resource's timeout and raises :class:`~rigs.RigError` when the part
fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from conformance.interfaces import MaintenancePort

# The terminal's maintenance port: the steps' own interface, which the bench's line
# console (rigs/drivers/maintenanceconsole.py) or a vendor's plug-in implements.
MaintenanceProtocol = MaintenancePort


@runtime_checkable
class PowerProtocol(Protocol):
    """Powers the terminal and measures what it draws (THK-8-BATT)."""

    def on(self) -> None: ...

    def off(self) -> None: ...

    def cycle(self, off_s: float = 2.0) -> None:
        """Off, ``off_s`` seconds of wall-clock time, on."""
        ...

    def measure_current_a(self) -> float:
        """The current the terminal draws now, in amperes."""
        ...


@runtime_checkable
class JammerProtocol(Protocol):
    """Occupies a channel with a carrier, as interference or a busy channel would."""

    def open(self) -> str:
        """Take the instrument with its carrier off; return its identity (``*IDN?``)."""
        ...

    def jam(self, channel_frequency_mhz: float, power_dbm: float, duty: float = 1.0) -> None:
        """The carrier on, on for ``duty`` of the time (1.0: steady; less: pulsed)."""
        ...

    def stop(self) -> None: ...

    def close(self) -> None:
        """Switch the carrier off, then let the instrument go."""
        ...


@runtime_checkable
class AttenuatorProtocol(Protocol):
    """Sets how strong the bench's smart meter appears to the terminal (NAT-2.3-B)."""

    def open(self) -> str:
        """Take the instrument; return its identity (``*IDN?``)."""
        ...

    def set_rssi_dbm(self, rssi_dbm: float) -> float:
        """Attenuate the bench radio's path so the terminal sees it at ``rssi_dbm``; return
        the level made (the attenuator's nearest step)."""
        ...

    def reaches(self, rssi_dbm: float) -> bool:
        """Whether the rig can make ``rssi_dbm`` at the terminal."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class DigitalIoProtocol(Protocol):
    """Relays and inputs of an I/O module (the terminal's power, its LED)."""

    def set_relay(self, n: int, on: bool) -> None: ...

    def read_input(self, n: int) -> bool: ...


@runtime_checkable
class SmartMeterRadioProtocol(Protocol):
    """A Wi-SUN module playing the smart meter's side of the IoT route: PAN coordinator
    and PANA authentication agent (the SKSTACK-IP command set, command reference 3.x),
    with a record of what it reported (EVENT, ERXUDP lines) and when."""

    resource: str  # "<name> on <port>", for messages that name the part

    def identify(self) -> str:
        """The firmware version (SKVER)."""
        ...

    def application_version(self) -> str: ...

    def info(self) -> Any:
        """The module's own addresses (``addr64``), channel and PAN ID (SKINFO)."""
        ...

    def reset(self) -> None: ...

    def configure_coordinator(
        self, channel: int, pan_id: int, pairing_id: str, *, session_lifetime_s: int | None = None
    ) -> None: ...

    def register_terminal(self, rbid: str, password: str) -> None: ...

    def open_udp_port(self, handle: int, port: int) -> None: ...

    def start(self) -> None: ...

    def send_udp(self, addr: bytes, port: int, data: bytes, secured: bool, *, handle: int = 1) -> bool:
        """Whether the module reports the datagram sent."""
        ...

    def terminate(self) -> None:
        """End the PANA session (SKTERM takes no argument: the module's one session ends)."""
        ...

    def check_alive(self) -> None:
        """Raise the ``RigError`` of a lost port or a failed reader: a dead part breaks the
        scenario instead of looking like a silent terminal."""
        ...

    def protocol_error_mark(self) -> int:
        """A position in the record of malformed lines."""
        ...

    def protocol_error_log(self, since: int = 0) -> list:
        """The malformed lines the module printed from ``since`` on, with their bytes."""
        ...

    def mark(self) -> int:
        """A position in the record of observations."""
        ...

    def observations(self, since: int = 0) -> list:
        """What the module reported from ``since`` on, each with its ``time``."""
        ...

    def wait_for(self, predicate: Callable[[Any], bool], timeout: float, *, since: int = 0) -> Any:
        """The first observation satisfying ``predicate`` within ``timeout``; raises
        ``RigError`` when the port is lost."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class HomeLanProtocol(Protocol):
    """The bench's UDP socket on the terminal's home LAN (ECHONET Lite, port 3610)."""

    address: str  # the bench's own address on the LAN: the metering device's

    def receive(self) -> list[tuple[bytes, str, int]]:
        """Every datagram waiting: (payload, sender address, sender port)."""
        ...

    def send(self, payload: bytes, address: str, port: int) -> None: ...

    def close(self) -> None: ...


# -- the air (issue 13): a sniffer that hears the channel, an injector that transmits on it ----


@dataclass(frozen=True, slots=True, kw_only=True)
class SniffedFrame:
    """One frame a sniffer heard: the MPDU with its FCS, the sniffer's own timestamp (UNIX
    seconds, its clock), the channel and RSSI where the encapsulation carries them, and
    when it reached the bench (``time.monotonic()``)."""

    frame: bytes
    timestamp: float
    arrived: float
    channel: int | None = None
    rssi_dbm: float | None = None


@runtime_checkable
class SnifferProtocol(Protocol):
    """A sniffer on the IoT route's channel, read without blocking."""

    resource: str

    def open(self) -> str:
        """Start listening; return what is listened to, for the notes."""
        ...

    def mark(self) -> int:
        """A position in the record of frames heard."""
        ...

    def frames(self, since: int = 0) -> list[SniffedFrame]:
        """The frames heard from ``since`` on, oldest first."""
        ...

    def check_alive(self) -> None:
        """Raise the ``RigError`` of a feed that broke (a malformed stream, a lost pipe)."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class InjectorProtocol(Protocol):
    """A radio that transmits the octets the bench built, as they are."""

    resource: str

    def transmit(self, frame: bytes, channel: int) -> None:
        """Put ``frame`` (an MPDU with its FCS) on ``channel``."""
        ...

    def close(self) -> None: ...
