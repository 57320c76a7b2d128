"""The rig file (``--rig PATH``): which resources a rig has and the role each plays.

A versioned YAML document, validated strictly on load (DESIGN.md rule 7): an unknown
field, a missing one, a resource of the wrong kind for its role or a role given twice
stops the run with one :class:`~conformance.yamlfile.DocumentError` naming the file, the
line and the field. ``rigs/emulators/rig.yaml`` is the CI rig, ``rigs/examples/`` has a
commented one for a vendor's desk::

    version: 1
    rig: {name: desk-1, description: BP35C2 on the smart-meter side}
    resources:
      radio:
        role: wisun-radio
        serial: {port: /dev/ttyUSB0, baudrate: 115200}
      psu:
        role: power-supply
        visa: {address: "TCPIP0::192.168.10.21::inst0::INSTR", backend: "@py"}
        voltage_v: 3.6
        current_limit_a: 0.5

Each role takes one kind of resource (``serial``, ``visa``, ``modbus`` or ``network``)
and its own options; a rig has at most one resource in each role.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from conformance.yamlfile import DocumentError, compose, load_document, yaml_line
from rigs.resources import (
    ModbusRtu,
    ModbusUnit,
    NetworkInterface,
    SerialPort,
    VisaInstrument,
    field_error,
    tagged,
)

Role = Literal[
    "wisun-radio",  # the smart-meter side of the IoT route: a Wi-SUN module (SKSTACK-IP)
    "maintenance-port",  # the terminal's maintenance port (handy-terminal functions)
    "home-lan",  # the metering device side on the home LAN (ECHONET Lite over UDP)
    "power-supply",  # powers the terminal and measures its current (THK-8-BATT)
    "signal-generator",  # the jammer on the channel's frequency
    "digital-io",  # a relay for the terminal's power, an input for its LED
    "meter-bus",  # the metering device side on RS-485 (the bench serves Modbus RTU)
]
KINDS = ("serial", "visa", "modbus", "network")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WisunRadioEntry(_Entry):
    role: Literal["wisun-radio"]
    serial: SerialPort


class MaintenancePortEntry(_Entry):
    role: Literal["maintenance-port"]
    serial: SerialPort


class HomeLanEntry(_Entry):
    role: Literal["home-lan"]
    network: NetworkInterface


class PowerSupplyEntry(_Entry):
    role: Literal["power-supply"]
    visa: VisaInstrument
    channel: Annotated[int, Field(ge=1, le=8)] = 1
    # The terminal's supply: its battery's nominal voltage, or the adapter's.
    voltage_v: Annotated[float, Field(gt=0, le=60)]
    current_limit_a: Annotated[float, Field(gt=0, le=10)]


class SignalGeneratorEntry(_Entry):
    role: Literal["signal-generator"]
    visa: VisaInstrument
    # The most the rig may radiate or inject: the shield box's or attenuator's rating.
    # The driver refuses a jam above it.
    max_power_dbm: Annotated[float, Field(gt=-150, le=30)]


class DigitalIoEntry(_Entry):
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


class MeterBusEntry(_Entry):
    role: Literal["meter-bus"]
    # The bench serves the metering device's registers on this line; the terminal polls.
    modbus: ModbusUnit


ENTRIES: dict[str, type[_Entry]] = {
    "wisun-radio": WisunRadioEntry,
    "maintenance-port": MaintenancePortEntry,
    "home-lan": HomeLanEntry,
    "power-supply": PowerSupplyEntry,
    "signal-generator": SignalGeneratorEntry,
    "digital-io": DigitalIoEntry,
    "meter-bus": MeterBusEntry,
}
Entry = (
    WisunRadioEntry
    | MaintenancePortEntry
    | HomeLanEntry
    | PowerSupplyEntry
    | SignalGeneratorEntry
    | DigitalIoEntry
    | MeterBusEntry
)


def kind_of(entry: _Entry) -> str:
    """Which kind of resource an entry binds: ``serial``, ``visa``, ``modbus`` or ``network``."""
    return next(kind for kind in KINDS if kind in type(entry).model_fields)


def resource_of(entry: _Entry) -> SerialPort | VisaInstrument | ModbusUnit | NetworkInterface:
    return getattr(entry, kind_of(entry))


def _kind_fits_role(role: str, value: dict) -> None:
    wanted = next(kind for kind in KINDS if kind in ENTRIES[role].model_fields)
    for kind in KINDS:
        if kind in value and kind != wanted:
            message = f"role {role} takes a {wanted} resource, not {kind}"
            raise field_error("resource", (kind,), value[kind], "kind_mismatch", message)


ResourceName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=64)]


class RigInfo(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Annotated[str, Field(min_length=1)]
    description: str = ""


class Rig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    rig: RigInfo
    resources: Annotated[
        dict[ResourceName, Annotated[Entry, BeforeValidator(tagged("role", ENTRIES, _kind_fits_role))]],
        Field(min_length=1),
    ]

    @field_validator("resources")
    @classmethod
    def _one_of_each(cls, resources: dict[str, _Entry]) -> dict[str, _Entry]:
        players: dict[str, str] = {}
        users: dict[str, str] = {}
        for name, entry in resources.items():
            if entry.role in players:
                message = f"role {entry.role} is already played by {players[entry.role]}; a rig has one"
                raise field_error("rig", (name, "role"), entry.role, "role_twice", message)
            players[entry.role] = name
            claim = _claimed_port(entry)
            if claim is None:
                continue
            where, port = claim
            if port in users:
                raise field_error(
                    "rig", (name, *where), port, "port_twice", f"{port} is already used by {users[port]}"
                )
            users[port] = name
        return resources

    def find(self, role: Role) -> tuple[str, Entry] | None:
        """The resource in ``role`` and its name, or None when the rig has none."""
        return next(((name, entry) for name, entry in self.resources.items() if entry.role == role), None)


def _claimed_port(entry: _Entry) -> tuple[tuple[str, ...], str] | None:
    # Two roles on one serial line or one instrument would fight over it.
    resource = resource_of(entry)
    if isinstance(resource, SerialPort):
        return ("serial", "port"), resource.port
    if isinstance(resource, ModbusRtu):
        return ("modbus", "serial_port"), resource.serial_port
    if isinstance(resource, VisaInstrument):
        return ("visa", "address"), resource.address
    return None


def load_rig(path: Path) -> Rig:
    """Load and validate a rig file; raise one ``DocumentError`` for the first problem.

    A pyvisa-sim devices file named relative to the rig file is resolved against the rig
    file's folder, and must exist.
    """
    path = Path(path)
    rig = load_document(path, Rig)
    resolved = dict(rig.resources)
    for name, entry in rig.resources.items():
        visa = getattr(entry, "visa", None)
        if visa is None or visa.devices_file is None:
            continue
        devices = (path.parent / visa.devices_file).resolve()
        if not devices.is_file():
            loc = ("resources", name, "visa", "backend")
            line = yaml_line(compose(path)[0], loc)
            message = f"pyvisa-sim devices file {devices} does not exist"
            raise DocumentError(path, line, ".".join(loc), message)
        visa = visa.model_copy(update={"backend": f"{devices}@sim"})
        resolved[name] = entry.model_copy(update={"visa": visa})
    return rig.model_copy(update={"resources": resolved})
