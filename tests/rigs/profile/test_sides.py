"""The HIL profile's sides implement their interfaces explicitly: what a rig cannot do is
a member that raises ``NotApplicable`` with the reason, what a step calls to act or ask
tends the rig first, and no proxy stands in for a missing method.

Fast tests on fakes of the rig's parts; the emulated rig's runs (test_reference_run.py)
show the same sides against a terminal.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from conformance.errors import BenchError, NotApplicable
from conformance.interfaces import (
    Bench,
    HeadEnd,
    HomeSide,
    IotRouteSide,
    MeterSetup,
    MeterSpec,
    Protection,
    Terminal,
    if_provided,
)
from conformance.protocols import dlms, pana, sixlowpan
from conformance.protocols import skstack as sk
from conformance.protocols.dlms import DLMS_PORT
from conformance.protocols.pana import PANA_PORT
from conformance.sim.radio import channel_frequency_mhz
from conformance.sim.scheduler import Scheduler
from rigs.drivers.homelansocket import HomeLanRogue
from rigs.drivers.skstackradio import Observation
from rigs.profile.bench import HilBench
from rigs.profile.clock import RigClock
from rigs.profile.hes import HilHeadEnd
from rigs.profile.home import HilHome
from rigs.profile.route import FIRST_CHANNEL, HilIotRoute, RadioRegistry, RigJammer
from rigs.profile.terminal import HilTerminal
from rigs.resources import NetworkInterface
from tests.seams import members, missing

MODULE = bytes.fromhex("001D129012345678")
TERMINAL = bytes.fromhex("02123400000000AA")


@dataclass
class Info:
    addr64: bytes = MODULE


@dataclass
class FakeRadio:
    """Records what the route asks of the Wi-SUN module."""

    resource: str = "radio on /dev/null"
    calls: list[tuple] = field(default_factory=list)

    def info(self) -> Info:
        return Info()

    def configure_coordinator(self, *args, **kwargs) -> None:
        self.calls.append(("configure_coordinator", args, kwargs))

    def start(self) -> None:
        self.calls.append(("start",))

    def register_terminal(self, rbid: str, password: str) -> None:
        self.calls.append(("register_terminal", rbid))
        self.passwords.append(password)

    passwords: list[str] = field(default_factory=list)  # what SKSETPWD was given, in order

    def protocol_error_mark(self) -> int:
        return 0

    def send_udp(self, address: bytes, port: int, data: bytes, secured: bool, *, handle: int) -> bool:
        self.calls.append(("send_udp", port, secured))
        return True

    def protocol_error_log(self, since: int = 0) -> list:
        return []

    def terminate(self) -> None:
        self.calls.append(("terminate",))


@dataclass
class FakeGenerator:
    calls: list[tuple] = field(default_factory=list)

    def open(self) -> str:
        return "BENCHSIM,SG-6000"

    def jam(self, channel_frequency_mhz: float, power_dbm: float, duty: float = 1.0) -> None:
        self.calls.append(("jam", channel_frequency_mhz, power_dbm, duty))

    def stop(self) -> None:
        self.calls.append(("stop",))

    def close(self) -> None:
        self.calls.append(("close",))


@dataclass
class FakeAttenuator:
    """A 10 dB-step attenuator from -40 dBm at 0 dB down to -150 dBm."""

    levels: list[float] = field(default_factory=list)

    def open(self) -> str:
        return "BENCHSIM,AT-11713"

    def reaches(self, rssi_dbm: float) -> bool:
        return -150 <= rssi_dbm <= -40

    def set_rssi_dbm(self, rssi_dbm: float) -> float:
        self.levels.append(rssi_dbm)
        return rssi_dbm

    def close(self) -> None:
        pass


class Tending:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def route(
    jammer: RigJammer | None = None,
    tend: Tending | None = None,
    attenuator: FakeAttenuator | None = None,
    radio: FakeRadio | None = None,
) -> HilIotRoute:
    radio = radio or FakeRadio()
    return HilIotRoute(
        radio=radio,  # type: ignore[arg-type]
        clock=RigClock(),
        registry=RadioRegistry(radio),  # type: ignore[arg-type]
        tend=tend or Tending(),
        jammer=jammer,
        attenuator=attenuator,
    )


@pytest.mark.parametrize(
    ("interface", "side", "attributes"),
    [
        (IotRouteSide, HilIotRoute, {"events"}),
        (HomeSide, HilHome, set()),
        (HeadEnd, HilHeadEnd, set()),
        (Terminal, HilTerminal, set()),
        (Bench, HilBench, {"seed", "declaration", "clock", "terminal", "route", "home", "hes"}),
    ],
)
def test_each_hil_side_implements_every_member_of_its_interface(interface, side, attributes) -> None:
    assert members(interface)
    assert missing(interface, side, attributes=frozenset(attributes)) == []
    assert "__getattr__" not in vars(side), f"{side.__name__} must not hide a missing member behind a proxy"


def test_the_route_says_why_a_rig_cannot_do_what_the_twin_does() -> None:
    side = route()
    cannot = {
        "air": lambda: side.air,
        "inject": lambda: side.inject(b"\x00", meter="SM-1"),
        "renew_group_key": lambda: side.renew_group_key("SM-1"),
        "neighbour_scans": lambda: side.neighbour_scans("IOT00901", 1.0),
        "free_slot": lambda: side.free_slot("SM-1"),
        "set_frame_loss": lambda: side.set_frame_loss(0.3),
        "add_hems_controller": lambda: side.add_hems_controller("SM-1"),
        "domains": lambda: side.domains("SM-1"),
        "send_udp": lambda: side.send_udp("SM-1", TERMINAL, dst_port=1, payload=b"", src_port=2),
        "ping_session": lambda: side.ping_session("SM-1", TERMINAL),
        "move_meter": lambda: side.move_meter("SM-1"),
    }
    for member, call in cannot.items():
        with pytest.raises(NotApplicable) as raised:
            call()
        assert raised.value.reason, member
    assert if_provided(lambda: side.air) is None
    side.set_frame_loss(0.0)  # no loss asked: nothing a rig cannot do


def test_one_module_plays_one_plain_smart_meter() -> None:
    side = route()
    with pytest.raises(NotApplicable, match=r"no programmable attenuator, role attenuator"):
        side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901", rssi_dbm=-90.0))
    with pytest.raises(NotApplicable, match="full smart meter"):
        side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901", occupied=3))
    side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    assert side.meter_address("SM-1") == MODULE
    with pytest.raises(NotApplicable, match="SM-2 would need a second module"):
        side.add_meter(MeterSetup(name="SM-2", pairing_id="IOT00901"))
    with pytest.raises(NotApplicable, match="injector radio"):
        side.probe_echo("SM-1", TERMINAL, Protection.BAD_MIC)
    with pytest.raises(BenchError, match="no smart meter named 'SM-9'"):
        side.meter_address("SM-9")


def test_the_route_jams_the_module_s_channel_with_the_rig_s_signal_generator() -> None:
    generator = FakeGenerator()
    side = route(RigJammer(generator, power_dbm=-10.0))
    side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    assert side.jam("SM-1") == FIRST_CHANNEL
    assert generator.calls == [("jam", channel_frequency_mhz(FIRST_CHANNEL), -10.0, 1.0)]
    side.stop_jamming()
    side.silence()  # already off: nothing more is sent
    assert generator.calls[1:] == [("stop",)] and not side.jamming
    # A pulsed jammer: the carrier under pulse modulation, on for the share of frames.
    assert side.jam("SM-1", duty=0.3) == FIRST_CHANNEL and side.jamming
    assert generator.calls[2:] == [("jam", channel_frequency_mhz(FIRST_CHANNEL), -10.0, 0.3)]


def test_the_route_sets_a_meter_s_signal_strength_with_the_rig_s_attenuator() -> None:
    attenuator = FakeAttenuator()
    side = route(attenuator=attenuator)
    with pytest.raises(NotApplicable, match=r"the rig's attenuator cannot make -30 dBm at the terminal"):
        side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901", rssi_dbm=-30.0))
    side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901", rssi_dbm=-75.0))
    assert attenuator.levels == [-75.0]


def test_a_rig_without_a_signal_generator_cannot_jam() -> None:
    side = route()
    side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    with pytest.raises(NotApplicable, match="no signal generator"):
        side.jam("SM-1")
    side.stop_jamming()  # nothing is on: nothing to do


def test_a_step_s_call_tends_the_rig_first_and_the_evidence_s_questions_do_not() -> None:
    tending = Tending()
    side = route(tend=tending)
    side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    side.meter_address("SM-1")
    assert tending.count == 2
    assert side.secrets() == [] and side.address_book() and side.issued_keys() == [] and not side.events
    with pytest.raises(NotApplicable):
        side.ping_session("SM-1", TERMINAL)  # a rig cannot at all: nothing to tend for
    assert tending.count == 2


def test_the_terminal_on_a_rig_without_the_parts_says_what_is_missing() -> None:
    bare = HilTerminal(supply=None, relay=None, maintenance=None)
    with pytest.raises(NotApplicable, match="no maintenance-port resource"):
        bare.maintenance  # noqa: B018
    with pytest.raises(NotApplicable, match="cannot power the terminal"):
        bare.power_on()
    with pytest.raises(NotApplicable, match="no power supply"):
        bare.measure_current_a()
    bare.power_off()  # nothing to switch off


def test_the_home_side_on_a_rig_says_what_it_cannot_serve() -> None:
    tending = Tending()
    no_lan = HilHome(Scheduler(), None, lambda: None, meter_interface="echonet-lite", tend=tending)
    with pytest.raises(NotApplicable, match="no home-lan resource"):
        no_lan.install_meter(MeterSpec(device_id=bytes(8)))
    assert tending.count == 1
    bus = HilHome(Scheduler(), None, lambda: None, meter_interface="modbus-rtu")
    with pytest.raises(NotApplicable, match="meter bus"):
        bus.install_meter(MeterSpec(device_id=bytes(8)))
    with pytest.raises(NotApplicable, match="no home-lan resource for a rogue device"):
        no_lan.add_rogue()
    lan = NetworkInterface(interface="lo", address="127.0.0.1")
    no_rogue = HilHome(Scheduler(), lan, lambda: None, meter_interface="echonet-lite")
    with pytest.raises(NotApplicable, match="gives the home-lan no rogue_address"):
        no_rogue.add_rogue()
    assert no_lan.traffic == []
    # Nothing on the rig watches the RS-485 pair: no traffic seen there is not a silent bus.
    with pytest.raises(NotApplicable, match="watches no RS-485 pair"):
        no_lan.bus_traffic  # noqa: B018


def test_the_rig_s_rogue_device_records_what_it_sends_and_hears_in_the_port_mirror() -> None:
    lan = NetworkInterface(interface="lo", address="127.0.0.1")
    driver = HomeLanRogue("home", lan, "127.0.0.79")
    home = HilHome(Scheduler(), lan, lambda: None, meter_interface="echonet-lite", open_rogue=lambda: driver)
    try:
        rogue = home.add_rogue()
        with pytest.raises(BenchError, match="second rogue device"):
            home.add_rogue()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as terminal:
            terminal.bind(("127.0.0.80", 0))
            port = terminal.getsockname()[1]
            sent = rogue.send(b"\x10\x81\x00\x01", dst="127.0.0.80", dst_port=port)
            assert (sent.src, sent.src_port, sent.dst, sent.dst_port) == (
                "127.0.0.79",
                3610,
                "127.0.0.80",
                port,
            )
            terminal.settimeout(2)
            _, sender = terminal.recvfrom(100)
            terminal.sendto(b"answer", sender)
        deadline = time.monotonic() + 2
        while len(home.traffic) < 2 and time.monotonic() < deadline:
            home.poll()
            time.sleep(0.01)
        assert [(d.src, d.dst, d.payload) for d in home.traffic] == [
            ("127.0.0.79", "127.0.0.80", b"\x10\x81\x00\x01"),
            ("127.0.0.80", "127.0.0.79", b"answer"),
        ]
        assert rogue.sent == home.traffic[:1]
        # What a real socket cannot do is not applicable, not faked.
        with pytest.raises(NotApplicable, match="forging 2001:db8:bad::1 needs a raw socket"):
            rogue.send(b"x", dst="127.0.0.80", dst_port=port, src="2001:db8:bad::1")
        with pytest.raises(NotApplicable, match="next hop"):
            rogue.send(b"x", dst="2001:db8::1", dst_port=port, via="127.0.0.80")
    finally:
        driver.close()


class FakeHeadEnd:
    def __init__(self) -> None:
        self.events = object()
        self.calls: list[tuple] = []

    def sm_time(self) -> datetime:
        self.calls.append(("sm_time",))
        return datetime(2026, 1, 1)

    def commission(self, terminal_id: str, meter_id: bytes, granularity_s: int, model) -> None:
        self.calls.append(("commission", terminal_id, meter_id, granularity_s, model))

    def secrets(self) -> list[str]:
        return ["password"]


def test_the_hes_on_a_rig_is_the_twin_s_asked_after_tending() -> None:
    twin, tending = FakeHeadEnd(), Tending()
    hes = HilHeadEnd(twin, tend=tending)  # type: ignore[arg-type]
    assert hes.events is twin.events
    hes.commission("ID", b"\x01", 1800)
    assert hes.sm_time() == datetime(2026, 1, 1)
    assert twin.calls == [("commission", "ID", b"\x01", 1800, dlms.DEFAULT_MODEL), ("sm_time",)]
    assert tending.count == 2
    assert hes.secrets() == ["password"] and tending.count == 2


def test_invalidated_credentials_leave_the_module_a_password_the_terminal_does_not_hold() -> None:
    """THK seed ch. 14 別表2: cut off, the smart meter refuses the terminal; re-enabled, it
    accepts it again. The module checks one terminal's password (SKSETPWD)."""
    radio = FakeRadio()
    registry = RadioRegistry(radio)  # type: ignore[arg-type]
    terminal_id = "0" * 24 + "IOT00901"
    registry.register(terminal_id, "the terminal's own")
    registry.set_enabled(terminal_id, False)
    registry.set_enabled(terminal_id, True)
    own, refused, again = radio.passwords
    assert own == again == "the terminal's own"
    assert refused != own and len(refused) == 32  # SKSETPWD takes at most 32 characters
    assert registry.psk_for(terminal_id.encode()) is not None
    assert [c[1] for c in radio.calls if c[0] == "register_terminal"] == [terminal_id] * 3


