"""The emulated rig of CI in one process: every part a vendor's desk has, on real OS
devices, with the terminal twin as the device under test behind them.

    python -m rigs.emulators.terminal_rig --rig-env rig.env [--dut NAME] [--time-scale S]
    python -m rigs.emulators.terminal_rig [--dut NAME] -- pytest features --profile hil \\
        --rig rigs/emulators/rig.yaml

What it serves (``rigs/emulators/rig.yaml`` names each part):

* the Wi-SUN radio: the SKSTACK-IP module emulator (``skstack_module.EmulatedModule``) on a
  pty, the smart-meter side of the IoT route; and a second module on a pty of its own
  (``EmulatedModule.beside``), a second smart meter on the same twins' radio medium
  (``full-rig.yaml``'s ``second-meter-radio``), with a HAN group key of its own
  (``IOTROUTE_RIG_SECOND_GROUP_KEY``, a secret like the first's);
* the terminal's maintenance port on a second pty, answering the terminal twin's
  ``maintenance_command`` (``conformance.protocols.maintenance``'s line protocol, CR LF lines) while
  the terminal is powered, and nothing while it is not;
* the digital I/O module (``io_module.IoModule``): a pymodbus server on Modbus TCP
  (127.0.0.1, a free port) whose coil ``--power-coil`` is the relay in the terminal's
  supply: set, the terminal is powered; cleared, it is not. Discrete input
  ``--led-input`` is the photodiode on the terminal's LED
  (``conformance/twin/terminal/functions/led.py``): lit while the pattern is steady, lit
  in the first half of every second while it blinks, dark otherwise;
* the terminal's home LAN: the twin's home network bridged to a real UDP socket, the
  terminal at ``--home-terminal`` (127.x.y.2:3610), talking ECHONET Lite to the bench's
  metering device twin at ``--home-meter`` (127.x.y.1:3610, the emulated rig's home-lan
  address, ``IOTROUTE_RIG_HOME_ADDRESS``), which runs in the bench's process; left out,
  they are a loopback /24 nobody uses (``free_home_lan``), so that rigs run side by side;
* the bench power supply (``power_supply.EmulatedPowerSupply``): SCPI on a loopback TCP
  port, its ``MEAS:CURR?`` from a current model of the twin's radio (THK-8-BATT;
  ``rigs/emulators/metered-rig.yaml`` names it, pyvisa-py's ``@py`` backend reaches it);
* the air (``air.EmulatedAir``, issue 13): a sniffer that hears the twins' radio medium and
  writes it both as pcap to a named pipe and as ZEP v2 to a loopback UDP port (the rig file
  reads one: ``air-rig.yaml`` the pipe, ``air-rig-zep.yaml`` ZEP), and the injector's ZEP
  radio bridge on another loopback port. The module's smart meter then uses one HAN group
  key for every SKSTART, drawn from the seed and handed to the rig file as
  ``IOTROUTE_RIG_GROUP_KEY`` (a secret: written to ``--rig-env`` and the command's
  environment, never printed).
* the RF instruments (``rf_instruments``): a signal generator whose carrier jams the
  twins' medium on its channel, steady or pulsed (THK-13-HOP), and a step attenuator that
  sets the level at which the terminal hears the module's smart meter (``--rssi-at-0-db``
  with no attenuation), SCPI on loopback TCP ports (``rigs/emulators/rig.yaml``).

**Power.** The terminal twin keeps its non-volatile state (settings, password, logs, value
store, frame counters) across a power cycle through the relay and across the restart after
a firmware update, as a real terminal does and as the twin profile's terminal does: the
same twin is powered off and on again. Each scenario starts with a factory-fresh one, as
on the twin profile: the first power-on after the module's SKRESET, which the HIL profile
sends as a scenario begins (``rigs.profile.rig.HilRig.scenario``), gets a new
``ReferenceTerminal`` (or faulty one).

**Time.** Rig time starts at the host's first command to the radio (the bench's calendar
starts there too). By default it is a virtual clock shared with the bench
(``rigs/sharedtime.py``, a mapped file in the launcher's temporary folder): the twins run at
most ``--time-scale S`` times the wall clock, and never more than a lookahead past the rig
time the bench has acknowledged (a few hundredths past a maintenance answer until the
bench has read the time after it), so a stall of either process stops rig time instead of
losing it; the module answers SKAPPVER with ``iotroute-bench-emulator/xS+clock:PATH`` and
the bench reads the same clock. With ``--wall-clock`` the twins run on the monotonic wall
clock times S (DESIGN.md rule 5) and SKAPPVER says ``iotroute-bench-emulator/xS``: the bench
then runs its own side (HES, metering device, timeouts) at that pace on its wall clock. A
real module never answers either, so a real rig always runs at x1 on the wall clock.

When every part is ready the launcher writes the rig file's variables
(``IOTROUTE_RIG_RADIO``, ``IOTROUTE_RIG_SECOND_RADIO``, ``IOTROUTE_RIG_MAINTENANCE``,
``IOTROUTE_RIG_DIGITAL_IO_PORT``, ``IOTROUTE_RIG_POWER_SUPPLY_PORT``,
``IOTROUTE_RIG_SNIFFER_PIPE``, ``IOTROUTE_RIG_SNIFFER_ZEP_PORT``,
``IOTROUTE_RIG_INJECTOR_PORT``, ``IOTROUTE_RIG_GROUP_KEY``, ``IOTROUTE_RIG_SECOND_GROUP_KEY``,
``IOTROUTE_RIG_SIGNAL_GENERATOR_PORT``, ``IOTROUTE_RIG_ATTENUATOR_PORT``,
``IOTROUTE_RIG_HOME_ADDRESS``, ``IOTROUTE_RIG_ROGUE_ADDRESS``) as
``NAME=value`` lines to ``--rig-env`` (written whole at once, so a reader never sees half
of it) and prints them. With ``-- COMMAND...`` it runs the command with those variables
set and stops when it ends, exiting with its status.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import queue
import random
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from conformance.ics import load_declaration
from conformance.protocols import echonet
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.randomness import stream
from conformance.twin.faults import FAULTS, REFERENCE, terminal_class
from conformance.twin.home.home_side import METER_ADDRESS
from conformance.twin.terminal.current_model import CurrentModel
from conformance.twin.terminal.reference import TERMINAL_HOME_ADDRESS
from rigs.emulators.air import EmulatedAir, free_udp_port
from rigs.emulators.io_module import IO_POINTS, IoModule
from rigs.emulators.power_supply import EmulatedPowerSupply
from rigs.emulators.rf_instruments import EmulatedAttenuator, EmulatedSignalGenerator
from rigs.emulators.skstack_module import (
    DEFAULT_MAC,
    SKAPPVER_VERSION,
    TERMINAL_PORT,
    EmulatedModule,
    PtyEndpoint,
    declaration_for_fault,
)
from rigs.sharedtime import PacedRigTime, SharedTime

ENV_RADIO = "IOTROUTE_RIG_RADIO"
ENV_MAINTENANCE = "IOTROUTE_RIG_MAINTENANCE"
ENV_DIGITAL_IO_PORT = "IOTROUTE_RIG_DIGITAL_IO_PORT"
ENV_POWER_SUPPLY_PORT = "IOTROUTE_RIG_POWER_SUPPLY_PORT"
ENV_SNIFFER_PIPE = "IOTROUTE_RIG_SNIFFER_PIPE"
ENV_SNIFFER_ZEP_PORT = "IOTROUTE_RIG_SNIFFER_ZEP_PORT"
ENV_INJECTOR_PORT = "IOTROUTE_RIG_INJECTOR_PORT"
ENV_GROUP_KEY = "IOTROUTE_RIG_GROUP_KEY"
ENV_SECOND_RADIO = "IOTROUTE_RIG_SECOND_RADIO"
ENV_SECOND_GROUP_KEY = "IOTROUTE_RIG_SECOND_GROUP_KEY"
SECRET_VARIABLES = frozenset({ENV_GROUP_KEY, ENV_SECOND_GROUP_KEY})
SECOND_MAC = bytes.fromhex("02123400000000C2")  # the second module's EUI-64, beside DEFAULT_MAC
ENV_SIGNAL_GENERATOR_PORT = "IOTROUTE_RIG_SIGNAL_GENERATOR_PORT"
ENV_ATTENUATOR_PORT = "IOTROUTE_RIG_ATTENUATOR_PORT"
ENV_HOME_ADDRESS = "IOTROUTE_RIG_HOME_ADDRESS"  # the bench's (its metering device's) on the home LAN
ENV_ROGUE_ADDRESS = "IOTROUTE_RIG_ROGUE_ADDRESS"  # the bench's rogue device's
RSSI_AT_0_DB_DBM = -40.0  # rigs/emulators/rig.yaml: atten.rssi_at_0_db_dbm
# ECHONET Lite Part 2 §3.1: port 3610 at both ends, so each end of an emulated home LAN is
# a loopback address of its own (all of 127/8 is loopback on Linux), and so is each rig's
# LAN: the launcher picks a free 127.x.y.0/24 (x, y from 1) for the metering device (.1),
# the terminal (.2) and the rogue device (.9), so that emulated rigs run side by side.
HOME_METER_HOST, HOME_TERMINAL_HOST, HOME_ROGUE_HOST = 1, 2, 9
DEFAULT_HOME_METER = ("127.0.0.1", echonet.ECHONET_PORT)  # rig.yaml's home-lan without the variables
DEFAULT_HOME_TERMINAL = ("127.0.0.2", echonet.ECHONET_PORT)
DEFAULT_ROGUE = "127.0.0.9"
HOME_LAN_TRIES = 64
TICK_S = 0.005
# On the shared clock, held by the bench's acknowledgement: look again soon, so that rig
# time is not bound by two sleeps in turn (the bench's and this loop's).
HELD_TICK_S = 0.001
MAX_LINE = 4096  # a maintenance line longer than this is noise, not a command
FLOOD_BUFFER = 16 << 20  # octets queued at the terminal's home ports: a whole home-side flood


def app_version(pace: float, clock: str | None = None) -> str:
    """What the module answers to SKAPPVER at a given pace, with the path of the shared
    virtual clock if there is one (``rigs.profile.rig.pace_of`` reads it)."""
    return f"{SKAPPVER_VERSION}/x{pace:g}" + (f"+clock:{clock}" if clock is not None else "")


class HomeBridge:
    """The terminal twin's home network joined to a real LAN: what the terminal sends to the
    metering device (unicast or its multicast discovery) goes to the bench's meter at
    ``meter``; what comes back enters the home network from the meter's address.

    Any other host of the LAN (the bench's rogue device) reaches the terminal too: the
    bridge opens, at the terminal's address, every UDP port the twin listens on (a port it
    does not is closed, and the host's stack answers ICMP port unreachable, RFC 4443 §3.1),
    and sends the terminal's answers back to whoever asked. IPv4 or IPv6: a link-local
    terminal address is scoped to ``interface``.

    ECHONET Lite Part 2 §3.1: UDP port 3610 at both ends, which is why the terminal's end
    sits on a loopback address of its own."""

    def __init__(
        self,
        network: HomeNetwork,
        *,
        terminal: tuple[str, int] = DEFAULT_HOME_TERMINAL,
        meter: tuple[str, int] = DEFAULT_HOME_METER,
        interface: str = "lo",
    ) -> None:
        self._network = network
        self.meter = (_plain(meter[0]), meter[1])
        host = ipaddress.ip_address(terminal[0])
        self._family = socket.AF_INET if host.version == 4 else socket.AF_INET6
        self._scope = socket.if_nametoindex(interface) if host.version == 6 and host.is_link_local else 0
        self._host = str(host)
        self._sockets: dict[int, socket.socket] = {}
        self._peers: set[str] = set()  # LAN hosts other than the meter that spoke to the terminal
        self._open = True
        self.socket = self._bind(terminal[1])
        self.address = f"{terminal[0]}:{terminal[1]}"
        network.listen(METER_ADDRESS, echonet.ECHONET_PORT, self._to_meter)
        network.add_monitor(self._from_terminal)

    def _where(self, host: str, port: int) -> tuple:
        return (host, port) if self._family == socket.AF_INET else (host, port, 0, self._scope)

    def _bind(self, port: int) -> socket.socket:
        sock = socket.socket(self._family, socket.SOCK_DGRAM)
        try:
            sock.bind(self._where(self._host, port))
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)
        # A flood paced on rig time arrives hundreds of times faster than the wall clock
        # at --time-scale; the queue must hold it until the twin reads it, or the kernel,
        # not the terminal, would drop it. SO_RCVBUFFORCE passes rmem_max as root.
        for option in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
            if option is not None:
                try:
                    sock.setsockopt(socket.SOL_SOCKET, option, FLOOD_BUFFER)
                    break
                except OSError:
                    continue
        self._sockets[port] = sock
        return sock

    def _to_meter(self, datagram: HomeDatagram) -> None:
        # Nobody listens yet (no scenario running): the LAN drops it, as a switch would.
        with contextlib.suppress(OSError):
            self.socket.sendto(datagram.payload, self._where(*self.meter))

    def _from_terminal(self, datagram: HomeDatagram) -> None:
        """The terminal's datagrams to a LAN host other than the meter: out from its port."""
        if not self._open or datagram.src != TERMINAL_HOME_ADDRESS or datagram.dst not in self._peers:
            return
        sock = self._sockets.get(datagram.src_port)
        if sock is None:
            with contextlib.suppress(OSError):
                sock = self._bind(datagram.src_port)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.sendto(datagram.payload, self._where(datagram.dst, datagram.dst_port))

    def sync_ports(self) -> None:
        """The ports the twin listens on now, open at the terminal's address; the others closed."""
        wanted = self._network.listening_ports(TERMINAL_HOME_ADDRESS) | {echonet.ECHONET_PORT}
        for port in wanted - set(self._sockets):
            with contextlib.suppress(OSError):
                self._bind(port)
        for port in set(self._sockets) - wanted:
            self._sockets.pop(port).close()

    def read(self) -> None:
        for port, sock in list(self._sockets.items()):
            while True:
                try:
                    payload, sender = sock.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break  # an ICMP port-unreachable for an earlier datagram: nothing to read
                host = _plain(sender[0])
                source = METER_ADDRESS if (host, sender[1]) == self.meter else host
                if source != METER_ADDRESS:
                    self._peers.add(host)
                self._network.send(
                    src=source,
                    src_port=sender[1],
                    dst=TERMINAL_HOME_ADDRESS,
                    dst_port=port,
                    payload=payload,
                )

    def close(self) -> None:
        self._open = False
        self._network.unlisten(METER_ADDRESS, echonet.ECHONET_PORT)
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()


def free_home_lan(rng: random.Random) -> tuple[str, str, str]:
    """The metering device's, the terminal's and the rogue device's addresses on a loopback
    /24 where nobody holds port 3610 at the first two (bound and released: the bridge binds
    the terminal's at once; another rig drawing the same /24 of 64,516 is unlikely)."""
    for _ in range(HOME_LAN_TRIES):
        net = f"127.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
        hosts = [f"{net}.{n}" for n in (HOME_METER_HOST, HOME_TERMINAL_HOST, HOME_ROGUE_HOST)]
        with contextlib.ExitStack() as probes:
            try:
                for host in hosts[:2]:
                    probe = probes.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
                    probe.bind((host, echonet.ECHONET_PORT))
            except OSError:
                continue
        return hosts[0], hosts[1], hosts[2]
    raise OSError(f"no free loopback home LAN in {HOME_LAN_TRIES} tries")


def _plain(address: str) -> str:
    """``fe80::1%lo`` -> ``fe80::1``, in the address's canonical form."""
    return str(ipaddress.ip_address(address.strip("[]").split("%", 1)[0]))


class MaintenanceLine:
    """The terminal's maintenance port on a pty: one command per line (CR LF, LF or CR),
    the twin's answer lines back with CR LF. An unpowered terminal says nothing."""

    def __init__(self, endpoint: PtyEndpoint, terminal: Callable[[], Any]) -> None:
        self.endpoint = endpoint
        self._terminal = terminal
        self._pending = bytearray()

    def receive(self, data: bytes) -> bool:
        """Take the host's octets; True if a command was answered."""
        answered = False
        self._pending += data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        while b"\n" in self._pending:
            raw, _, rest = bytes(self._pending).partition(b"\n")
            self._pending = bytearray(rest)
            answered = self._answer(raw.decode("ascii", "replace").strip()) or answered
        if len(self._pending) > MAX_LINE:
            self._pending.clear()
        return answered

    def _answer(self, line: str) -> bool:
        terminal = self._terminal()
        if not line or terminal.state == "off":
            return False
        answer = terminal.maintenance_command(line)
        self.endpoint.write("".join(f"{a}\r\n" for a in answer).encode("ascii", "replace"))
        return True


class TerminalRig:
    """The emulated parts wired together."""

    def __init__(
        self,
        module: EmulatedModule,
        *,
        io: IoModule,
        bridge: HomeBridge,
        power_coil: int = 0,
        led_input: int = 0,
        supply: EmulatedPowerSupply | None = None,
        air: EmulatedAir | None = None,
        instruments: Sequence[EmulatedSignalGenerator | EmulatedAttenuator] = (),
        second: EmulatedModule | None = None,
    ) -> None:
        self.module, self.io, self.bridge, self.supply = module, io, bridge, supply
        self.second = second  # a second module on the same medium (EmulatedModule.beside)
        self.air = air
        self.instruments = tuple(instruments)  # they answer their hosts by themselves
        self.power_coil, self.led_input = power_coil, led_input
        self.powered = False
        self._resets_seen = module.resets

    def sense_led(self) -> None:
        """What the photodiode on the LED sees now (the twin's pattern, at rig time)."""
        terminal = self.module.terminal
        shown = next((f.shown() for f in terminal.functions if callable(getattr(f, "shown", None))), "off")
        lit = shown == "steady" or (shown == "blinking" and self.module.scheduler.now % 1.0 < 0.5)
        self.io.inputs[self.led_input] = self.powered and lit

    def apply_coil_writes(self) -> None:
        while True:
            try:
                coil, on = self.io.coil_writes.get_nowait()
            except queue.Empty:
                return
            if coil == self.power_coil:
                self.set_power(on)

    def set_power(self, on: bool) -> None:
        if on == self.powered:
            return
        self.powered = on
        if not on:
            self.module.terminal.power_off()
            return
        terminal = self.module.terminal
        if self.module.resets != self._resets_seen:  # a new scenario: a factory-fresh terminal
            self._resets_seen = self.module.resets
            terminal = self.module.new_terminal()
        terminal.power_on()  # otherwise the same twin: its non-volatile state kept

    def current_terminal(self) -> Any:
        """The terminal as the host left it: a relay the host switched before it sent a
        maintenance command is in effect when the command arrives, as on a real desk (the
        Modbus write is acknowledged before the command is sent; both wait in this loop)."""
        self.apply_coil_writes()
        return self.module.terminal


def _register(selector: selectors.BaseSelector, endpoint: PtyEndpoint) -> int:
    """Register a pty endpoint and return its file descriptor (to tell the ports apart)."""
    before = set(selector.get_map())
    endpoint.register(selector)
    (fd,) = set(selector.get_map()) - before
    return fd


def serve(
    rig: TerminalRig,
    radio: PtyEndpoint,
    maintenance: MaintenanceLine,
    *,
    pace: float = 1.0,
    shared: SharedTime | None = None,
    until: Callable[[], bool] = lambda: False,
    second_radio: PtyEndpoint | None = None,
) -> None:
    """Run until SIGTERM, SIGINT or ``until()``: host bytes in, twin time forward, bytes out.
    ``second_radio`` is the line of ``rig.second``, the second module, where it has one.

    With ``shared``, twin time is the virtual clock shared with the bench: at most ``pace``
    times the wall clock, held back by the bench's acknowledgements (``rigs/sharedtime.py``);
    without, it is the wall clock times ``pace``."""
    stop = False

    def request_stop(signum: int, frame: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    selector = selectors.DefaultSelector()
    radio_fd = _register(selector, radio)
    second_fd = _register(selector, second_radio) if second_radio is not None else None
    _register(selector, maintenance.endpoint)
    selector.register(rig.bridge.socket, selectors.EVENT_READ, None)
    if rig.supply is not None:
        rig.supply.register(selector)  # its callables answer the host themselves
    if rig.air is not None:
        injector = rig.air.bridge
        selector.register(injector.socket, selectors.EVENT_READ, lambda: injector.read() or b"")
    for instrument in rig.instruments:
        instrument.register(selector)
    # Rig time starts at the host's first word to the radio, not at the launch: the bench
    # counts its calendar from the same moment (rigs/profile/rig.py, ``HilRig.radio``), so
    # the terminal twin's clock is on the bench's calendar from its first power-on. Counted
    # from the launch it ran ahead by the bench's start-up times the pace (1,162 s at x300),
    # and an upload the SM system had not yet set the clock for came stamped in the future
    # (NAT-2.5-TIME's monitor). Until then the twins' time stands still.
    started: float | None = None
    paced = PacedRigTime(shared, pace=pace) if shared is not None else None
    try:
        while not stop and not until():
            tick = HELD_TICK_S if paced is not None and paced.held else TICK_S
            for key, _ in selector.select(timeout=tick):
                if key.data is None:
                    rig.bridge.read()
                    continue
                data = key.data()
                if not data:
                    continue
                if key.fd == radio_fd:
                    if started is None:
                        started = time.monotonic()
                        if paced is not None:
                            paced.start(started)
                    if paced is not None:
                        paced.host_spoke()
                    rig.module.receive(data)
                    # The module answers a command at once (command reference ch. 3), so the
                    # answer goes out now, before the twins' time moves: a host's round trip
                    # (2 s on the wall clock, rigs/drivers/skstackradio.py) never waits for
                    # the twins' work, nor for rig time held by the bench's acknowledgement.
                    answer = rig.module.take_output()
                    if answer:
                        radio.write(answer)
                elif key.fd == second_fd and rig.second is not None and second_radio is not None:
                    if paced is not None:
                        paced.host_spoke()
                    rig.second.receive(data)
                    second_radio.write(rig.second.take_output())
                elif maintenance.receive(data) and paced is not None:
                    # Answered from the terminal's state now; the bench stamps the answer
                    # (an LED sample, NAT-2.5-LED) with the rig time it reads next.
                    paced.host_answered()
            rig.bridge.sync_ports()
            rig.bridge.read()  # every tick: the ports it opens come and go with the twin
            rig.apply_coil_writes()
            if paced is not None:
                rig.module.advance(paced.advance(time.monotonic()))
            elif started is not None:
                rig.module.advance((time.monotonic() - started) * pace)
            if rig.supply is not None:
                rig.supply.model.advance(rig.module.scheduler.now)
            rig.sense_led()
            if rig.air is not None:
                rig.air.flush()
            output = rig.module.take_output()
            if output:
                radio.write(output)
            if rig.second is not None and second_radio is not None:
                output = rig.second.take_output()
                if output:
                    second_radio.write(output)
    finally:
        selector.close()


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    try:
        return _plain(host), int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rigs.emulators.terminal_rig",
        description="The emulated rig: SKSTACK-IP radio, maintenance port, Modbus I/O and home LAN, "
        "with a terminal twin behind them.",
    )
    parser.add_argument("--dut", default=REFERENCE, choices=[REFERENCE, *sorted(FAULTS)])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ics", type=Path, default=None, help="terminal declaration (default: reference)")
    parser.add_argument("--time-scale", type=float, default=1.0, metavar="S", help="twins run S x wall clock")
    parser.add_argument(
        "--wall-clock",
        action="store_true",
        help="run the twins on the wall clock times S, not on a virtual clock shared with the bench",
    )
    parser.add_argument("--rig-env", type=Path, default=None, metavar="FILE", help="write the variables here")
    parser.add_argument("--mac", default=DEFAULT_MAC.hex().upper(), help="the module's EUI-64")
    parser.add_argument("--variant", choices=("bp35a1", "bp35c2"), default="bp35a1", help="radio layout")
    # Left out: a free loopback pair (free_home_lan), handed to the rig file as ENV_HOME_ADDRESS.
    parser.add_argument("--home-meter", type=_address, default=None, metavar="HOST:PORT")
    parser.add_argument("--home-terminal", type=_address, default=None, metavar="HOST:PORT")
    parser.add_argument("--home-interface", default="lo", help="the interface of a link-local home LAN")
    parser.add_argument("--power-coil", type=int, default=0, help="the relay coil of the terminal's supply")
    parser.add_argument("--led-input", type=int, default=0, help="the discrete input that senses its LED")
    parser.add_argument("--garbage-every", type=float, metavar="S", help="a malformed radio line every S s")
    parser.add_argument("--no-air", action="store_true", help="serve no sniffer feed and no injector bridge")
    parser.add_argument(
        "--rssi-at-0-db",
        type=float,
        default=RSSI_AT_0_DB_DBM,
        metavar="DBM",
        help="the meter's level at the terminal with the attenuator at 0 dB",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND: run it, then stop")
    return parser


def _home_lan(
    meter: tuple[str, int] | None, terminal: tuple[str, int] | None
) -> tuple[tuple[str, int], tuple[str, int], str | None]:
    """The home LAN's ends as asked, a free loopback /24 for those left out, and the rogue
    device's address (on the picked /24; 127.0.0.9 beside the usual 127.0.0.1; else none)."""
    if meter is not None and terminal is not None:
        return meter, terminal, DEFAULT_ROGUE if meter == DEFAULT_HOME_METER else None
    port = echonet.ECHONET_PORT
    picked_meter, picked_terminal, rogue = free_home_lan(random.Random())
    if meter is not None:
        rogue = DEFAULT_ROGUE if meter == DEFAULT_HOME_METER else None
    return meter or (picked_meter, port), terminal or (picked_terminal, port), rogue


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if args.time_scale <= 0:
        print("--time-scale must be positive", file=sys.stderr)
        return 2
    if not (0 <= args.power_coil < IO_POINTS and 0 <= args.led_input < IO_POINTS):
        print(f"--power-coil and --led-input are 0..{IO_POINTS - 1}", file=sys.stderr)
        return 2
    declaration = declaration_for_fault(load_declaration(args.ics), args.dut)
    air_dir = tempfile.TemporaryDirectory(prefix="iotroute-air-")
    shared = None if args.wall_clock else SharedTime.create(os.path.join(air_dir.name, "rig.clock"))
    home_meter, home_terminal, rogue = _home_lan(args.home_meter, args.home_terminal)
    # One group key for every SKSTART, so that the rig file can declare it to the sniffer.
    group_key = None if args.no_air else stream(args.seed, "emulated rig group key").randbytes(16)
    second_key = stream(args.seed, "emulated rig second group key").randbytes(16)
    module = EmulatedModule(
        seed=args.seed,
        declaration=declaration,
        dut=terminal_class(args.dut),
        mac=bytes.fromhex(args.mac),
        variant=args.variant,
        power_on_delay_s=None,
        app_version=app_version(args.time_scale, shared.path if shared is not None else None),
        garbage_every_s=None if args.garbage_every is None else args.garbage_every * args.time_scale,
        group_key=group_key,
    )
    try:
        bridge = HomeBridge(
            module.home.network,
            terminal=home_terminal,
            meter=home_meter,
            interface=args.home_interface,
        )
    except OSError as exc:
        host, port = home_terminal
        print(f"--home-terminal {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    io = IoModule()
    air = None
    if not args.no_air:
        pipe = os.path.join(air_dir.name, "sniffer.pcap")
        air = EmulatedAir(module.medium, pipe=pipe, zep_port=free_udp_port(), epoch=time.time())
    second = EmulatedModule.beside(module, mac=SECOND_MAC, group_key=second_key)
    radio, console, second_radio = PtyEndpoint(), PtyEndpoint(), PtyEndpoint()
    model = CurrentModel(module.medium, TERMINAL_PORT, lambda: module.terminal)
    supply = EmulatedPowerSupply(model, lambda: module.scheduler.now)
    generator = EmulatedSignalGenerator(module.medium, lambda: module.rssi_dbm)
    attenuator = EmulatedAttenuator(
        module.set_rssi_dbm,
        rssi_at_0_db_dbm=args.rssi_at_0_db,
        attenuation_db=max(0.0, args.rssi_at_0_db - module.rssi_dbm),
    )
    try:
        io_port = io.start()
        rig = TerminalRig(
            module,
            io=io,
            bridge=bridge,
            power_coil=args.power_coil,
            led_input=args.led_input,
            supply=supply,
            air=air,
            instruments=(generator, attenuator),
            second=second,
        )
        maintenance = MaintenanceLine(console, rig.current_terminal)
        variables = {
            ENV_RADIO: radio.address,
            ENV_SECOND_RADIO: second_radio.address,
            ENV_SECOND_GROUP_KEY: second_key.hex(),
            ENV_MAINTENANCE: console.address,
            ENV_DIGITAL_IO_PORT: str(io_port),
            ENV_POWER_SUPPLY_PORT: str(supply.port),
            ENV_SIGNAL_GENERATOR_PORT: str(generator.port),
            ENV_ATTENUATOR_PORT: str(attenuator.port),
            ENV_HOME_ADDRESS: home_meter[0],
        }
        if rogue is not None:
            variables[ENV_ROGUE_ADDRESS] = rogue
        if air is not None and group_key is not None:
            variables |= {
                ENV_SNIFFER_PIPE: air.pipe.path,
                ENV_SNIFFER_ZEP_PORT: str(air.zep.address[1]),
                ENV_INJECTOR_PORT: str(air.bridge.port),
                ENV_GROUP_KEY: group_key.hex(),
            }
        text = "".join(f"{name}={value}\n" for name, value in variables.items())
        shown = "".join(
            f"{name}={'(secret, in --rig-env)' if name in SECRET_VARIABLES else value}\n"
            for name, value in variables.items()
        )
        if args.rig_env is not None:
            partial = args.rig_env.with_name(args.rig_env.name + ".part")
            partial.unlink(missing_ok=True)
            # Readable by its owner only: it holds the group key.
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(text)
            partial.replace(args.rig_env)
        print(shown, end="", flush=True)
        child = subprocess.Popen(command, env={**os.environ, **variables}) if command else None
        serve(
            rig,
            radio,
            maintenance,
            pace=args.time_scale,
            shared=shared,
            until=lambda: child is not None and child.poll() is not None,
            second_radio=second_radio,
        )
        if child is not None:
            if child.poll() is None:
                child.terminate()
            return child.wait()
        return 0
    finally:
        io.close()
        bridge.close()
        supply.close()
        if air is not None:
            air.close()
        if shared is not None:
            shared.close()
        air_dir.cleanup()
        generator.close()
        attenuator.close()
        radio.close()
        second_radio.close()
        console.close()


if __name__ == "__main__":
    sys.exit(main())
