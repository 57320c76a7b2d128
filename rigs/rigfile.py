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

Each role takes one kind of resource (``serial``, ``visa``, ``modbus``, ``network``, and for
the air ``capture``, a sniffer's pcap/pcapng or ZEP feed, or ``udp``, an injector's bridge)
and its own options; a rig has at most one resource in each role. The roles, their entry
models and the drivers that play them are one table, :mod:`rigs.roles`.

``power`` says how the terminal is switched: ``instruments`` (the default: the power
supply and/or the I/O module's relay), ``manual`` (the bench prompts the operator on the
console and waits for Enter, up to ``timeout_s``) or ``maintenance`` (the terminal is
restarted by its maintenance port's ``reboot`` command, and is never switched off). Only
instruments can cut the power for a timed while; scenarios that need that are not
applicable on the other two (``rigs.profile.terminal``)::

    power: manual                        # or, with its options:
    power: {by: manual, timeout_s: 120, console: /dev/tty}
    power: {by: maintenance, reboot: REBOOT}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from conformance.yamlfile import DocumentError, compose, load_document, yaml_line
from rigs.resources import (
    ModbusRtu,
    ModbusUnit,
    NetworkInterface,
    PcapFeed,
    SerialPort,
    UdpPeer,
    VisaInstrument,
    ZepFeed,
    field_error,
    tagged,
)
from rigs.roles import ROLES, DigitalIoEntry, RoleEntry, binding

Role = str  # a key of rigs.roles.ROLES: "wisun-radio", "power-supply" ...
KINDS = ("serial", "visa", "modbus", "network", "capture", "udp")

# The entry model of each role, from the one table (rigs/roles.py).
ENTRIES: dict[str, type[RoleEntry]] = {role: row.entry for role, row in ROLES.items()}
Entry = Union[tuple(ENTRIES.values())]  # type: ignore[valid-type]  # noqa: UP007 (a union built from the table)


def kind_of(entry: RoleEntry) -> str:
    """Which kind of resource an entry binds: ``serial``, ``visa``, ``modbus`` or ``network``."""
    return next(kind for kind in KINDS if kind in type(entry).model_fields)


def resource_of(
    entry: RoleEntry,
) -> SerialPort | VisaInstrument | ModbusUnit | NetworkInterface | PcapFeed | ZepFeed | UdpPeer:
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


def _power_shorthand(value: object) -> object:
    # ``power: manual`` is ``power: {by: manual}``.
    return {"by": value} if isinstance(value, str) else value


class PowerControl(BaseModel):
    """How the terminal is switched on and off (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    by: Literal["instruments", "manual", "maintenance"] = "instruments"
    # manual: how long the bench waits for the operator, and where the operator answers
    # (the terminal the bench runs in; a file or a named pipe when a test answers).
    timeout_s: Annotated[float, Field(gt=0, le=3600)] = 300.0
    console: Annotated[str, Field(min_length=1)] = "/dev/tty"
    # maintenance: the line sent to the maintenance port that restarts the terminal.
    reboot: Annotated[str, Field(min_length=1)] = "REBOOT"


class Rig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    rig: RigInfo
    power: Annotated[PowerControl, BeforeValidator(_power_shorthand)] = PowerControl()
    resources: Annotated[
        dict[ResourceName, Annotated[Entry, BeforeValidator(tagged("role", ENTRIES, _kind_fits_role))]],
        Field(min_length=1),
    ]

    @field_validator("resources")
    @classmethod
    def _one_of_each(cls, resources: dict[str, RoleEntry]) -> dict[str, RoleEntry]:
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

    @model_validator(mode="after")
    def _power_has_its_means(self) -> Rig:
        # One way to switch the terminal: a supply or relay beside ``manual`` would leave it
        # open which of them the bench obeys.
        by = self.power.by
        instruments = [
            name
            for name, entry in self.resources.items()
            if entry.role == "power-supply"
            or (isinstance(entry, DigitalIoEntry) and entry.power_relay is not None)
        ]
        if by != "instruments" and instruments:
            message = f"power by {by}, but {instruments[0]} switches the terminal; remove one of them"
            raise field_error("rig", ("power", "by"), by, "power_twice", message)
        if by == "maintenance" and self.find("maintenance-port") is None:
            message = "power by maintenance needs a resource in the role maintenance-port"
            raise field_error("rig", ("power", "by"), by, "power_without_port", message)
        return self

    def find(self, role: Role) -> tuple[str, RoleEntry] | None:
        """The resource in ``role`` and its name, or None when the rig has none; a role the
        table does not know is a ``BenchError``."""
        binding(role)
        return next(((name, entry) for name, entry in self.resources.items() if entry.role == role), None)


def _claimed_port(entry: RoleEntry) -> tuple[tuple[str, ...], str] | None:
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
