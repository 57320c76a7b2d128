"""Check a rig before a run: ``python -m rigs.check RIG.yaml``.

Opens every resource of the rig file and prints what it found: each instrument's
``*IDN?``, each serial port opened, each Modbus unit read, the home LAN address bound,
and the Wi-SUN radio opened the way a scenario's set-up opens it, step by step. Nothing
is switched on. Exit status: 0 when every resource is ok, 1 when one is not, 2 when the
rig file is refused (its one-line error on stderr).

How a resource is looked at is its role's ``probe`` in the roles table (``rigs.roles``):
identify a VISA instrument, open a serial line, open the radio, bind the LAN address,
read an I/O module, check a Modbus unit could be served.

The radio is opened by its row of the table with the rig file's options, as the HIL
profile opens it, and then driven through what every scenario's set-up asks of it:
``open`` (echo off, EINFO and the family, the data format by ROPT/WOPT, SA2),
``SKRESET`` (and the registers written again), ``SKVER``, ``registers`` (SFE and, on the
C family, SA2 read back), ``SKINFO`` and a short ``listen`` in which no malformed line may
arrive. A module that answers SKVER but refuses any of these is an error row naming the
step (issue 12: an SKVER alone once said "3 of 3 ok" while every scenario then failed at
set-up). Each step is printed under its resource's row.

A serial line may instead be asked through a *serial probe*, a small function given the
open port (``probes``, by role); ``skver_probe`` is the radio's cheap one, which only
shows the module is there.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import serial

from conformance.yamlfile import DocumentError
from rigs import RigError
from rigs.drivers.modbusio import ModbusIoModule
from rigs.drivers.scpisession import ScpiSession
from rigs.resources import ModbusRtu, ModbusTcp, NetworkInterface, SerialPort, VisaInstrument
from rigs.rigfile import Rig, load_rig, resource_of
from rigs.roles import ROLES, DigitalIoEntry, Opening, Probe, RoleEntry, WisunRadioEntry

SerialProbe = Callable[[str, serial.SerialBase, float], str]
"""``probe(resource name, open port, timeout_s) -> identity``; raises ``RigError``."""


def skver_probe(name: str, port: serial.SerialBase, timeout_s: float) -> str:
    """Ask an SKSTACK-IP module its firmware version: ``SKVER`` -> ``EVER <version>``, ``OK``.

    The module may echo the command first (its echo-back register SFE is 1 out of the box).
    """
    port.reset_input_buffer()
    port.write(b"SKVER\r\n")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = port.readline().decode("ascii", "replace").strip()
        if line.startswith("EVER "):
            return line
        if line.startswith("FAIL"):
            raise RigError(name, "SKVER", f"answered {line!r}")
    raise RigError(name, "SKVER", f"no EVER answer within {timeout_s} s")


DEFAULT_PROBES: Mapping[str, SerialProbe] = {}
"""No serial probe by default: each role is looked at as its row of the roles table says."""

LISTEN_S = 1.0  # the radio's short listen: long enough for a chattering line to show


@dataclass(frozen=True, slots=True)
class Step:
    """One step of opening a resource: ``ok`` None when an earlier step failed."""

    name: str
    ok: bool | None
    detail: str = ""

    @property
    def status(self) -> str:
        return {True: "ok", False: "error", None: "not run"}[self.ok]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One row of the check: what the bench found at a resource."""

    resource: str
    role: str
    address: str
    ok: bool
    message: str = ""
    identity: str = ""
    steps: tuple[Step, ...] = ()

    @property
    def status(self) -> str:
        return "ok" if self.ok else f"error: {self.message}"


def check_rig(rig: Rig, *, probes: Mapping[str, SerialProbe] = DEFAULT_PROBES) -> list[Finding]:
    """Check every resource of ``rig`` in turn; each check is bounded by its resource's timeout."""
    findings = []
    for name, entry in rig.resources.items():
        ok, message, identity = True, "", ""
        steps: list[Step] = []
        try:
            identity = _check(name, entry, probes, steps)
        except RigError as exc:
            ok, message = False, f"{exc.command}: {exc.problem}"
        except Exception as exc:  # a library failing in a way we did not foresee: still one row
            ok, message = False, f"{type(exc).__name__}: {exc}"
        address = resource_of(entry).describe()
        findings.append(
            Finding(
                resource=name,
                role=entry.role,
                address=address,
                ok=ok,
                message=message,
                identity=identity,
                steps=tuple(steps),
            )
        )
    return findings


def _check(name: str, entry: RoleEntry, probes: Mapping[str, SerialProbe], steps: list[Step]) -> str:
    """Look at the resource as its role's row of the roles table says, or through the
    serial probe given for its role."""
    probe = probes.get(entry.role)
    if probe is not None:
        return _serial(name, entry, probe)
    kind = ROLES[entry.role].probe
    if kind is Probe.RADIO:
        return _radio(name, entry, steps)
    return CHECKS[kind](name, entry, None)


