"""The rig's roles, each bound to the driver that plays it by the protocol it provides.

One table, :data:`ROLES`, as labgrid's strategies bind a ``PowerProtocol`` to whichever
driver provides it. A row says, for one role of the rig file:

* ``entry``: the rig-file model of a resource in that role (the one kind of resource it
  takes, ``serial``, ``visa``, ``modbus`` or ``network``, and the role's own options);
* ``provides``: the protocol of :mod:`rigs.protocols` its driver implements, which is all
  the HIL profile asks of the part;
* ``driver`` and ``open``: the driver class and how the part is built from its entry
  (by default ``driver.from_entry(name, entry)``);
* ``probe``: how ``python -m rigs.check`` looks at the resource, switching nothing on.

``rigs.rigfile`` validates a rig file's resources by this table, ``rigs.check`` probes
them by it and ``rigs.profile.rig`` opens them by it. Adding an instrument is its driver
module in ``rigs/drivers/`` (a class implementing a protocol, with ``from_entry``) and its
row here, with its entry model beside the row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from ipaddress import IPv4Address, IPv6Address
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_core import PydanticCustomError

from conformance.errors import BenchError
from conformance.ics import Declaration
from conformance.protocols import skstack as sk
from rigs.drivers.homelansocket import HomeLanSocket
from rigs.drivers.injectorzep import ZepInjector
from rigs.drivers.maintenanceconsole import MaintenanceConsole
from rigs.drivers.modbusio import ModbusIoModule
from rigs.drivers.scpiattenuator import ScpiAttenuator
from rigs.drivers.scpipowersupply import ScpiPowerSupply
from rigs.drivers.scpisignalgenerator import ScpiSignalGenerator
from rigs.drivers.skstackradio import SkStackRadio
from rigs.drivers.snifferpcap import PcapSniffer
from rigs.drivers.snifferzep import ZepSniffer
from rigs.profile import plugins
from rigs.protocols import (
    AttenuatorProtocol,
    DigitalIoProtocol,
    HomeLanProtocol,
    InjectorProtocol,
    JammerProtocol,
    MaintenanceProtocol,
    PowerProtocol,
    SmartMeterRadioProtocol,
    SnifferProtocol,
)
from rigs.resources import (
    CaptureFeed,
    FromEnvironment,
    ModbusUnit,
    NetworkInterface,
    PcapFeed,
    SerialPort,
    UdpPeer,
    VisaInstrument,
    field_error,
)

# -- the rig file's entries, one model per role ---------------------------------------------


class RoleEntry(BaseModel):
    """A resource of the rig file in a role: its ``role``, one resource and the role's options."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str


RadioModel = Literal[tuple(sk.MODELS)]  # type: ignore[valid-type]  # BP35A1, RL7023-IPS, BP35C0 ...


class WisunRadioEntry(RoleEntry):
    """The module and how it is to print; each option left out is asked of the module at
    open (``rigs.drivers.skstackradio``), so a rig file needs one only to insist."""

    role: Literal["wisun-radio"]
    serial: SerialPort
    # Checked against EINFO at open: a fifth field of ADDR16 is the A1 family, of SIDE the
    # C family (conformance/protocols/skstack/models.py).
    model: RadioModel | None = None
    # ERXUDP's data: "hex" (WOPT 01) or "binary" (WOPT 00), written with WOPT only where
    # ROPT shows the other (BP35A1 reference 3.30-3.31); left out, as ROPT shows it.
    erxudp_format: Literal["hex", "binary"] | None = None
    # Register SA2 on the C family: ERXUDP carries an RSSI column while it is 1 (public
    # BP35C2 clients set it); left out, SA2 stays as it is and both layouts are read.
    rssi_column: bool | None = None
    # Register SFE: the module echoes each command back (1 out of the box on the BP35A1).
    echo: bool = False

    @model_validator(mode="after")
    def _fits_the_model(self) -> WisunRadioEntry:
        a1_family = self.model is not None and not sk.layout_of(self.model).rssi_register
        if a1_family and self.rssi_column is not None:
            message = (
                f"{self.model} has no register SA2: the RSSI column is an option of the C "
                "family (BP35C0, BP35C2, RL7023-DSS)"
            )
            raise field_error("wisun-radio", ("rssi_column",), self.rssi_column, "no_sa2", message)
        return self

    def driver_options(self) -> dict[str, Any]:
        """The options as ``SkStackRadio`` takes them."""
        hex_data = None if self.erxudp_format is None else self.erxudp_format == "hex"
        return {"model": self.model, "hex_data": hex_data, "rssi_column": self.rssi_column, "echo": self.echo}


