"""An emulated SKSTACK-IP Wi-SUN module playing the smart meter's side of a rig, with the
project's terminal twin on the air behind it, as a separate process.

Run ``python -m rigs.emulators.skstack_module --pty`` (it prints the pty's path, e.g.
``/dev/pts/7``) or ``--tcp PORT`` (it prints ``socket://127.0.0.1:PORT``; port 0 picks a
free one); both open with pyserial's ``serial_for_url``. ``--dut NAME`` puts a faulty
terminal twin (``conformance/twin/faults/__init__.py``) on the air instead of the reference one,
``--seed`` fixes the twins' random streams, ``--variant bp35c2`` prints the C family's line
layouts (``conformance/protocols/skstack/models.py``: SIDE in EINFO, EVENT and ERXUDP, the
RSSI column while SA2 is 1, SIDE arguments, no ROPT) instead of the BP35A1's; ``--role pac``
plays a module that joins a coordinator (``skstack_coordinator.py``) instead of being one,
so that a public client library written for the B route can drive it; ``--garbage-every S``
puts seeded noise on the line (``line_garbage.py``), each line it spoils logged on stderr.

Behind the serial line the emulator runs the twins' ``Scheduler`` in wall-clock time (HIL is
wall-clock by design, DESIGN.md rule 5): virtual time follows ``time.monotonic()``. The
module's own radio is a ``SmartMeter`` twin, created by SKSTART from the registers S02
(channel), S03 (PAN ID), S0A (Pairing ID) and S16 (PANA session lifetime), authenticating
against the credentials SKSETRBID/SKSETPWD registered in its ``HeadEndSystem``. The terminal
twin powers on when the emulator starts (or ``--power-on-delay`` seconds later) and joins
as it would on the twin profile; the module reports what the meter twin observes:

=============================  ==============================================================
route event of the twin        line the module prints (command reference 4.1, 4.8)
=============================  ==============================================================
TerminalAuthenticated          ``EVENT 25 <PaC IPADDR>`` (PANA session established)
TerminalReauthenticated        ``EVENT 25 <PaC IPADDR>`` again
AuthenticationRejected         ``EVENT 24 <PaC IPADDR>`` (also a refusal for lack of room)
SessionEnded, PaC's PTR        ``EVENT 26 <PaC IPADDR>`` (termination requested by the peer)
SessionEnded after SKTERM      ``EVENT 27`` (done) or ``EVENT 28`` (PTA never came)
SessionEnded, lifetime over    ``EVENT 29 <PaC IPADDR>``
DatagramReceived               ``ERXUDP ...`` with SECURED from the link layer, when LPORT is
                               open (SKUDPPORT; 3610 and 716 are open out of the box)
=============================  ==============================================================

Uncertainties, modelled as stated (the public sources, the BP35A1 command reference as
smdn/Smdn.Net.SkStackIP and HiroyukiSakoh/EchoDotNetLite quote it, nbtk/momonga, Skyley's
SKSTACK IP API, only show the PaC role at work): that a coordinator after SKSTART reports each
terminal's completed PANA authentication with ``EVENT 25`` and a failed one with ``EVENT 24``,
the PaC's address as SENDER (Skyley's own PanaTest runs a PAA with SKSTART but waits for
EVENT 25 from either port; no PAA-only number such as the HAN edition's 0x50-0x57 key
events is printed here); that re-authentication repeats ``EVENT 25``; that PANA datagrams
are reported as ERXUDP on port 716, as B-route logs show them on the PaC side. The bench
therefore confirms a join by a second observation (``rigs/profile/route.py``). ``EVENT 21``
is printed as soon as a datagram is queued (a real module waits for the MAC
acknowledgement). In the PAA role SKJOIN and SKSCAN find nothing to join: the only other
radio is the terminal, which is not a coordinator (an active scan ends with ``EVENT 22`` and
no EPANDESC; the energy-detect scan is not modelled and answers FAIL ER10).

The twins' files are used as they are: the route events are taken from a ``RouteEventLog``
subclass handed to the meter twin, and SKSENDTO goes out through the meter twin's link layer.
"""

from __future__ import annotations

