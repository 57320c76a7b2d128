"""The rig of a HIL session: its parts, opened once, and the scenario they serve now.

Opening a radio module or an instrument is slow and a rig is shared by every scenario,
so the parts live for the session; each scenario gets fresh state (:meth:`HilRig.scenario`):
the terminal powered off, the module reset (SKRESET) and its UDP ports opened, the
declared credentials registered, new route and home logs, a new HES. A part that broke
in an earlier scenario is opened again then, so a vanished or hung part costs the
scenario in flight (*broken*, the message names the part) and the next one still runs.

The parts are the rig file's resources, each built by its role's row of the roles table
(``rigs.roles``) and used through the protocol the row names: the power supply, the I/O
module's relay and the maintenance port for the terminal, the Wi-SUN module for the
IoT route (and a second one for a second smart meter, reset and tended like the first),
the home LAN for the metering device, the signal generator for the jammer
(opened with its carrier off when the first scenario is set up, and switched off again
after any scenario that jammed), the attenuator for the smart meter's signal strength.

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
from typing import Any

from conformance.errors import BenchError
from conformance.ics import Declaration
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler
from conformance.twin.hes.head_end import TwinHeadEnd
from rigs import RigError
from rigs.drivers.homelansocket import HomeLanRogue
from rigs.profile import plugins
from rigs.profile.air import SniffedAir
from rigs.profile.bench import HilBench
from rigs.profile.clock import RigClock
from rigs.profile.hes import HilHeadEnd
from rigs.profile.home import HilHome
from rigs.profile.route import PORT_HANDLES, HilIotRoute, RadioRegistry, RigJammer
from rigs.profile.terminal import HilTerminal, OperatorPower, ScenarioPort
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
from rigs.rigfile import Rig
from rigs.roles import (
    DigitalIoEntry,
    HomeLanEntry,
    Opening,
    RoleEntry,
    SecondMeterRadioEntry,
    SignalGeneratorEntry,
    SnifferEntry,
    binding,
)
from rigs.sharedtime import SharedTime

HEARTBEAT_S = 5.0
MAX_UDP_HANDLES = 6
# An emulated module declares how much faster than the wall clock its twins run, and the
# file of the virtual clock it shares with the bench, if any (rigs/emulators/terminal_rig.py,
# rigs/sharedtime.py); a real module never answers this.
EMULATED_PACE = re.compile(r"^iotroute-bench-emulator/x(?P<pace>\d+(?:\.\d+)?)(?:\+clock:(?P<clock>/\S+))?$")


def pace_of(application_version: str | None) -> float:
    match = EMULATED_PACE.match(application_version or "")
    return float(match.group("pace")) if match else 1.0


def shared_clock_of(application_version: str | None) -> str | None:
    """The path of the virtual clock an emulated module shares, or None (a real module)."""
    match = EMULATED_PACE.match(application_version or "")
    return match.group("clock") if match else None


class HilRig:
    def __init__(self, rig: Rig, *, maintenance_protocol: str = plugins.BUILT_IN) -> None:
        self.rig = rig
        self.maintenance_protocol = maintenance_protocol
        self.clock = RigClock(tend=self.tend)
        self.notes: list[str] = []  # what the parts said when they were opened
        self._parts: dict[str, Any] = {}  # role -> its driver, built by the roles table
        self._rogue: HomeLanRogue | None = None  # the home LAN's attacker, when a scenario wants one
        self._paced = False
        self._current: HilBench | None = None
        self._mark = 0
        self._second_mark = 0
        self._tending = False
        self._last_heartbeat = time.monotonic()
        power = rig.power
        # power: manual: one operator for the session, who remembers what was switched last.
        self.operator = OperatorPower(power.console, power.timeout_s) if power.by == "manual" else None
        self._reboot = power.reboot if power.by == "maintenance" else None

    # -- the parts --------------------------------------------------------------------------

    def _entry(self, role: str) -> tuple[str, RoleEntry] | None:
        return self.rig.find(role)

    def _part(self, role: str, declaration: Declaration) -> Any:
        """The session's driver in ``role``, built from the rig file's entry by the roles
        table the first time it is asked for; None when the rig has nothing in that role."""
        if role not in self._parts:
            found = self._entry(role)
            if found is None:
                return None
            opening = Opening(declaration=declaration, maintenance_protocol=self.maintenance_protocol)
            self._parts[role] = binding(role).build(*found, opening)
        return self._parts[role]

    def _drop(self, role: str) -> None:
        """Close the part in ``role`` and forget it: the next scenario opens it again."""
        part = self._parts.pop(role, None)
        if part is not None:
            part.close()

    @property
    def _radio(self) -> SmartMeterRadioProtocol | None:
        return self._parts.get("wisun-radio")

    @property
    def _second_radio(self) -> SmartMeterRadioProtocol | None:
        return self._parts.get("second-meter-radio")

    def _alive_radio(self, role: str) -> SmartMeterRadioProtocol | None:
        """The module in ``role`` if it is open and its port alive; else dropped (None), for
        the caller to open again."""
        radio: SmartMeterRadioProtocol | None = self._parts.get(role)
        if radio is not None:
            try:
                radio.check_alive()
            except RigError:
                self._drop(role)
                return None
        return radio

    def second_radio(
        self, declaration: Declaration
    ) -> tuple[SmartMeterRadioProtocol | None, tuple[bytes, ...]]:
        """The second Wi-SUN module (a second smart meter) and its group keys, opened again
        if its port was lost; None where the rig has none."""
        found = self._entry("second-meter-radio")
        if found is None:
            return None, ()
        radio = self._alive_radio("second-meter-radio")
        if radio is None:
            radio = self._part("second-meter-radio", declaration)
            self._note(f"{radio.resource}: SKSTACK-IP {radio.identify()}, the second smart meter")
        assert isinstance(found[1], SecondMeterRadioEntry)
        return radio, tuple(found[1].keys())

    @property
    def _lan(self) -> HomeLanProtocol | None:
        return self._parts.get("home-lan")

    def radio(self, declaration: Declaration) -> SmartMeterRadioProtocol:
        """The Wi-SUN module, opened again if its port was lost."""
        radio = self._alive_radio("wisun-radio")
        if radio is None:
            if self._entry("wisun-radio") is None:
                raise BenchError(f"rig {self.rig.rig.name} has no wisun-radio: the hil profile needs one")
            opened = time.monotonic()
            radio = self._part("wisun-radio", declaration)
            try:
                identity = radio.identify()
                try:
                    application = radio.application_version()
                except RigError as exc:
                    if not exc.problem.startswith("FAIL ER04"):
                        raise
                    application = None
                self._set_pace(pace_of(application), radio.resource, opened, shared_clock_of(application))
            except BaseException:
                self._drop("wisun-radio")
                raise
            shown = f" ({application})" if application else ""
            self._note(f"{radio.resource}: SKSTACK-IP {identity}{shown}")
        return radio

    def _set_pace(self, pace: float, resource: str, opened: float, shared: str | None = None) -> None:
        if not self._paced:
            self.clock.pace, self._paced = pace, True
            # The calendar counts from the session's first word to the radio, where an
            # emulated rig starts its twins' time (rigs/emulators/terminal_rig.py, serve).
            self.clock.origin = opened
            if shared is not None:
                try:
                    self.clock.share(SharedTime(shared))
                except (OSError, ValueError) as exc:
                    raise BenchError(
                        f"{resource} shares its rig clock at {shared}, which cannot be opened: {exc}"
                    ) from exc
                self._note(
                    f"rig time is a virtual clock shared with the emulated radio, running up to {pace:g}x "
                    "the wall clock and standing still while either side is busy"
                )
            elif pace != 1.0:
                self._note(f"rig time runs {pace:g}x the wall clock, as the emulated radio declares")
        elif pace != self.clock.pace:
            raise BenchError(
                f"{resource} now runs at x{pace:g}; this session started at x{self.clock.pace:g}"
            )

    def _note(self, note: str) -> None:
        self.notes.append(note)

    def _terminal(self, declaration: Declaration) -> HilTerminal:
        supply: PowerProtocol | None = self._part("power-supply", declaration)
        io: DigitalIoProtocol | None = self._part("digital-io", declaration)
        found = self._entry("digital-io")
        coil = found[1].power_relay if found is not None and isinstance(found[1], DigitalIoEntry) else None
        relay = (io, coil) if io is not None and coil is not None else None
        console: MaintenanceProtocol | None = self._part("maintenance-port", declaration)
        port = ScenarioPort(console) if console is not None else None
        return HilTerminal(
            supply=supply, relay=relay, maintenance=port, operator=self.operator, reboot=self._reboot
        )

    def jammer(self, declaration: Declaration) -> RigJammer | None:
        """The signal generator, opened with its carrier off when first asked for (its
        identity goes into the notes); None when the rig has none."""
        found = self._entry("signal-generator")
        if found is None:
            return None
        name, entry = found
        assert isinstance(entry, SignalGeneratorEntry)
        if "signal-generator" not in self._parts:
            generator: JammerProtocol = self._part("signal-generator", declaration)
            try:
                identity = generator.open()
            except BaseException:
                self._drop("signal-generator")
                raise
            self._note(f"{name}: signal generator {identity}, carrier off")
        return RigJammer(self._parts["signal-generator"], entry.max_power_dbm)

    def sniffer(self, declaration: Declaration) -> tuple[SnifferProtocol | None, tuple[bytes, ...]]:
        """The sniffer, listening from when it is first asked for, and the group keys the
        rig file declares for it; (None, ()) when the rig has none."""
        found = self._entry("sniffer")
        if found is None:
            return None, ()
        name, entry = found
        assert isinstance(entry, SnifferEntry)
        sniffer = self._parts.get("sniffer")
        if sniffer is not None:
            try:
                sniffer.check_alive()
            except BenchError as exc:
                self._note(f"{name}: {exc}; opened again")
                self._drop("sniffer")
                sniffer = None
        if sniffer is None:
            sniffer = self._part("sniffer", declaration)
            try:
                self._note(sniffer.open())
            except BaseException:
                self._drop("sniffer")
                raise
        return sniffer, tuple(entry.keys())

    def injector(self, declaration: Declaration) -> InjectorProtocol | None:
        return self._part("injector", declaration)

    def attenuator(self, declaration: Declaration) -> AttenuatorProtocol | None:
        """The attenuator, opened when first asked for (its identity goes into the notes);
        None when the rig has none."""
        found = self._entry("attenuator")
        if found is None:
            return None
        if "attenuator" not in self._parts:
            attenuator: AttenuatorProtocol = self._part("attenuator", declaration)
            try:
                identity = attenuator.open()
            except BaseException:
                self._drop("attenuator")
                raise
            self._note(f"{found[0]}: attenuator {identity}")
        return self._parts["attenuator"]

    def lan(self, declaration: Declaration) -> HomeLanProtocol | None:
        return self._part("home-lan", declaration)

    def rogue(self) -> HomeLanRogue | None:
        """The rogue device's sockets on the home LAN, opened for the session the first time
        a scenario asks; None when the rig file names no ``rogue_address``."""
        found = self._entry("home-lan")
        if found is None or not isinstance(found[1], HomeLanEntry) or found[1].rogue_address is None:
            return None
        if self._rogue is None:
            name, entry = found
            terminal = None if entry.terminal_address is None else str(entry.terminal_address)
            self._rogue = HomeLanRogue(name, entry.network, str(entry.rogue_address), terminal)
            self._note(f"{name}: rogue device at {entry.rogue_address}")
        return self._rogue

    # -- scenarios ----------------------------------------------------------------------------

    def scenario(self, *, seed: int, declaration: Declaration) -> HilBench:
        """Fresh state on the session's parts; raises ``BenchError`` naming a part that fails."""
        self._current = None
        terminal = self._terminal(declaration)
        terminal.power_off()
        radio = self.radio(declaration)
        radio.reset()
        second, second_keys = self.second_radio(declaration)
        if second is not None:
            second.reset()
        ports = dict(PORT_HANDLES)
        extra = [p for p in declaration.home_side.iot_route_open_udp_ports if p not in ports.values()]
        ports.update(zip(range(len(ports) + 1, MAX_UDP_HANDLES + 1), extra, strict=False))
        for handle, port in ports.items():
            radio.open_udp_port(handle, port)
            if second is not None:
                second.open_udp_port(handle, port)
        scheduler = Scheduler()
        scheduler.run_until(self.clock.now())
        jammer = self.jammer(declaration)
        registry = RadioRegistry(radio)
        sniffer, keys = self.sniffer(declaration)

        def sniffed(route: HilIotRoute) -> SniffedAir:
            assert sniffer is not None
            return SniffedAir(
                sniffer,
                at=self.clock.at,
                keys=route.issued_keys,
                channel=lambda: route.channel,
                skipped=lambda: self.clock.skipped,
            )

        route = HilIotRoute(
            radio=radio,
            clock=self.clock,
            registry=registry,
            tend=self.tend,
            jammer=jammer,
            sniffed=sniffed if sniffer is not None else None,
            injector=self.injector(declaration),
            group_keys=keys,
            seed=seed,
            attenuator=self.attenuator(declaration),
            second_radio=second,
            second_keys=second_keys,
        )
        hes = TwinHeadEnd(
            scheduler=scheduler, rng=stream(seed, "backhaul"), registry=registry, meters=route.meters
        )
        hes.attach(route.relay)
        lan = self._entry("home-lan")
        home = HilHome(
            scheduler,
            lan[1].network if lan is not None and isinstance(lan[1], HomeLanEntry) else None,
            lambda: self.lan(declaration),
            meter_interface=declaration.metering.meter_interface,
            tend=self.tend,
            open_rogue=self.rogue,
        )
        credentials = declaration.credentials
        # As route.provision does, untended: the scenario is not the rig's current one yet.
        registry.register(credentials.authentication_id, credentials.password.get_secret_value())
        bench = HilBench(
            rig=self,
            seed=seed,
            declaration=declaration,
            scheduler=scheduler,
            terminal=terminal,
            route=route,
            home=home,
            hes=HilHeadEnd(hes, tend=self.tend),
        )
        self._mark = radio.mark()
        self._second_mark = second.mark() if second is not None else 0
        self._current = bench
        terminal.in_scenario = True  # from here a power cut is the scenario's own, a timed one
        self._last_heartbeat = time.monotonic()
        return bench

    def end(self, bench: HilBench) -> None:
        if self._current is bench:
            self._current = None
        try:
            bench.route.silence()
        except BenchError as exc:  # the generator is opened again and switched off next time
            self._note(f"could not switch the jammer off after the scenario: {exc}")
        if isinstance(bench.terminal, HilTerminal):
            bench.terminal.in_scenario = False
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
            self.clock.tended(self._tend_round)
        finally:
            self._tending = False

    def _tend_round(self) -> None:
        bench = self._current
        lan = self._lan
        datagrams = lan.receive() if lan is not None else []
        radio = self._radio
        if radio is not None:
            radio.check_alive()  # raises if its port was lost or its reader thread failed
        second = self._second_radio
        if second is not None:
            second.check_alive()
        if bench is None:
            return  # between scenarios what arrives is nobody's
        route, home = bench.route, bench.home
        bench.sync()
        if radio is not None:
            for observation in radio.observations(self._mark):
                self._mark += 1
                route.observe(observation)
        if second is not None:
            for observation in second.observations(self._second_mark):
                self._second_mark += 1
                route.observe_second(observation)
        route.take_air()
        route.neighbour_round()
        for payload, sender, port in datagrams:
            home.receive(payload, sender, port)
        if isinstance(home, HilHome):
            home.poll()
        bench.sync()
        self._heartbeat()

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if self._radio is None or now - self._last_heartbeat < HEARTBEAT_S:
            return
        self._last_heartbeat = now
        self._radio.identify()

    def close(self) -> None:
        if self.clock.shared is not None:
            self.clock.shared.close()
        if self.operator is not None:
            self.operator.close()
        if self._rogue is not None:
            self._rogue.close()
        for part in self._parts.values():
            closing = getattr(part, "close", None)
            if closing is not None:
                try:
                    closing()
                except Exception as exc:  # closing is best effort; say what stayed open
                    self.notes.append(f"closing {type(part).__name__}: {exc}")