class MaintenancePortEntry(RoleEntry):
    role: Literal["maintenance-port"]
    serial: SerialPort


class HomeLanEntry(RoleEntry):
    role: Literal["home-lan"]
    network: NetworkInterface
    # The bench's rogue device (NAT-3.1-T2, NAT-3.1-T4): its own address on the LAN, which
    # must be this host's; left out, the home-side attacks are not applicable on the rig.
    rogue_address: Annotated[IPv4Address | IPv6Address | None, FromEnvironment] = None
    # The terminal's home-side address: the one address off this host the rogue may send
    # to (rigs/drivers/homelansocket.py refuses every other).
    terminal_address: IPv4Address | IPv6Address | None = None

    @model_validator(mode="after")
    def _one_family(self) -> HomeLanEntry:
        for field, value in (
            ("rogue_address", self.rogue_address),
            ("terminal_address", self.terminal_address),
        ):
            if value is not None and value.version != self.network.address.version:
                message = f"an IPv{value.version} address on an IPv{self.network.address.version} LAN"
                raise field_error("home-lan", (field,), str(value), "address_family", message)
        return self


class PowerSupplyEntry(RoleEntry):
    role: Literal["power-supply"]
    visa: VisaInstrument
    channel: Annotated[int, Field(ge=1, le=8)] = 1
    # The terminal's supply: its battery's nominal voltage, or the adapter's.
    voltage_v: Annotated[float, Field(gt=0, le=60)]
    current_limit_a: Annotated[float, Field(gt=0, le=10)]


class SignalGeneratorEntry(RoleEntry):
    role: Literal["signal-generator"]
    visa: VisaInstrument
    # The most the rig may radiate or inject: the shield box's or attenuator's rating.
    # The driver refuses a jam above it; the HIL profile jams at it.
    max_power_dbm: Annotated[float, Field(gt=-150, le=30)]


class AttenuatorEntry(RoleEntry):
    """A step attenuator in the path from the bench's Wi-SUN module to the terminal."""

    role: Literal["attenuator"]
    visa: VisaInstrument
    # Where the attenuator hangs on its driver (a Keysight 11713C: two banks, X and Y).
    bank: Literal[1, 2] = 1
    output: Literal["X", "Y"] = "X"
    step_db: Annotated[float, Field(gt=0, le=20)] = 10.0
    max_db: Annotated[float, Field(gt=0, le=150)] = 110.0
    # The RSSI the terminal sees from the bench's module with no attenuation, measured
    # once for the rig; the apparent RSSI is this less the attenuation.
    rssi_at_0_db_dbm: Annotated[float, Field(ge=-120, le=0)]


class DigitalIoEntry(RoleEntry):
    role: Literal["digital-io"]
    modbus: ModbusUnit
    # Protocol addresses (0-based, as in the module's register map); None: not wired.
    power_relay: Annotated[int, Field(ge=0, le=65535)] | None = None  # a coil
    led_input: Annotated[int, Field(ge=0, le=65535)] | None = None  # a discrete input

    @model_validator(mode="after")
    def _wired(self) -> DigitalIoEntry:
        if self.power_relay is None and self.led_input is None:
            raise PydanticCustomError("unwired", "needs power_relay, led_input or both")
        return self


class MeterBusEntry(RoleEntry):
    role: Literal["meter-bus"]
    # The bench serves the metering device's registers on this line; the terminal polls.
    modbus: ModbusUnit


def _aes_128_key(key: SecretStr) -> SecretStr:
    text = key.get_secret_value()
    if len(text) != 32 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise PydanticCustomError("group_key", "a group key is 32 hex digits (AES-128)")
    return key


