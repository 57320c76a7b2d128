"""The twin profile: every interface of ``conformance.interfaces`` backed by twins on
virtual time. The device under test is the reference terminal twin or a faulty one.

The twin has every capability the steps ask for but one: the smart meters do not report
the terminal's answers to an echo probe (``probe_replies``), because the twin's sniffer
sees them on the air, where the steps read them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from conformance.errors import BenchError, NotApplicable
from conformance.ics import Declaration
from conformance.interfaces import EchoProbe, MeterDomains, MeterSetup, Protection
from conformance.observe.air import AirLog
from conformance.observe.route_events import RouteEventLog
from conformance.protocols import sixlowpan, wpan
from conformance.protocols.pana import IntegrityAlgorithm
from conformance.sim.radio import CHANNELS, RadioMedium, RadioPort
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler
from conformance.twin.hes.head_end import TwinHeadEnd
from conformance.twin.hes.registry import HeadEndSystem
from conformance.twin.home.home_side import TwinHome
from conformance.twin.meter.b_route import BRoute, domains_of
from conformance.twin.meter.probes import EchoProber
from conformance.twin.meter.smart_meter import MeterConfig, SmartMeter
from conformance.twin.terminal.current_model import CurrentModel
from conformance.twin.terminal.maintenance_console import TwinMaintenancePort
from conformance.twin.terminal.reference import ReferenceTerminal, TerminalConfig

TERMINAL_PORT = "terminal"
NEIGHBOUR_PORT = "neighbour terminal"
# Locally administered EUI-64s for the bench's own twins (bit 1 of the first octet set).
METER_ADDRESS_BASE = 0x02_12_34_00_00_00_00_00
NEIGHBOUR_ADDRESS = bytes.fromhex("02123400000000FE")
INJECTOR_ADDRESS = bytes.fromhex("02123400000000FD")  # source of forged frames that name no one


class VirtualClock:
    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    def now(self) -> float:
        return self._scheduler.now

    def wait(self, seconds: float) -> None:
        self._scheduler.run_until(self._scheduler.now + seconds)

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        return self._scheduler.run_until_true(condition, self._scheduler.now + timeout)


class TwinTerminal:
    """Power control of the terminal twin and the supply that feeds it; its internals are
    not an interface. The supply's meter reads the twin's current model
    (conformance/twin/terminal/current_model.py), as the emulated rig's SCPI supply does."""

    def __init__(self, dut: ReferenceTerminal, scheduler: Scheduler, medium: RadioMedium) -> None:
        self._dut = dut
        self._scheduler = scheduler
        self.maintenance = TwinMaintenancePort(dut)
        self._current = CurrentModel(medium, dut.name, lambda: dut)
        self._read_at = 0.0

    def power_on(self) -> None:
        self._current.advance(self._scheduler.now)
        self._current.powered = True
        self._dut.power_on()

    def power_off(self) -> None:
        self._current.advance(self._scheduler.now)
        self._current.powered = False
        self._dut.power_off()

    def measure_current_a(self) -> float:
        """The average current since the previous reading, as an integrating meter gives it."""
        now, since = self._scheduler.now, self._read_at
        self._read_at = now
        return self._current.take_average_a(now, since)