def test_a_pci_before_event_25_makes_it_a_join_again_not_a_re_authentication() -> None:
    """A terminal that restarts (a firmware update) starts a new PANA session with a PCI
    (RFC 5191 §4.1), which the module reports with no end of the old one; a re-authentication
    within the session has none (§4.3). Both end with EVENT 25."""
    side = route()
    lla = sixlowpan.link_local_from_eui64(TERMINAL)
    pci = pana.encode(pana.PanaMessage(message_type=pana.MessageType.PCI))
    answer = dlms.wrap(b"\xc4\x01\x07\x00\x09\x0c" + bytes(12))  # secured: confirms the join

    def line(event: object) -> None:
        side.observe(Observation(time=time.monotonic(), event=event))  # type: ignore[arg-type]

    def datagram(port: int, data: bytes, secured: bool) -> sk.UdpReceived:
        return sk.UdpReceived(
            sender=lla, dest=lla, rport=port, lport=port, sender_lla=TERMINAL, secured=secured, data=data
        )

    def join() -> None:
        line(datagram(PANA_PORT, pci, secured=False))
        line(sk.Event(number=sk.EventNumber.PANA_DONE, sender=lla))
        line(datagram(DLMS_PORT, answer, secured=True))

    join()
    line(sk.Event(number=sk.EventNumber.PANA_DONE, sender=lla))  # re-authenticated, no PCI
    join()  # restarted
    kinds = [type(e).__name__ for e in side.events if type(e).__name__.startswith("Terminal")]
    assert kinds == ["TerminalAuthenticated", "TerminalReauthenticated", "TerminalAuthenticated"]


