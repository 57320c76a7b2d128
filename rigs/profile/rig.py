"""The rig of a HIL session: its parts, opened once, and the scenario they serve now.

Opening a radio module or an instrument is slow and a rig is shared by every scenario,
so the parts live for the session; each scenario gets fresh state (:meth:`HilRig.scenario`):
the terminal powered off, the module reset (SKRESET) and its UDP ports opened, the
declared credentials registered, new route and home logs, a new HES. A part that broke
in an earlier scenario is opened again then, so a vanished or hung part costs the
scenario in flight (*broken*, the message names the part) and the next one still runs.

Everything runs in the test's thread (the twins are not thread-safe, and the HES's
SQLite store keeps to its thread); only the radio driver reads its line in a thread of
its own. While a step waits, the clock *tends* the rig (:meth:`HilRig.tend`): the module's
observations become route events, the home LAN's datagrams reach the metering device
twin, the twins' timers run on rig time. It also asks the module for its version every
``HEARTBEAT_S`` seconds (wall clock): a module that stopped answering breaks the scenario
within its timeout, where silence would otherwise look like a terminal that never joined.
"""

from __future__ import annotations

import re
import time

from conformance.errors import BenchError
from conformance.ics import Declaration
from conformance.interfaces import MaintenancePort
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler
from conformance.twin.hes.head_end import TwinHeadEnd
from rigs import RigError
from rigs.drivers.modbusio import ModbusIoModule
from rigs.drivers.scpipowersupply import ScpiPowerSupply
from rigs.drivers.skstackradio import SkStackRadio
from rigs.profile import plugins
from rigs.profile.bench import HilBench
from rigs.profile.clock import RigClock
from rigs.profile.home import HilHome, HomeLanSocket
from rigs.profile.route import PORT_HANDLES, HilIotRoute, RadioRegistry
from rigs.profile.terminal import HilTerminal, ScenarioPort
from rigs.rigfile import Rig

HEARTBEAT_S = 5.0
MAX_UDP_HANDLES = 6
# An emulated module declares how much faster than the wall clock its twins run
# (rigs/emulators/terminal_rig.py); a real module never answers this.
EMULATED_PACE = re.compile(r"^iotroute-bench-emulator/x(?P<pace>\d+(?:\.\d+)?)$")


def pace_of(application_version: str | None) -> float:
    match = EMULATED_PACE.match(application_version or "")
    return float(match.group("pace")) if match else 1.0