class TwinIotRoute:
    def __init__(self, scheduler: Scheduler, medium: RadioMedium, seed: int) -> None:
        self._scheduler = scheduler
        self._medium = medium
        self._seed = seed
        self.hes = HeadEndSystem()
        self.events = RouteEventLog()
        self.meters: dict[str, SmartMeter] = {}
        self.b_routes: dict[str, BRoute] = {}
        self._injector: RadioPort | None = None
        self._jammed: set[int] = set()
        self._air = AirLog(self.issued_keys)
        medium.add_monitor(self._air.record)
        self._prober = EchoProber(scheduler, stream(seed, "prober"), self._inject_on, INJECTOR_ADDRESS)
        self.on_meter_added: Callable[[SmartMeter], None] = lambda meter: None

    @property
    def air(self) -> AirLog:
        return self._air

    def add_meter(self, setup: MeterSetup) -> None:
        if setup.name in self.meters:
            raise BenchError(f"smart meter {setup.name!r} is defined twice in the scenario")
        index = len(self.meters)
        channel = setup.channel if setup.channel is not None else CHANNELS[(7 + 9 * index) % len(CHANNELS)]
        config = MeterConfig(
            name=setup.name,
            address=(METER_ADDRESS_BASE + index + 1).to_bytes(8, "big"),
            pan_id=0x1000 + index,
            channel=channel,
            pairing_id=setup.pairing_id,
            session_lifetime_s=setup.session_lifetime_s,
            integrity_algorithms=(
                (IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128, IntegrityAlgorithm.AUTH_HMAC_SHA1_96)
                if setup.offers_weak_integrity
                else (IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,)
            ),
        )
        meter = SmartMeter(
            scheduler=self._scheduler,
            medium=self._medium,
            rng=stream(self._seed, f"meter {setup.name}"),
            config=config,
            hes=self.hes,
            events=self.events,
        )
        meter.occupied_by_others = setup.occupied
        self._medium.set_link(setup.name, TERMINAL_PORT, rssi_dbm=setup.rssi_dbm)
        self.meters[setup.name] = meter
        self.on_meter_added(meter)

    def _meter(self, name: str) -> SmartMeter:
        try:
            return self.meters[name]
        except KeyError:
            raise BenchError(f"the scenario has no smart meter named {name!r}") from None

    def meter_address(self, name: str) -> bytes:
        return self._meter(name).config.address

    def meter_name(self, address: bytes) -> str | None:
        return next((n for n, m in self.meters.items() if m.config.address == address), None)

    def provision(self, authentication_id: str, password: str) -> None:
        self.hes.register(authentication_id, password)

    def set_frame_loss(self, probability: float) -> None:
        self._medium.background_loss = probability

    def free_slot(self, meter: str) -> None:
        self._meter(meter).free_slot()

    def neighbour_scans(self, pairing_id: str, every_s: float) -> None:
        """A terminal of another operator keeps probing its own meters' channels, so
        meters with that Pairing ID keep beaconing where the DUT can hear them."""
        channels = sorted(
            {m.config.channel for m in self.meters.values() if m.config.pairing_id == pairing_id}
        )
        if not channels:
            raise BenchError(f"no smart meter in the scenario has Pairing ID {pairing_id!r}")
        port = self._medium.attach(NEIGHBOUR_PORT, lambda *frame: None)
        sequence = 0

        def probe() -> None:
            nonlocal sequence
            for channel in channels:
                sequence = (sequence + 1) % 256
                port.tune(channel)
                request = wpan.enhanced_beacon_request(
                    sequence_number=sequence, src_addr=NEIGHBOUR_ADDRESS, pairing_id=pairing_id
                )
                port.transmit(wpan.encode(request))
            self._scheduler.call_later(every_s, probe)

        probe()

    def inject(self, frame: bytes, *, meter: str) -> None:
        """Put raw octets on the air on ``meter``'s channel from a radio of the bench's:
        the attacker, the replayer and the flood generator of the link-security features."""
        if self._injector is None:
            self._injector = self._medium.attach("bench injector", lambda *frame: None)
        self._injector.tune(self._meter(meter).channel)
        self._injector.transmit(frame)

    # -- interference (THK-13-HOP) ------------------------------------------------------

    def jam(self, meter: str, *, duty: float = 1.0) -> int:
        channel = self._meter(meter).channel
        self._medium.jam(channel, duty=duty)
        self._jammed.add(channel)
        return channel

    def stop_jamming(self) -> None:
        for channel in sorted(self._jammed):
            self._medium.unjam(channel)
        self._jammed.clear()

    def move_meter(self, meter: str, channel: int | None = None) -> int:
        smart_meter = self._meter(meter)
        if channel is None:
            busy = self._jammed | {m.channel for m in self.meters.values()}
            channel = next(c for c in _hop_sequence(smart_meter.channel) if c not in busy)
        smart_meter.move_to(channel)
        return channel

    def _inject_on(self, frame: bytes, meter: str) -> None:
        self.inject(frame, meter=meter)

    def probe_echo(self, meter: str, terminal: bytes, protection: Protection) -> EchoProbe:
        return self._prober.probe(self._meter(meter), terminal, protection)

    def probe_replies(self, probe: EchoProbe) -> list:
        raise NotApplicable(
            "the twin's smart meters do not report echo replies: the twin reads them on the air (air)"
        )

    def renew_group_key(self, meter: str) -> None:
        self._meter(meter).renew_group_key()

    def terminate_session(self, meter: str, terminal: bytes) -> None:
        self._meter(meter).terminate(terminal)

    def secrets(self) -> list[str]:
        return self.hes.secrets()

    def address_book(self) -> dict[bytes, str]:
        names = {m.config.address: name for name, m in self.meters.items()}
        names[NEIGHBOUR_ADDRESS] = "neighbour terminal"
        names[INJECTOR_ADDRESS] = "bench injector"
        return names

    def join_evidence(self) -> str:
        return ""  # the sniffer sees the join itself: the route events are the evidence

    def radio_protocol_errors(self) -> str:
        return ""  # the twin's smart meter is on the simulated air, not behind a serial line

    def issued_keys(self, meter: str | None = None) -> list[bytes]:
        """The group keys the bench's meters (or one of them) handed out: the sniffer
        decrypts with these, the leak scanners look for them."""
        meters = self.meters.values() if meter is None else [self._meter(meter)]
        return [key for m in meters for key in m.issued_keys]

    # -- the smart meters' network domains (twin/b_route.py) ---------------------------

    def add_hems_controller(self, meter: str) -> None:
        if meter in self.b_routes:
            raise BenchError(f"smart meter {meter!r} already has a HEMS controller on its B route")
        smart_meter = self._meter(meter)
        index = list(self.meters).index(meter)
        self.b_routes[meter] = BRoute(scheduler=self._scheduler, meter=smart_meter, meter_index=index)

    def domains(self, meter: str) -> MeterDomains:
        return domains_of(self._meter(meter), list(self.meters).index(meter))

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
        """Sent by the smart meter's own radio, secured with its group key, so the terminal
        cannot tell it from the meter's traffic; ``dst`` may name a node beyond the terminal."""
        sender = self._meter(meter)
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(sender.config.address),
            dst=sixlowpan.mac_to_link_local(terminal) if dst is None else ipaddress.IPv6Address(dst).packed,
            src_port=src_port,
            dst_port=dst_port,
            payload=payload,
        )
        sender.link.send_udp(terminal, datagram, secure=True)
        return self._scheduler.now

    def ping_session(self, meter: str, terminal: bytes) -> float:
        self._meter(meter).ping(terminal)
        return self._scheduler.now