GroupKey = Annotated[SecretStr, FromEnvironment, AfterValidator(_aes_128_key)]


class SnifferEntry(RoleEntry):
    """A sniffer on the IoT route's channel: a pcap/pcapng pipe or file, or ZEP v2 over UDP."""

    role: Literal["sniffer"]
    capture: CaptureFeed
    # HAN group keys to decrypt the terminal's secured frames with (32 hex digits each,
    # secrets: never in a report): SKSTACK-IP has no command that reveals the module's.
    group_keys: list[GroupKey] = []

    def keys(self) -> list[bytes]:
        return [bytes.fromhex(key.get_secret_value()) for key in self.group_keys]


class SecondMeterRadioEntry(WisunRadioEntry):
    """A second Wi-SUN module, coordinator and PAA like the first: a second smart meter
    (NAT-2.3-B, NAT-3.1-R3 with SM-2 on the air). Its options are the first's; its HAN
    group keys are its own, so that a frame is told apart by the meter whose key opens it."""

    role: Literal["second-meter-radio"]  # type: ignore[assignment]  # the first's entry, another role
    # This module's group keys (32 hex digits each, secrets), as the sniffer entry's are the
    # first module's: the sniffer decrypts with both, the steps tell the meters apart by them.
    group_keys: list[GroupKey] = []

    def keys(self) -> list[bytes]:
        return [bytes.fromhex(key.get_secret_value()) for key in self.group_keys]


class InjectorEntry(RoleEntry):
    """A radio bridge that transmits the bench's frames, sent to it as ZEP v2 over UDP."""

    role: Literal["injector"]
    udp: UdpPeer


# -- the table -----------------------------------------------------------------------------


class Probe(StrEnum):
    """How ``python -m rigs.check`` looks at a role's resource; nothing is switched on."""

    IDENTIFY = "identify"  # open the VISA instrument and ask *IDN?
    SERIAL = "serial"  # open the serial line; ask the role's serial probe where it has one
    # Open the module with its driver and the rig file's options as a scenario's set-up
    # does (echo, EINFO, data format, SA2), then SKRESET, SKVER, registers, SKINFO, a listen.
    RADIO = "radio"
    BIND = "bind"  # bind a socket to the bench's address on the LAN
    READ_IO = "read-io"  # read the I/O module's wired relay and input
    SERVE = "serve"  # check the bench could serve a Modbus unit there
    SNIFF = "sniff"  # open the sniffer's feed and listen a second for frames
    RESOLVE = "resolve"  # check the injector's bridge address is one the bench can send to


@dataclass(frozen=True, slots=True, kw_only=True)
class Opening:
    """What building a part may need besides its rig-file entry."""

    declaration: Declaration  # the terminal's: a maintenance-port plug-in may read it
    maintenance_protocol: str = plugins.BUILT_IN  # --maintenance-protocol