def test_a_secured_probe_after_the_bench_ended_the_session_needs_the_injector() -> None:
    """NAT-3.4-CUT: the frame is one of the session the bench ended (SKTERM). Through the
    module it would go in the session the terminal joined since, which it rightly answers:
    without an injector the step is not applicable and names it, rejoined or not."""
    radio = FakeRadio()
    side = route(radio=radio)
    lla = sixlowpan.link_local_from_eui64(TERMINAL)
    pci = pana.encode(pana.PanaMessage(message_type=pana.MessageType.PCI))

    def line(event: object) -> None:
        side.observe(Observation(time=time.monotonic(), event=event))  # type: ignore[arg-type]

    def join() -> None:
        line(sk.UdpReceived(sender=lla, dest=lla, rport=PANA_PORT, lport=PANA_PORT, sender_lla=TERMINAL,
                            secured=False, data=pci))  # fmt: skip
        line(sk.Event(number=sk.EventNumber.PANA_DONE, sender=lla))

    join()
    side.add_meter(MeterSetup(name="SM-1", pairing_id="IOT00901"))
    side.terminate_session("SM-1", TERMINAL)
    line(sk.Event(number=sk.EventNumber.TERMINATION_DONE, sender=lla))
    for rejoined in (False, True):
        if rejoined:
            join()
        sent = len([c for c in radio.calls if c[0] == "send_udp"])
        with pytest.raises(NotApplicable, match=r"\(the bench ended it\).*\(role injector\)"):
            side.probe_echo("SM-1", TERMINAL, Protection.SECURED)
        assert len([c for c in radio.calls if c[0] == "send_udp"]) == sent  # nothing went out