class HilRig:
    def __init__(self, rig: Rig, *, maintenance_protocol: str = plugins.BUILT_IN) -> None:
        self.rig = rig
        self.maintenance_protocol = maintenance_protocol
        self.clock = RigClock(tend=self.tend)
        self.notes: list[str] = []  # what the parts said when they were opened
        self._radio: SkStackRadio | None = None
        self._paced = False
        self._supply: ScpiPowerSupply | None = None
        self._io: ModbusIoModule | None = None
        self._maintenance: MaintenancePort | None = None
        self._lan: HomeLanSocket | None = None
        self._current: HilBench | None = None
        self._mark = 0
        self._tending = False
        self._last_heartbeat = time.monotonic()

    # -- the parts --------------------------------------------------------------------------

    def _entry(self, role: str):
        return self.rig.find(role)  # type: ignore[arg-type]

    def radio(self) -> SkStackRadio:
        """The Wi-SUN module, opened again if its port was lost."""
        if self._radio is not None:
            try:
                self._radio.check_alive()
            except RigError:
                self._radio.close()
                self._radio = None
        if self._radio is None:
            found = self._entry("wisun-radio")
            if found is None:
                raise BenchError(f"rig {self.rig.rig.name} has no wisun-radio: the hil profile needs one")
            name, entry = found
            radio = SkStackRadio.from_resource(name, entry.serial)
            try:
                identity = radio.identify()
                try:
                    application = radio.application_version()
                except RigError as exc:
                    if not exc.problem.startswith("FAIL ER04"):
                        raise
                    application = None
                self._set_pace(pace_of(application), radio.resource)
            except BaseException:
                radio.close()
                raise
            self._radio = radio
            shown = f" ({application})" if application else ""
            self._note(f"{radio.resource}: SKSTACK-IP {identity}{shown}")
        return self._radio

    def _set_pace(self, pace: float, resource: str) -> None:
        if not self._paced:
            self.clock.pace, self._paced = pace, True
            if pace != 1.0:
                self._note(f"rig time runs {pace:g}x the wall clock, as the emulated radio declares")
        elif pace != self.clock.pace:
            raise BenchError(
                f"{resource} now runs at x{pace:g}; this session started at x{self.clock.pace:g}"
            )

    def _note(self, note: str) -> None:
        self.notes.append(note)

    def _terminal(self, declaration: Declaration) -> HilTerminal:
        supply = self._entry("power-supply")
        if supply is not None and self._supply is None:
            self._supply = ScpiPowerSupply.from_entry(*supply)
        io = self._entry("digital-io")
        if io is not None and self._io is None:
            self._io = ModbusIoModule.from_entry(*io)
        relay = (self._io, io[1].power_relay) if io is not None and io[1].power_relay is not None else None
        console = self._entry("maintenance-port")
        if console is not None and self._maintenance is None:
            name, entry = console
            self._maintenance = plugins.open_port(self.maintenance_protocol, name, entry.serial, declaration)
        port = ScenarioPort(self._maintenance) if self._maintenance is not None else None
        return HilTerminal(supply=self._supply, relay=relay, maintenance=port)

    def lan(self) -> HomeLanSocket | None:
        found = self._entry("home-lan")
        if found is not None and self._lan is None:
            name, entry = found
            self._lan = HomeLanSocket(name, entry.network)
        return self._lan

    # -- scenarios ----------------------------------------------------------------------------

    def scenario(self, *, seed: int, declaration: Declaration) -> HilBench:
        """Fresh state on the session's parts; raises ``BenchError`` naming a part that fails."""
        self._current = None
        terminal = self._terminal(declaration)
        terminal.power_off()
        radio = self.radio()
        radio.reset()
        ports = dict(PORT_HANDLES)
        extra = [p for p in declaration.home_side.iot_route_open_udp_ports if p not in ports.values()]
        ports.update(zip(range(len(ports) + 1, MAX_UDP_HANDLES + 1), extra, strict=False))
        for handle, port in ports.items():
            radio.open_udp_port(handle, port)
        scheduler = Scheduler()
        scheduler.run_until(self.clock.now())
        registry = RadioRegistry(radio)
        route = HilIotRoute(radio=radio, clock=self.clock, registry=registry)
        hes = TwinHeadEnd(
            scheduler=scheduler, rng=stream(seed, "backhaul"), registry=registry, meters=route.meters
        )
        hes.attach(route.relay)
        lan = self._entry("home-lan")
        home = HilHome(
            scheduler,
            lan[1].network if lan is not None else None,
            self.lan,
            meter_interface=declaration.metering.meter_interface,
        )
        credentials = declaration.credentials
        route.provision(credentials.authentication_id, credentials.password.get_secret_value())
        bench = HilBench(
            rig=self,
            seed=seed,
            declaration=declaration,
            scheduler=scheduler,
            terminal=terminal,
            route=route,
            home=home,
            hes=hes,
        )
        self._mark = radio.mark()
        self._current = bench
        self._last_heartbeat = time.monotonic()
        return bench

    def end(self, bench: HilBench) -> None:
        if self._current is bench:
            self._current = None
        try:
            bench.terminal.power_off()
        except BenchError as exc:  # the next scenario's set-up tries again and says so
            self._note(f"could not power the terminal off after the scenario: {exc}")

    def tend(self) -> None:
        """Keep the scenario going (the clock calls this while it waits, the sides before
        every call): the module's observations become route events, the home LAN's
        datagrams reach the metering device, the twins' timers run up to now. Raises the
        ``BenchError`` of a part that broke, naming it."""
        if self._tending:
            return  # a twin's timer asked a side for something: the round in progress goes on
        self._tending = True
        try:
            self._tend_round()
        finally:
            self._tending = False

    def _tend_round(self) -> None:
        bench = self._current
        lan = self._lan
        datagrams = lan.receive() if lan is not None else []
        radio = self._radio
        if radio is not None:
            radio.check_alive()  # raises if its port was lost or its reader thread failed
        if bench is None:
            return  # between scenarios what arrives is nobody's
        route, home, _ = bench.sides
        bench.sync()
        if radio is not None:
            for observation in radio.observations(self._mark):
                self._mark += 1
                route.observe(observation)
        for payload, sender, port in datagrams:
            home.receive(payload, sender, port)
        bench.sync()
        self._heartbeat()

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if self._radio is None or now - self._last_heartbeat < HEARTBEAT_S:
            return
        self._last_heartbeat = now
        self._radio.identify()

    def close(self) -> None:
        for part in (self._radio, self._supply, self._io, self._maintenance, self._lan):
            closing = getattr(part, "close", None)
            if closing is not None:
                try:
                    closing()
                except Exception as exc:  # closing is best effort; say what stayed open
                    self.notes.append(f"closing {type(part).__name__}: {exc}")