import argparse
import copy
import selectors
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from conformance.ics import Declaration, load_declaration
from conformance.observe.route_events import (
    AuthenticationRejected,
    DatagramReceived,
    RouteEvent,
    RouteEventLog,
    SessionEnded,
    TerminalAuthenticated,
    TerminalReauthenticated,
)
from conformance.protocols import pana, sixlowpan
from conformance.protocols import skstack as sk
from conformance.protocols.errors import BenchUsageError, ProtocolError
from conformance.protocols.pana import PANA_PORT
from conformance.sim.guarded_timers import GuardedTimers
from conformance.sim.radio import RadioMedium
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler
from conformance.twin.faults import FAULTS, REFERENCE, terminal_class
from conformance.twin.faults import declaration_for as declaration_for_fault  # the name the emulators use
from conformance.twin.hes.registry import HeadEndSystem
from conformance.twin.home.home_side import TwinHome
from conformance.twin.meter.smart_meter import MeterConfig, SmartMeter
from conformance.twin.terminal.reference import ReferenceTerminal, TerminalConfig
from rigs.emulators.endpoints import PtyEndpoint, TcpEndpoint
from rigs.emulators.line_garbage import LineGarbage
from rigs.emulators.skstack_coordinator import BRouteCoordinator

TERMINAL_PORT = "terminal"
DEFAULT_MAC = bytes.fromhex("02123400000000C1")  # locally administered, like the twin's meters
SKVER_VERSION = "1.2.10"  # the BP35A1 firmware version the public logs show
SKAPPVER_VERSION = "iotroute-bench-emulator"  # says plainly what answers on the port
DEFAULT_UDP_PORTS = {1: 0x0E1A, 2: 0x02CC}  # ECHONET Lite 3610 and PANA 716, as EPORT lists them
ADDR16_NONE = 0xFFFE  # EINFO ADDR16 of a module without a short address
# Active scan time per channel: 9.6 ms x (2^DURATION + 1) (command reference 3.9).
SCAN_SLOT_S = 0.0096
MAX_OUTPUT = 1 << 20  # octets held for a host that is not reading; beyond that they are lost


GARBAGE_HELP = "print a malformed line every S wall-clock seconds on average (seeded)"
_PRODUCT_COMMANDS = frozenset({"ROPT", "WOPT", "WUART", "RUART"})


def _register_defaults() -> dict[str, int | bool | str]:
    return {
        "S02": 0x21,
        "S03": 0xFFFF,
        "S0A": "00000000",
        "S15": True,
        "S16": 0x384,
        "S17": True,
        "SA0": True,
        "SA1": True,
        "SFB": False,
        "SFD": 0,
        "SFE": True,
        "SFF": False,
    }


class _CommandError(Exception):
    """A command the module refuses: answered with ``FAIL <code>``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _argc(command: sk.Command, *counts: int) -> None:
    if len(command.args) not in counts:
        raise _CommandError("ER05")


def _lqi(rssi_dbm: float) -> int:
    """ROHM's LQI scale, RSSI = 0.275 x LQI - 104.27 dBm (as momonga and Smdn convert it)."""
    return max(0, min(255, round((rssi_dbm + 104.27) / 0.275)))


def mac_of_link_local(addr: bytes) -> bytes | None:
    """The EUI-64 behind a link-local address (RFC 4944 §6), None for any other address,
    including one formed from a short address (0000:00ff:fe00:XXXX, RFC 6282 §3.2.2)."""
    if addr[:8] != bytes.fromhex("fe80000000000000") or addr[8:14] == bytes.fromhex("000000fffe00"):
        return None
    return bytes([addr[8] ^ 0x02]) + addr[9:]


class _TappedEventLog(RouteEventLog):
    """The meter twin's event log, also handing every event to the module as it comes."""

    def __init__(self, on_event: Callable[[RouteEvent], None]) -> None:
        super().__init__()
        self._on_event = on_event

    def append(self, event: RouteEvent) -> None:
        super().append(event)
        self._on_event(event)