# The radio's steps, in the order a scenario's set-up meets them.
RADIO_STEPS = ("open", "SKRESET", "SKVER", "registers", "SKINFO", "listen")


@contextlib.contextmanager
def _step(steps: list[Step], name: str) -> Iterator[list[str]]:
    """Record one step: its detail (what the body appends) when it passes, the error when
    it raises; the steps after a failed one are recorded as not run."""
    detail: list[str] = []
    try:
        yield detail
    except Exception as exc:
        problem = (
            f"{exc.command}: {exc.problem}" if isinstance(exc, RigError) else f"{type(exc).__name__}: {exc}"
        )
        steps.append(Step(name, False, problem))
        later = RADIO_STEPS[RADIO_STEPS.index(name) + 1 :]
        steps.extend(Step(step, None) for step in later)
        raise
    steps.append(Step(name, True, ", ".join(detail)))


def _radio(name: str, entry: RoleEntry, steps: list[Step]) -> str:
    assert isinstance(entry, WisunRadioEntry)
    # The radio's opener reads no declaration (only a maintenance-port plug-in does).
    opening = Opening(declaration=None)  # type: ignore[arg-type]
    with _step(steps, "open") as detail:
        radio = ROLES[entry.role].build(name, entry, opening)
    with contextlib.closing(radio):
        family = radio.layout.family
        data = "hex" if radio.hex_data else "binary"
        detail += [f"{family} family (EINFO)", f"ERXUDP data {data}", f"SFE {int(radio.echo)}"]
        steps[-1] = Step("open", True, ", ".join(detail))
        with _step(steps, "SKRESET"):
            radio.reset()
        with _step(steps, "SKVER") as detail:
            version = radio.identify()
            detail.append(version)
        with _step(steps, "registers") as detail:
            registers = ["SFE"] + (["SA2"] if radio.layout.rssi_register else [])
            for register in registers:
                value = radio.read_register(register)
                detail.append(f"{register} {int(value) if isinstance(value, bool) else value}")
            if radio.read_register("SFE") != radio.echo:
                message = f"reads {int(not radio.echo)} after it was written {int(radio.echo)}"
                raise RigError(name, "SKSREG SFE", message)
        with _step(steps, "SKINFO") as detail:
            info = radio.info()
            detail.append(f"channel {info.channel}, PAN ID {info.pan_id:04X}")
        with _step(steps, "listen") as detail:
            before = radio.mark()
            time.sleep(LISTEN_S)
            radio.check_alive()
            errors = radio.protocol_error_log()
            if errors:
                message = f"{len(errors)} malformed line(s) since open, the first {errors[0].describe()}"
                raise RigError(name, "listen", message)
            detail.append(f"{LISTEN_S:g} s, {radio.mark() - before} line(s), no malformed line")
    return f"EVER {version}, {family} family, ERXUDP {data}"


def _identify(name: str, entry: RoleEntry, probe: SerialProbe | None) -> str:
    resource = resource_of(entry)
    assert isinstance(resource, VisaInstrument)
    with ScpiSession(name, resource) as session:
        return session.identity or ""


def _serial(name: str, entry: RoleEntry, probe: SerialProbe | None) -> str:
    resource = resource_of(entry)
    assert isinstance(resource, SerialPort)
    return _open_serial(name, resource, probe)


def _bind(name: str, entry: RoleEntry, probe: SerialProbe | None) -> str:
    resource = resource_of(entry)
    assert isinstance(resource, NetworkInterface)
    return _bind_address(name, resource)


def _serve(name: str, entry: RoleEntry, probe: SerialProbe | None) -> str:
    # meter-bus: the bench serves the metering device there, so it only has to be able to.
    resource = resource_of(entry)
    if isinstance(resource, ModbusRtu):
        _open_serial(name, SerialPort(port=resource.serial_port, baudrate=resource.baudrate), None)
        return f"can serve unit {resource.device_id}"
    assert isinstance(resource, ModbusTcp)
    return _bind_listener(name, resource)


def _open_serial(name: str, line: SerialPort, probe: SerialProbe | None) -> str:
    try:
        port = serial.serial_for_url(
            line.port, baudrate=line.baudrate, timeout=line.timeout_s, write_timeout=line.timeout_s
        )
    except (serial.SerialException, OSError, ValueError) as exc:
        raise RigError(name, "open", str(exc)) from exc
    try:
        return probe(name, port, line.timeout_s) if probe else "port opened"
    except (serial.SerialException, OSError) as exc:
        raise RigError(name, "probe", str(exc)) from exc
    finally:
        port.close()