Opener = Callable[[str, Any, Opening], Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Binding:
    """One row of the table: a role, its entry model, its protocol, its driver."""

    role: str
    what: str  # what the part is for, in a line
    entry: type[RoleEntry]
    provides: type | None  # None: no driver plays the role yet
    driver: type | None
    probe: Probe
    open: Opener | None = None  # None: ``driver.from_entry(name, entry)``

    def build(self, name: str, entry: RoleEntry, opening: Opening) -> Any:
        """The driver for the resource ``name`` (a ``provides``), built from its entry."""
        if self.open is not None:
            return self.open(name, entry, opening)
        if self.driver is None:
            raise BenchError(f"{name}: no driver plays the role {self.role} on the hil profile yet")
        return self.driver.from_entry(name, entry)


def _open_radio(name: str, entry: WisunRadioEntry, opening: Opening) -> SkStackRadio:
    return SkStackRadio.from_resource(name, entry.serial, **entry.driver_options())


def _open_maintenance_port(name: str, entry: MaintenancePortEntry, opening: Opening) -> MaintenanceProtocol:
    # The built-in line console or a vendor's plug-in (an entry point), as chosen.
    return plugins.open_port(opening.maintenance_protocol, name, entry.serial, opening.declaration)


def _open_sniffer(name: str, entry: SnifferEntry, opening: Opening) -> SnifferProtocol:
    feed = entry.capture
    if isinstance(feed, PcapFeed):
        return PcapSniffer.from_feed(name, feed)
    return ZepSniffer.from_feed(name, feed)


def _open_injector(name: str, entry: InjectorEntry, opening: Opening) -> InjectorProtocol:
    return ZepInjector.from_peer(name, entry.udp)


ROLES: Mapping[str, Binding] = {
    binding.role: binding
    for binding in (
        Binding(
            role="wisun-radio",
            what="the smart-meter side of the IoT route: a Wi-SUN module (SKSTACK-IP)",
            entry=WisunRadioEntry,
            provides=SmartMeterRadioProtocol,
            driver=SkStackRadio,
            open=_open_radio,
            probe=Probe.RADIO,
        ),
        Binding(
            role="maintenance-port",
            what="the terminal's maintenance port (handy-terminal functions)",
            entry=MaintenancePortEntry,
            provides=MaintenanceProtocol,
            driver=MaintenanceConsole,
            open=_open_maintenance_port,
            probe=Probe.SERIAL,
        ),
        Binding(
            role="home-lan",
            what="the metering device side on the home LAN (ECHONET Lite over UDP)",
            entry=HomeLanEntry,
            provides=HomeLanProtocol,
            driver=HomeLanSocket,
            probe=Probe.BIND,
        ),
        Binding(
            role="power-supply",
            what="powers the terminal and measures its current (THK-8-BATT)",
            entry=PowerSupplyEntry,
            provides=PowerProtocol,
            driver=ScpiPowerSupply,
            probe=Probe.IDENTIFY,
        ),
        Binding(
            role="signal-generator",
            what="the jammer on the channel's frequency (THK-13-HOP)",
            entry=SignalGeneratorEntry,
            provides=JammerProtocol,
            driver=ScpiSignalGenerator,
            probe=Probe.IDENTIFY,
        ),
        Binding(
            role="attenuator",
            what="the bench meter's apparent signal strength at the terminal (NAT-2.3-B)",
            entry=AttenuatorEntry,
            provides=AttenuatorProtocol,
            driver=ScpiAttenuator,
            probe=Probe.IDENTIFY,
        ),
        Binding(
            role="digital-io",
            what="a relay for the terminal's power, an input for its LED",
            entry=DigitalIoEntry,
            provides=DigitalIoProtocol,
            driver=ModbusIoModule,
            probe=Probe.READ_IO,
        ),
        Binding(
            role="sniffer",
            what="hears the IoT route's channel: pcap/pcapng from a pipe or file, or ZEP over UDP",
            entry=SnifferEntry,
            provides=SnifferProtocol,
            driver=PcapSniffer,
            open=_open_sniffer,
            probe=Probe.SNIFF,
        ),
        Binding(
            role="injector",
            what="transmits frames the bench builds, through a ZEP radio bridge",
            entry=InjectorEntry,
            provides=InjectorProtocol,
            driver=ZepInjector,
            open=_open_injector,
            probe=Probe.RESOLVE,
        ),
        Binding(
            role="second-meter-radio",
            what="a second smart meter: another Wi-SUN module (SKSTACK-IP) as coordinator",
            entry=SecondMeterRadioEntry,
            provides=SmartMeterRadioProtocol,
            driver=SkStackRadio,
            open=_open_radio,
            probe=Probe.RADIO,
        ),
        Binding(
            role="meter-bus",
            what="the metering device side on RS-485 (the bench serves Modbus RTU): not served on hil yet",
            entry=MeterBusEntry,
            provides=None,
            driver=None,
            probe=Probe.SERVE,
        ),
    )
}


def binding(role: str) -> Binding:
    """The row of ``role``; a role the table does not know is a bench error (a typo)."""
    try:
        return ROLES[role]
    except KeyError:
        raise BenchError(f"no rig role {role!r}; the roles are {', '.join(ROLES)}") from None