class EmulatedModule:
    """The module without its port: bytes from the host in, bytes to the host out, and the
    twins' world advanced to a given wall-clock second."""

    def __init__(
        self,
        *,
        seed: int,
        declaration: Declaration,
        dut: type[ReferenceTerminal],
        mac: bytes = DEFAULT_MAC,
        variant: str = "bp35a1",
        role: str = "paa",
        coordinator_credentials: tuple[str, str] = ("", ""),
        rssi_dbm: float = -60.0,
        power_on_delay_s: float | None = 0.0,
        app_version: str = SKAPPVER_VERSION,
        garbage_every_s: float | None = None,
        group_key: bytes | None = None,
        world: EmulatedModule | None = None,
        label: str = "skstack module",
    ) -> None:
        """``power_on_delay_s`` None leaves the terminal off: a rig's relay powers it
        (``rigs/emulators/terminal_rig.py``). ``app_version`` is what SKAPPVER answers.
        ``garbage_every_s``: every so many seconds of rig time on average, seeded, noise
        prints a malformed line or cuts the next event short (``line_garbage.py``).
        ``group_key``: the HAN group key of every SKSTART's smart meter (the emulated
        rig's sniffer is told it); None, each draws its own, as the twin's meters do.
        ``world``: another module whose twins' world (scheduler, radio medium, home, terminal)
        this one shares, as a second module on the same desk (:meth:`beside`); ``label``
        names its smart meters on the medium."""
        self.group_key = group_key
        self.mac = mac
        self.variant = variant
        self.layout = sk.layout_of(variant)
        if role not in ("paa", "pac"):
            raise ValueError(f"role is paa or pac, not {role!r}")
        self.role = role
        self._coordinator_credentials = coordinator_credentials
        self.coordinator: BRouteCoordinator | None = None
        self.app_version = app_version
        self._seed = seed
        self._rssi_dbm = rssi_dbm
        self._dut = dut
        self._terminal_config = TerminalConfig.from_declaration(declaration)
        self._terminals_made = 0
        self.resets = 0  # SKRESETs so far: the HIL profile sends one as each scenario begins
        self._label = label
        self._declaration = declaration
        if world is None:
            self.scheduler = Scheduler()
            self.medium = RadioMedium(self.scheduler, stream(seed, "radio"))
            self.home = TwinHome(self.scheduler)
            self.terminal = self.new_terminal()
            if power_on_delay_s is not None:
                self.scheduler.call_at(power_on_delay_s, self.terminal.power_on)
        else:  # the terminal is the world's: this module is one more smart meter beside it
            self.scheduler, self.medium, self.home = world.scheduler, world.medium, world.home
        self._timers = GuardedTimers(self.scheduler)  # the module's own: SKRESET makes them stale
        self._reader = sk.CommandReader()
        self._output = bytearray()
        self.lost_output = 0
        self._starts = 0
        # A1: binary until WOPT 01, kept in flash across SKRESET (BP35A1 reference 3.30);
        # C: no ROPT/WOPT, hex ASCII (momonga's reading of a BP35C2 that refuses ROPT).
        self.hex_data = not self.layout.has_ropt
        self.wopt_writes = 0
        self._last_command = ""
        self._cut_next = False  # noise will cut the next EVENT or ERXUDP short
        self.garbage: LineGarbage | None = None
        if garbage_every_s is not None:
            self.garbage = LineGarbage(stream(seed, "garbage"), garbage_every_s)
            self.scheduler.call_later(self.garbage.next_interval(), self._print_garbage)
        self._reset_state()

    @classmethod
    def beside(
        cls, first: EmulatedModule, *, mac: bytes, group_key: bytes | None = None, rssi_dbm: float = -60.0
    ) -> EmulatedModule:
        """A second module on ``first``'s desk: the same twins' world (its terminal on the
        same radio medium, on the same clock), its own serial line, registers and smart meter."""
        return cls(
            seed=first._seed,
            declaration=first._declaration,
            dut=first._dut,
            mac=mac,
            variant=first.variant,
            rssi_dbm=rssi_dbm,
            power_on_delay_s=None,
            app_version=first.app_version,
            group_key=group_key,
            world=first,
            label="second skstack module",
        )

    def new_terminal(self) -> ReferenceTerminal:
        """A factory-fresh terminal twin in place of the one on the air (powered off first),
        with its own random stream; not yet powered."""
        previous = getattr(self, "terminal", None)
        if previous is not None:
            previous.power_off()
        self._terminals_made += 1
        label = "terminal" if self._terminals_made == 1 else f"terminal {self._terminals_made}"
        self.terminal = self._dut(
            scheduler=self.scheduler,
            medium=self.medium,
            rng=stream(self._seed, label),
            # Its own copy: a terminal's settings are its non-volatile state, changed in place.
            config=copy.deepcopy(self._terminal_config),
            name=TERMINAL_PORT,
            home=self.home.network,
        )
        return self.terminal

    @property
    def rssi_dbm(self) -> float:
        """The level at which the terminal hears the module's smart meter."""
        return self._rssi_dbm

    def set_rssi_dbm(self, rssi_dbm: float) -> None:
        """The rig's attenuator moved: the meter's link, now and after the next SKSTART."""
        self._rssi_dbm = rssi_dbm
        if self.meter is not None:
            self.medium.set_link(self.meter.config.name, TERMINAL_PORT, rssi_dbm=rssi_dbm)

    def _reset_state(self) -> None:
        self.registers = _register_defaults()
        # SA2 switches the RSSI column into ERXUDP on the C family; momonga writes it to a
        # BP35A1 too and then reads ERXUDP without the column: the A1 takes it, to no effect.
        self.registers["SA2"] = False
        if self.coordinator is not None:
            self.coordinator.close()
        if self.role == "pac":
            rbid, password = self._coordinator_credentials
            self.coordinator = BRouteCoordinator(self, rbid=rbid, password=password)
        self._rbid: str | None = None
        self._password: str | None = None
        self.hes = HeadEndSystem()
        self.meter: SmartMeter | None = None
        self.udp_ports = dict.fromkeys(range(1, 7), 0) | DEFAULT_UDP_PORTS
        self._terminating: set[bytes] = set()  # SKTERM sent, session not ended yet
        self._answered: set[bytes] = set()  # ... and the terminal's PTA came
        self._joined: set[bytes] = set()

    # -- the host's side ---------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        self._reader.feed(data)
        while True:
            try:
                command = self._reader.next_command()
            except sk.SkStackError:
                self._print(sk.Fail(code="ER09"))
                continue
            if command is None:
                return
            self._last_command = " ".join((command.name, *command.args))
            if self.garbage is not None and command.name == "SKSETPWD":
                garbled = self.garbage.secret_echo(self._last_command)
                if garbled is not None:
                    self._output += garbled
                    self._log_garbage(garbled, secret=True)
            if self.registers["SFE"]:
                # The product configuration commands end with CR alone (3.30-3.33); their
                # echo is taken to end so too (no source shows it).
                eol = sk.CR if command.name in _PRODUCT_COMMANDS else sk.CRLF
                self._print(sk.CommandEcho(line=" ".join((command.name, *command.args))), eol=eol)
            try:
                self._execute(command)
            except _CommandError as refused:
                self._print(sk.Fail(code=refused.code))

    def take_output(self) -> bytes:
        out = bytes(self._output)
        self._output.clear()
        return out

    def _print(self, event: sk.SkStackEvent, *, eol: bytes = sk.CRLF) -> None:
        encoded = sk.encode_event(event, hex_data=self.hex_data, eol=eol)
        if self._cut_next and isinstance(event, sk.Event | sk.UdpReceived):
            assert self.garbage is not None
            self._cut_next = False
            encoded = self.garbage.cut(encoded)
            self._log_garbage(encoded)
        if len(self._output) + len(encoded) > MAX_OUTPUT:
            self.lost_output += len(encoded)
            return
        self._output += encoded

    def _print_garbage(self) -> None:
        assert self.garbage is not None
        line = self.garbage.line(self._last_command)
        if line is None:
            self._cut_next = True
            self.scheduler.call_later(self.garbage.next_interval(), self._print_garbage)
            return
        if len(self._output) + len(line) <= MAX_OUTPUT:
            self._output += line  # between two whole lines: it costs its own line only
        self._log_garbage(line)
        self.scheduler.call_later(self.garbage.next_interval(), self._print_garbage)

    def _log_garbage(self, line: bytes, *, secret: bool = False) -> None:
        """On stderr, for whoever checks what the bench made of it; a line that may carry
        the password (noise can land inside it) is not shown (DESIGN.md rule 8)."""
        if secret or self._last_command.startswith("SKSETPWD"):
            shown = f"<{len(line)} octets echoing SKSETPWD, withheld>"
        else:
            shown = repr(line)
        print(f"garbage line at {self.scheduler.now:.3f} s: {shown}", file=sys.stderr, flush=True)

    def advance(self, now: float) -> None:
        """Run the twins up to wall-clock second ``now`` since the emulator started."""
        self.scheduler.run_until(max(now, self.scheduler.now))

    # -- commands (command reference ch. 3) ---------------------------------------------

    def _execute(self, command: sk.Command) -> None:
        handler = getattr(self, "_cmd_" + command.name.lower(), None)
        if handler is None or not command.name.isupper():
            raise _CommandError("ER04")
        handler(command)

    @property
    def link_local(self) -> bytes:
        return sixlowpan.link_local_from_eui64(self.mac)

    def _side(self) -> int | None:
        return self.layout.default_side

    def _cmd_skver(self, command: sk.Command) -> None:
        _argc(command, 0)
        self._print(sk.VersionReply(version=SKVER_VERSION))
        self._print(sk.Ok())

    def _cmd_skappver(self, command: sk.Command) -> None:
        _argc(command, 0)
        self._print(sk.AppVersionReply(version=self.app_version))
        self._print(sk.Ok())

    def _cmd_skinfo(self, command: sk.Command) -> None:
        _argc(command, 0)
        channel, pan_id = self.registers["S02"], self.registers["S03"]
        assert isinstance(channel, int) and isinstance(pan_id, int)
        self._print(
            sk.InfoReply(
                ipaddr=self.link_local,
                addr64=self.mac,
                channel=channel,
                pan_id=pan_id,
                addr16=None if self.layout.side else ADDR16_NONE,
                side=self._side(),
            )
        )
        self._print(sk.Ok())

    def _cmd_sksreg(self, command: sk.Command) -> None:
        _argc(command, 1, 2)
        try:
            name = sk.canonical_register(command.args[0])
        except BenchUsageError:
            raise _CommandError("ER06") from None
        if name not in self.registers and name != "S07":
            raise _CommandError("ER06")
        if len(command.args) == 1:
            self._print(sk.RegisterValue(value=self._register_text(name)))
        else:
            if not sk.REGISTERS[name][1]:
                raise _CommandError("ER06")
            try:
                self.registers[name] = sk.parse_register_write(name, command.args[1])
            except ValueError:
                raise _CommandError("ER06") from None
        self._print(sk.Ok())

    def _register_text(self, name: str) -> str:
        if name == "S07":
            return f"{self.meter.link.frame_counter if self.meter else 0:08X}"
        value = self.registers[name]
        kind = sk.REGISTERS[name][0]
        if kind == "bool":
            return "1" if value else "0"
        if kind == "channel":
            return f"{value:02X}"
        if kind == "uint16":
            return f"{value:04X}"
        if kind == "uint32":
            return f"{value:08X}"
        if kind == "uint64":
            return f"{value:016X}"
        return str(value)

    def _cmd_sksetpwd(self, command: sk.Command) -> None:
        _argc(command, 2)
        length, password = command.args
        if not sk.is_hex(length) or int(length, 16) != len(password) or not 1 <= len(password) <= 32:
            raise _CommandError("ER06")
        self._password = password
        self._provision()
        self._print(sk.Ok())

    def _cmd_sksetrbid(self, command: sk.Command) -> None:
        _argc(command, 1)
        rbid = command.args[0]
        if len(rbid) != 32:
            raise _CommandError("ER06")
        self._rbid = rbid
        self.registers["S0A"] = rbid[-8:]  # 3.17: the Pairing ID follows the ID
        self._provision()
        self._print(sk.Ok())

    @property
    def credentials(self) -> tuple[str | None, str | None]:
        """What SKSETRBID and SKSETPWD registered."""
        return self._rbid, self._password

    def _provision(self) -> None:
        if self._rbid is not None and self._password is not None:
            self.hes.register(self._rbid, self._password)

    def _cmd_skudpport(self, command: sk.Command) -> None:
        _argc(command, 2)
        handle, port = command.args
        if handle not in tuple("123456") or len(port) != 4 or not sk.is_hex(port):
            raise _CommandError("ER06")
        self.udp_ports[int(handle)] = int(port, 16)
        self._print(sk.Ok())

    def _cmd_skll64(self, command: sk.Command) -> None:
        _argc(command, 1)
        mac = command.args[0]
        if len(mac) != 16 or not sk.is_hex(mac):
            raise _CommandError("ER06")
        self._print(sk.Ipv6Address(address=sixlowpan.link_local_from_eui64(bytes.fromhex(mac))))

    def _cmd_skreset(self, command: sk.Command) -> None:
        _argc(command, 0)
        self._timers.invalidate()  # a reset module forgets the scan it was running
        self._stop_meter()
        self._reset_state()
        self.resets += 1
        self._print(sk.Ok())

    def _cmd_skjoin(self, command: sk.Command) -> None:
        _argc(command, 1)
        if self.coordinator is None:
            raise _CommandError("ER10")  # no coordinator on this air but the module itself
        try:
            peer = sk.parse_ipaddr(command.args[0])
        except ValueError:
            raise _CommandError("ER06") from None
        self._print(sk.Ok())
        self.coordinator.join(peer)

    def _cmd_skscan(self, command: sk.Command) -> None:
        _argc(command, 4 if self.layout.side else 3)  # C family: SIDE last (momonga)
        mode, mask, duration = command.args[:3]
        valid = mode in ("0", "2", "3") and len(mask) == 8 and sk.is_hex(mask) and sk.is_hex(duration)
        if not valid or int(duration, 16) > 14:
            raise _CommandError("ER06")
        if mode == "0" or self.meter is not None:
            raise _CommandError("ER10")  # no energy-detect model; a coordinator does not scan
        if self.coordinator is not None:
            self._print(sk.Ok())
            self.coordinator.scan(int(mask, 16), int(duration, 16))
            return
        channels = bin(int(mask, 16)).count("1")
        elapsed = SCAN_SLOT_S * (2 ** int(duration, 16) + 1) * channels
        done = sk.Event(number=sk.EventNumber.ACTIVE_SCAN_DONE, sender=self.link_local, side=self._side())
        self._print(sk.Ok())
        self._timers.later(elapsed, self._print, done)

    def _cmd_skstart(self, command: sk.Command) -> None:
        _argc(command, 0)
        channel, pan_id, pairing_id = (self.registers[r] for r in ("S02", "S03", "S0A"))
        if self.meter is not None or pan_id == 0xFFFF:
            raise _CommandError("ER10")
        assert isinstance(channel, int) and isinstance(pan_id, int) and isinstance(pairing_id, str)
        lifetime = self.registers["S16"]
        assert isinstance(lifetime, int)
        self._starts += 1
        name = f"{self._label} #{self._starts}"
        config = MeterConfig(
            name=name,
            address=self.mac,
            pan_id=pan_id,
            channel=channel,
            pairing_id=pairing_id,
            session_lifetime_s=lifetime,
        )
        self.medium.set_link(name, TERMINAL_PORT, rssi_dbm=self._rssi_dbm)
        self.meter = SmartMeter(
            scheduler=self.scheduler,
            medium=self.medium,
            rng=stream(self._seed, f"meter {name}"),
            config=config,
            hes=self.hes,
            events=_TappedEventLog(self._on_route_event),
        )
        if self.group_key is not None:
            self.meter.group_key = self.group_key
            self.meter.issued_keys = [self.group_key]
            self.meter.link.keys[self.meter.group_key_index] = self.group_key
        self._print(sk.Ok())

    def _stop_meter(self) -> None:
        if self.meter is not None:
            self.meter.link.close()  # its sessions' late events are ignored by name below
            self.meter = None

    def _cmd_skterm(self, command: sk.Command) -> None:
        _argc(command, 0)  # 3.6: no argument, the one session ends (EchoDotNetLite, smdn, momonga)
        if self.coordinator is not None:
            if not self.coordinator.terminate():
                raise _CommandError("ER10")
            self._print(sk.Ok())
            return
        if self.meter is None:
            raise _CommandError("ER10")
        peers = sorted(self.meter.authenticated)
        if not peers:
            raise _CommandError("ER10")
        for peer in peers:
            assert peer is not None
            self._terminating.add(peer)
            self.meter.terminate(peer)
        self._print(sk.Ok())

    def _cmd_sksendto(self, command: sk.Command) -> None:
        _argc(command, 6 if self.layout.side else 5)  # C family: SIDE after SEC (momonga)
        handle, address, port, sec = command.args[:4]
        well_formed = handle in tuple("123456") and len(port) == 4 and sk.is_hex(port)
        if not well_formed or sec not in ("0", "1", "2"):
            raise _CommandError("ER06")
        if self.layout.side and command.args[4] not in ("0", "1"):
            raise _CommandError("ER06")
        try:
            dest = sk.parse_ipaddr(address)
        except ValueError:
            raise _CommandError("ER06") from None
        src_port = self.udp_ports[int(handle)]
        if self.coordinator is not None and src_port != 0:
            assert command.data is not None
            self.coordinator.send(dest, src_port, int(port, 16), sec != "0", command.data)
            self._print(sk.Ok())
            return
        if self.meter is None or src_port == 0:
            raise _CommandError("ER10")
        assert command.data is not None
        mac = mac_of_link_local(dest)
        authenticated = mac in self.meter.authenticated
        secure = sec == "1" or (sec == "2" and authenticated)
        if mac is None or (secure and not authenticated):
            # 3.7: SEC 1 sends only over a secured link; there is none to this peer.
            self._print(self._event(sk.EventNumber.UDP_SENT, dest, param=sk.UDP_SENT_FAILED))
            self._print(sk.Ok())
            return
        datagram = sixlowpan.UdpDatagram(
            src=self.link_local, dst=dest, src_port=src_port, dst_port=int(port, 16), payload=command.data
        )
        self.meter.link.send_udp(mac, datagram, secure=secure)
        self._print(self._event(sk.EventNumber.UDP_SENT, dest, param=sk.UDP_SENT_OK))
        self._print(sk.Ok())

    def _cmd_ropt(self, command: sk.Command) -> None:
        if not self.layout.has_ropt:
            raise _CommandError("ER04")  # a C-family module without it (momonga's finding)
        _argc(command, 0)
        # 3.31: the answer ends with CR alone (smdn BP35CommandSyntax, momonga _exec_ropt).
        self._print(sk.Ok(detail="01" if self.hex_data else "00"), eol=sk.CR)

    def _cmd_wopt(self, command: sk.Command) -> None:
        if not self.layout.has_ropt:
            raise _CommandError("ER04")
        _argc(command, 1)
        if command.args[0] not in ("00", "01"):
            raise _CommandError("ER06")
        self.hex_data = command.args[0] == "01"
        self.wopt_writes += 1  # flash writes: the bench must not wear them out
        self._print(sk.Ok(), eol=sk.CR)

    # -- what the meter twin observes (command reference 4.1 and 4.8) ---------------------

    def _event(self, number: int, sender: bytes, *, param: int | None = None) -> sk.Event:
        return sk.Event(number=number, sender=sender, param=param, side=self._side())

    def _on_route_event(self, event: RouteEvent) -> None:
        if self.meter is None or event.meter != self.meter.config.name:
            return  # a coordinator stopped by SKRESET
        peer = sixlowpan.link_local_from_eui64(event.terminal) if len(event.terminal) == 8 else None
        if peer is None:
            return
        if isinstance(event, TerminalAuthenticated | TerminalReauthenticated):
            self._joined.add(event.terminal)
            self._print(self._event(sk.EventNumber.PANA_DONE, peer))
        elif isinstance(event, AuthenticationRejected):
            self._print(self._event(sk.EventNumber.PANA_FAILED, peer))
        elif isinstance(event, SessionEnded):
            self._session_ended(event, peer)
        elif isinstance(event, DatagramReceived):
            self._datagram(event, peer)

    def _session_ended(self, event: SessionEnded, peer: bytes) -> None:
        joined = event.terminal in self._joined
        self._joined.discard(event.terminal)
        by_termination = event.cause.startswith("termination cause ")
        if event.terminal in self._terminating:
            self._terminating.discard(event.terminal)
            answered = event.terminal in self._answered
            self._answered.discard(event.terminal)
            number = sk.EventNumber.TERMINATION_DONE if answered else sk.EventNumber.TERMINATION_TIMED_OUT
        elif event.cause == f"termination cause {int(pana.TerminationCause.SESSION_TIMEOUT)}":
            number = sk.EventNumber.SESSION_EXPIRED
        elif by_termination:
            number = sk.EventNumber.TERMINATION_REQUESTED
        elif event.cause == "new PCI":
            return  # the terminal started over; its new session reports for itself
        else:
            # Retransmissions ran out: during authentication that is a failed join, after
            # it the session is lost.
            number = sk.EventNumber.SESSION_EXPIRED if joined else sk.EventNumber.PANA_FAILED
        self._print(self._event(number, peer))

    def _datagram(self, event: DatagramReceived, peer: bytes) -> None:
        if event.terminal in self._terminating and event.dst_port == PANA_PORT:
            self._note_termination_answer(event)
        if event.dst_port not in self.udp_ports.values() or event.dst_port == 0:
            return
        assert self.meter is not None
        rssi_dbm = self.medium.link(self.meter.config.name, TERMINAL_PORT).rssi_dbm
        self._print(
            sk.UdpReceived(
                sender=peer,
                dest=self.link_local,
                rport=event.src_port,
                lport=event.dst_port,
                sender_lla=event.terminal,
                secured=event.secured,
                data=event.payload[: sk.MAX_UDP_PAYLOAD],
                rssi=self.rssi_column(rssi_dbm),
                side=self._side(),
            )
        )

    def rssi_column(self, rssi_dbm: float) -> int | None:
        """ERXUDP's RSSI column: C family while SA2 is 1 (public BP35C2 clients set it),
        printed on ROHM's LQI scale as momonga reads it (the scale is not public)."""
        return _lqi(rssi_dbm) if self.layout.rssi_register and self.registers["SA2"] else None

    def _note_termination_answer(self, event: DatagramReceived) -> None:
        """The meter twin reports the end of a session the same way whether its PTR was
        answered or retransmitted to exhaustion; the module tells them apart (EVENT 27 or
        28) by the PTA it saw (RFC 5191 §4.4)."""
        try:
            message = pana.decode(event.payload)
        except ProtocolError:
            return
        if message.message_type is pana.MessageType.TERMINATION and not message.flags & pana.Flag.REQUEST:
            self._answered.add(event.terminal)