def _read_io(name: str, entry: RoleEntry, probe: SerialProbe | None = None) -> str:
    assert isinstance(entry, DigitalIoEntry)
    states = []
    with ModbusIoModule.from_entry(name, entry) as module:
        if entry.power_relay is not None:
            states.append(f"power relay {'on' if module.read_relay(entry.power_relay) else 'off'}")
        if entry.led_input is not None:
            states.append(f"LED input {'on' if module.read_input(entry.led_input) else 'off'}")
    return ", ".join(states)


def _bind_address(name: str, lan: NetworkInterface) -> str:
    try:
        index = socket.if_nametoindex(lan.interface)
    except OSError as exc:
        raise RigError(name, "interface", f"no interface {lan.interface}") from exc
    family = socket.AF_INET if lan.address.version == 4 else socket.AF_INET6
    where: tuple = (str(lan.address), 0) if family == socket.AF_INET else (str(lan.address), 0, 0, index)
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(where)
        except OSError as exc:
            raise RigError(
                name, "bind", f"{lan.address} is not an address of this host: {exc.strerror}"
            ) from exc
    return f"{lan.interface} index {index}"


def _bind_listener(name: str, unit: ModbusTcp) -> str:
    with socket.socket(socket.AF_INET6 if ":" in unit.host else socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((unit.host, unit.port))
        except OSError as exc:
            raise RigError(name, "bind", f"cannot listen on {unit.host}:{unit.port}: {exc.strerror}") from exc
    return f"can serve unit {unit.device_id}"


SNIFF_S = 1.0  # how long the check listens to a sniffer


def _sniff(name: str, entry: RoleEntry, probe: SerialProbe | None = None) -> str:
    """Open the sniffer's feed as a scenario does and count what it hears for a second; a
    feed that breaks its format in that second is an error row."""
    sniffer = ROLES[entry.role].build(name, entry, Opening(declaration=None))  # type: ignore[arg-type]
    try:
        opened = sniffer.open()
        time.sleep(SNIFF_S)
        sniffer.check_alive()
        heard = len(sniffer.frames())
    finally:
        sniffer.close()
    return f"{opened}; {heard} frames in {SNIFF_S:g} s"


def _resolve(name: str, entry: RoleEntry, probe: SerialProbe | None = None) -> str:
    """The injector's bridge address resolves; nothing is sent (a frame would go on the air)."""
    peer = resource_of(entry)
    try:
        socket.getaddrinfo(peer.host, peer.port, type=socket.SOCK_DGRAM)  # type: ignore[union-attr]
    except OSError as exc:
        raise RigError(name, "resolve", str(exc)) from exc
    return "ZEP v2 bridge address resolved; nothing sent"


CHECKS: Mapping[Probe, Callable[[str, RoleEntry, SerialProbe | None], str]] = {
    Probe.IDENTIFY: _identify,
    Probe.SERIAL: _serial,
    Probe.RADIO: lambda name, entry, probe: _radio(name, entry, []),
    Probe.BIND: _bind,
    Probe.READ_IO: _read_io,
    Probe.SERVE: _serve,
    Probe.SNIFF: _sniff,
    Probe.RESOLVE: _resolve,
}


def format_table(findings: Sequence[Finding]) -> str:
    """The findings as a plain-text table, one resource a line.

    An error row has no identity, so its message runs on where the identity would be;
    only the rows that have one set the width of the status column.
    """
    header = ("resource", "role", "address", "status", "identity")
    rows = [header] + [(f.resource, f.role, f.address, f.status, f.identity) for f in findings]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    widths.append(max(len(row[3]) for row in rows if row[4]))
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        lines.append("  ".join([*cells, row[4]]).rstrip() if row[4] else "  ".join([*cells[:3], row[3]]))
    for finding in findings:
        if finding.steps:
            lines.append(f"{finding.resource}, step by step:")
            width = max(len(step.name) for step in finding.steps)
            lines += [
                f"  {s.name.ljust(width)}  {s.status.ljust(7)}  {s.detail}".rstrip() for s in finding.steps
            ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, *, probes: Mapping[str, SerialProbe] = DEFAULT_PROBES) -> int:
    parser = argparse.ArgumentParser(prog="python -m rigs.check", description=__doc__.splitlines()[0])
    parser.add_argument("rig", type=Path, help="the rig file (YAML)")
    arguments = parser.parse_args(argv)
    # pymodbus logs what the table already says; a command line tool says it once.
    logging.getLogger("pymodbus").addHandler(logging.NullHandler())
    try:
        rig = load_rig(arguments.rig)
    except DocumentError as exc:
        print(f"rig file refused: {exc}", file=sys.stderr)
        return 2
    findings = check_rig(rig, probes=probes)
    print(f"rig {rig.rig.name}: {arguments.rig}")
    print(format_table(findings))
    failed = [f for f in findings if not f.ok]
    print(f"{len(findings) - len(failed)} of {len(findings)} resources ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