def _hop_sequence(channel: int) -> list[int]:
    """The channels after ``channel`` in a hop of 9 (coprime with the band's 28): all of them."""
    start = CHANNELS.index(channel)
    return [CHANNELS[(start + 9 * step) % len(CHANNELS)] for step in range(1, len(CHANNELS))]


class TwinBench:
    profile = "twin"

    def __init__(self, *, seed: int, declaration: Declaration, dut_factory: type[ReferenceTerminal]) -> None:
        self.seed = seed
        self.declaration = declaration
        self.scheduler = Scheduler()
        self.medium = RadioMedium(self.scheduler, stream(seed, "radio"))
        self.clock = VirtualClock(self.scheduler)
        self.route = TwinIotRoute(self.scheduler, self.medium, seed)
        credentials = declaration.credentials
        self.route.provision(credentials.authentication_id, credentials.password.get_secret_value())
        self.hes = TwinHeadEnd(
            scheduler=self.scheduler,
            rng=stream(seed, "backhaul"),
            registry=self.route.hes,
            meters=self.route.meters,
        )
        self.route.on_meter_added = self.hes.attach
        self.home = TwinHome(self.scheduler, meter_interface=declaration.metering.meter_interface)
        dut = dut_factory(
            scheduler=self.scheduler,
            medium=self.medium,
            rng=stream(seed, "terminal"),
            config=TerminalConfig.from_declaration(declaration),
            name=TERMINAL_PORT,
            home=self.home.network,
            bus=self.home.bus,
        )
        self.terminal = TwinTerminal(dut, self.scheduler, self.medium)

    def close(self) -> None:
        self.terminal.power_off()