def serve(
    module: EmulatedModule, endpoint: PtyEndpoint | TcpEndpoint, *, tick_s: float = 0.005, pace: float = 1.0
) -> None:
    """Run until SIGTERM or SIGINT: host bytes in, twin time forward, module bytes out."""
    stop = False

    def request_stop(signum: int, frame: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    selector = selectors.DefaultSelector()
    endpoint.register(selector)
    started = time.monotonic()
    try:
        while not stop:
            for key, _ in selector.select(timeout=tick_s):
                data = key.data()
                if data:
                    module.receive(data)
            module.advance((time.monotonic() - started) * pace)
            output = module.take_output()
            if output:
                endpoint.write(output)
    finally:
        selector.close()
        endpoint.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rigs.emulators.skstack_module",
        description="An emulated SKSTACK-IP Wi-SUN module (coordinator/PAA) with a terminal twin on the air.",
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--pty", action="store_true", help="serve on a new pty; prints its path")
    where.add_argument("--tcp", type=int, metavar="PORT", help="serve on 127.0.0.1:PORT (0: any free port)")
    duts = [REFERENCE, *sorted(FAULTS)]
    parser.add_argument("--dut", default=REFERENCE, choices=duts, help="the terminal twin on the air")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ics", type=Path, default=None, help="terminal declaration (default: reference)")
    parser.add_argument("--mac", default=DEFAULT_MAC.hex().upper(), help="the module's EUI-64, 16 hex digits")
    parser.add_argument("--variant", choices=("bp35a1", "bp35c2", "bp35c0"), default="bp35a1")
    parser.add_argument(
        "--role", choices=("paa", "pac"), default="paa", help="pac: join a B-route coordinator"
    )
    parser.add_argument(
        "--coordinator-id", default="", help="pac role: the ID the coordinator accepts (32 characters)"
    )
    parser.add_argument("--coordinator-password", default="", help="pac role: the password it accepts")
    parser.add_argument(
        "--pace", type=float, default=1.0, help="the module's world runs this x the wall clock"
    )
    parser.add_argument("--rssi", type=float, default=-60.0, help="terminal-module link RSSI, dBm")
    parser.add_argument(
        "--power-on-delay", type=float, default=0.0, metavar="S", help="power the terminal on S seconds in"
    )
    parser.add_argument("--garbage-every", type=float, default=None, metavar="S", help=GARBAGE_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        mac = bytes.fromhex(args.mac)
        if len(mac) != 8:
            raise ValueError
    except ValueError:
        print(f"--mac must be 16 hex digits, got {args.mac!r}", file=sys.stderr)
        return 2
    declaration = declaration_for_fault(load_declaration(args.ics), args.dut)
    module = EmulatedModule(
        seed=args.seed,
        declaration=declaration,
        dut=terminal_class(args.dut),
        mac=mac,
        variant=args.variant,
        role=args.role,
        coordinator_credentials=(args.coordinator_id, args.coordinator_password),
        rssi_dbm=args.rssi,
        power_on_delay_s=args.power_on_delay,
        garbage_every_s=None if args.garbage_every is None else args.garbage_every * args.pace,
    )
    endpoint: PtyEndpoint | TcpEndpoint = PtyEndpoint() if args.pty else TcpEndpoint(args.tcp)
    print(endpoint.address, flush=True)
    serve(module, endpoint, pace=args.pace)
    return 0


if __name__ == "__main__":
    sys.exit(main())
