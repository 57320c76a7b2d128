"""The flood generators (``twin/floods.py``), the reference terminal's DoS detector behind
them, the pulsed jammer and the meter's channel hop, and the HES telling event
notifications from meter reports."""

from __future__ import annotations

import functools
import itertools
import random

import pytest

from conformance.errors import BenchError
from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup, MeterSpec
from conformance.observe.hes_events import (
    EventReported,
    HesEventLog,
    MalformedApplicationData,
    UploadReceived,
)
from conformance.observe.route_events import TerminalAuthenticated
from conformance.protocols import dlms, echonet, pana, sixlowpan, wpan
from conformance.protocols.dlms import JST
from conformance.protocols.dlms import events as dlms_events
from conformance.protocols.errors import ProtocolError
from conformance.protocols.maintenance import parse_log
from conformance.sim.radio import RadioMedium, airtime_s
from conformance.sim.scheduler import Scheduler
from conformance.sim.timebase import sm_datetime
from conformance.stimulus import floods
from conformance.stimulus.floods import FrameFlood, HomeFlood, Target
from conformance.twin.bench import TwinBench, VirtualClock
from conformance.twin.faults import terminal_class
from conformance.twin.hes.metering import HesMetering
from conformance.twin.hes.reading_store import ReadingStore
from conformance.twin.terminal.functions.dos_detector import QUIET_S, THRESHOLD, WINDOW_S

TERMINAL = bytes.fromhex("001D129F35000A01")
METER = bytes.fromhex("0212340000000001")
TARGET = Target(terminal=TERMINAL, meter=METER, pan_id=0x1000, key_index=1)
NETWORK_KEY = bytes(range(16))


def flood(kind: FrameFlood, count: int = 40, seed: int = 1) -> list[bytes]:
    return floods.iot_flood(kind, count, TARGET, random.Random(seed))


# -- the frames -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(FrameFlood))
def test_a_flood_has_the_count_asked_all_aimed_at_the_terminal_and_no_two_in_a_row_alike(
    kind: FrameFlood,
) -> None:
    frames = flood(kind, 600)  # more than the pool: copies are renumbered
    assert len(frames) == 600
    assert all(a != b for a, b in itertools.pairwise(frames))
    for raw in frames:
        assert raw[-2:] == wpan.compute_fcs(raw[:-2])  # a good FCS: the receiver parses it
        try:
            frame = wpan.decode(raw)
        except ProtocolError:
            continue  # a cut MAC header: malformed on purpose
        assert frame.dst_addr == TERMINAL and frame.dst_pan == TARGET.pan_id
        assert not frame.ack_request  # a flooder does not make the terminal answer each frame


def test_a_flood_is_the_same_for_the_same_seed() -> None:
    assert flood(FrameFlood.MIXED, 50, seed=7) == flood(FrameFlood.MIXED, 50, seed=7)
    assert flood(FrameFlood.MIXED, 50, seed=7) != flood(FrameFlood.MIXED, 50, seed=8)


def test_plaintext_frames_carry_udp_in_the_clear_from_the_meter_and_from_strangers() -> None:
    sources = set()
    for raw in flood(FrameFlood.PLAINTEXT):
        frame = wpan.decode(raw)
        assert frame.security is None
        packet = sixlowpan.decode_udp(frame.payload, src_mac=frame.src_addr, dst_mac=TERMINAL)
        assert packet.dst_port == dlms.DLMS_PORT
        sources.add(frame.src_addr == METER)
    assert sources == {True, False}


def test_bad_mic_frames_claim_the_meter_and_the_key_in_use_but_do_not_verify() -> None:
    counters = []
    for raw in flood(FrameFlood.BAD_MIC):
        frame = wpan.decode(raw)
        assert frame.src_addr == METER and frame.security is not None
        assert frame.security.key_index == TARGET.key_index
        counters.append(frame.security.frame_counter)
        with pytest.raises(ProtocolError):
            wpan.unsecure(raw, NETWORK_KEY)
    assert counters == sorted(counters) and len(set(counters)) == len(counters)  # fresh, not replays


def test_pana_requests_open_authentications_from_strangers() -> None:
    for raw in flood(FrameFlood.PANA):
        frame = wpan.decode(raw)
        assert frame.src_addr not in (METER, TERMINAL) and frame.security is None
        packet = sixlowpan.decode_udp(frame.payload, src_mac=frame.src_addr, dst_mac=TERMINAL)
        message = pana.decode(packet.payload)
        assert packet.dst_port == pana.PANA_PORT
        assert message.message_type is pana.MessageType.AUTH
        assert message.flags & pana.Flag.REQUEST and message.flags & pana.Flag.START


def test_malformed_frames_fail_to_decode_at_one_layer_or_another() -> None:
    for raw in flood(FrameFlood.MALFORMED):
        with pytest.raises(ProtocolError):
            frame = wpan.decode(raw)
            sixlowpan.decode_ipv6(frame.payload, src_mac=frame.src_addr, dst_mac=TERMINAL)


def test_the_mixed_flood_holds_every_kind_in_turn() -> None:
    frames = flood(FrameFlood.MIXED, 8)
    for plaintext, bad_mic, pana_request, malformed in (frames[0:4], frames[4:8]):
        assert wpan.decode(plaintext).security is None
        assert wpan.decode(bad_mic).security is not None
        frame = wpan.decode(pana_request)
        packet = sixlowpan.decode_udp(frame.payload, src_mac=frame.src_addr, dst_mac=TERMINAL)
        assert packet.dst_port == pana.PANA_PORT
        with pytest.raises(ProtocolError):
            frame = wpan.decode(malformed)
            sixlowpan.decode_ipv6(frame.payload, src_mac=frame.src_addr, dst_mac=TERMINAL)


def test_rates_beyond_half_the_channel_are_refused() -> None:
    frames = flood(FrameFlood.PLAINTEXT, 30)
    mean_airtime = sum(airtime_s(len(f)) for f in frames) / len(frames)
    assert floods.channel_share(frames, 50) == pytest.approx(50 * mean_airtime)
    assert floods.check_rate(frames, 50) < floods.MAX_CHANNEL_SHARE
    too_fast = floods.MAX_CHANNEL_SHARE / mean_airtime * 1.01
    with pytest.raises(BenchError, match="of the 100 kb/s channel"):
        floods.check_rate(frames, too_fast)


def test_home_floods() -> None:
    requests = floods.home_flood(HomeFlood.ECHONET, 50, ports=[echonet.ECHONET_PORT], rng=random.Random(1))
    assert {d.dst_port for d in requests} == {echonet.ECHONET_PORT}
    decoded = [echonet.decode(d.payload) for d in requests]
    assert all(frame.esv.is_request for frame in decoded)
    assert {frame.esv for frame in decoded} >= {echonet.Esv.GET, echonet.Esv.SETC, echonet.Esv.SETGET}
    noise = floods.home_flood(HomeFlood.UDP, 10, ports=[echonet.ECHONET_PORT, 4000], rng=random.Random(1))
    assert [d.dst_port for d in noise[:4]] == [echonet.ECHONET_PORT, 4000, echonet.ECHONET_PORT, 4000]
    with pytest.raises(BenchError, match="port"):
        floods.home_flood(HomeFlood.UDP, 10, ports=[], rng=random.Random(1))


def test_pace_sends_at_the_rate_on_the_clock() -> None:
    scheduler = Scheduler()
    clock = VirtualClock(scheduler)
    sent: list[float] = []
    run = floods.pace(clock, list(range(100)), lambda item: sent.append(scheduler.now), rate=20)
    assert sent[:3] == pytest.approx([0.0, 0.05, 0.10])
    assert (run.sent, run.started, run.ended) == (100, 0.0, pytest.approx(5.0))
    with pytest.raises(BenchError):
        floods.pace(clock, [1], lambda item: None, rate=0)


class SlowSendClock:
    """A rig's clock as the flood sees it: sending an item takes ``cost`` of its time."""

    def __init__(self, cost: float) -> None:
        self.time, self.cost = 0.0, cost

    def now(self) -> float:
        return self.time

    def wait(self, seconds: float) -> None:
        self.time += seconds


def test_pace_keeps_the_rate_on_a_clock_that_runs_on_while_it_sends() -> None:
    for cost in (0.01, 0.12):  # a fifth of the period, and more than two periods
        clock = SlowSendClock(cost)
        sent: list[float] = []

        def send(item: int, clock: SlowSendClock = clock, sent: list[float] = sent) -> None:
            sent.append(clock.time)
            clock.time += clock.cost

        run = floods.pace(clock, list(range(100)), send, rate=20)
        rate = (len(sent) - 1) / (sent[-1] - sent[0])
        # The declared rate while sending is cheaper than the period; as fast as sending
        # goes when it is dearer (a rig slower than its flood says so in the run's rate).
        assert rate == pytest.approx(min(20, 1 / cost), rel=0.01)
        assert run.sent == 100


# -- against the reference terminal twin ---------------------------------------------------


def metering_bench(dut: str = "reference", *, seed: int = 1, session_lifetime_s: int = 86400) -> TwinBench:
    declaration = load_declaration()
    bench = TwinBench(seed=seed, declaration=declaration, dut_factory=terminal_class(dut))
    pairing_id = declaration.credentials.pairing_id
    bench.route.add_meter(
        MeterSetup(name="SM-1", pairing_id=pairing_id, session_lifetime_s=session_lifetime_s)
    )
    spec = MeterSpec(device_id=bytes.fromhex("FE0011223344AA01"))
    bench.home.install_meter(spec)
    bench.hes.commission(declaration.credentials.authentication_id, spec.device_id, 1800)
    bench.terminal.power_on()
    bench.clock.wait(60)
    return bench


def target_of(bench: TwinBench) -> Target:
    return floods.sniff_target(
        bench.route.air, terminal=bench.declaration.identity.eui64, meter=bench.route.meter_address("SM-1")
    )


def inject(bench: TwinBench, kind: FrameFlood, count: int, rate: float) -> floods.FloodRun:
    frames = floods.iot_flood(kind, count, target_of(bench), random.Random(count))
    return floods.pace(bench.clock, frames, functools.partial(bench.route.inject, meter="SM-1"), rate=rate)


def dos_reports(bench: TwinBench) -> list[EventReported]:
    return [e for e in bench.hes.events.of(EventReported) if e.event_kind == "dos-detected"]


def test_the_target_is_sniffed_from_the_meters_frames() -> None:
    bench = metering_bench()
    target = target_of(bench)
    meter = bench.route.meters["SM-1"]
    assert (target.pan_id, target.key_index) == (meter.config.pan_id, meter.group_key_index)
    with pytest.raises(BenchError, match="no secured frame"):
        floods.sniff_target(bench.route.air, terminal=TERMINAL, meter=bytes(8))


def test_the_terminals_home_address_is_whoever_asked_the_meter() -> None:
    bench = metering_bench()
    address = floods.terminal_home_address(bench.home.traffic, bench.home.meter_address)
    assert address != bench.home.meter_address
    with pytest.raises(BenchError):
        floods.terminal_home_address([], bench.home.meter_address)


def test_a_flood_is_reported_once_to_the_hes_and_in_the_event_log_and_again_after_a_quiet_spell() -> None:
    bench = metering_bench()
    first = inject(bench, FrameFlood.BAD_MIC, 600, rate=20)  # 30 s
    bench.clock.wait(QUIET_S + 60)  # the backhaul delivers; the episode ends
    reports = dos_reports(bench)
    assert len(reports) == 1
    # THRESHOLD frames at 20 a second: detected after (THRESHOLD - 1) / 20 s, plus the backhaul.
    assert first.started + (THRESHOLD - 1) / 20 <= reports[0].time <= first.started + 40
    assert "IoT route" in reports[0].detail and "security check failed" in reports[0].detail
    inject(bench, FrameFlood.PANA, 300, rate=20)
    bench.clock.wait(60)
    assert len(dos_reports(bench)) == 2
    log = parse_log(bench.terminal.maintenance.command("LOG? event"))
    assert [e.kind for e in log].count("dos-detected") == 2


def test_traffic_below_the_threshold_is_no_attack() -> None:
    bench = metering_bench()
    inject(bench, FrameFlood.PLAINTEXT, THRESHOLD * 3, rate=THRESHOLD / WINDOW_S * 0.9)
    bench.clock.wait(60)
    assert dos_reports(bench) == []


def test_a_home_side_flood_is_reported() -> None:
    bench = metering_bench()
    rogue = bench.home.add_rogue()
    address = floods.terminal_home_address(bench.home.traffic, bench.home.meter_address)
    datagrams = floods.home_flood(HomeFlood.UDP, 300, ports=[echonet.ECHONET_PORT], rng=random.Random(3))
    floods.pace(
        bench.clock, datagrams, lambda d: rogue.send(d.payload, dst=address, dst_port=d.dst_port), rate=30
    )
    bench.clock.wait(60)
    (report,) = dos_reports(bench)
    assert report.detail.startswith("home side")


def test_a_detection_off_the_network_reaches_the_hes_after_the_next_join() -> None:
    declaration = load_declaration()
    bench = TwinBench(seed=2, declaration=declaration, dut_factory=terminal_class("reference"))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=declaration.credentials.pairing_id))
    terminal_id, password = declaration.credentials.authentication_id, declaration.credentials.password
    bench.route.provision(terminal_id, "not the terminal's password")
    bench.hes.commission(terminal_id, bytes.fromhex("FE0011223344AA01"), 1800)
    bench.terminal.power_on()
    bench.clock.wait(15)  # refused; backing off on the meter's channel
    target = Target(terminal=TERMINAL, meter=bench.route.meter_address("SM-1"), pan_id=0x1000, key_index=1)
    frames = floods.iot_flood(FrameFlood.PLAINTEXT, 200, target, random.Random(2))
    run = floods.pace(bench.clock, frames, functools.partial(bench.route.inject, meter="SM-1"), rate=20)
    assert dos_reports(bench) == []
    bench.route.provision(terminal_id, password.get_secret_value())
    bench.clock.wait(600)
    (report,) = dos_reports(bench)
    joined = bench.route.events.of(TerminalAuthenticated, terminal=TERMINAL)
    assert joined and report.time > joined[0].time > run.ended
    assert report.terminal_time < sm_datetime(joined[0].time)  # stamped when it happened


def test_metering_goes_on_through_a_flood() -> None:
    bench = metering_bench()
    bench.clock.wait(1800 - 60 - bench.clock.now() % 1800)  # a minute before a slot
    inject(bench, FrameFlood.MIXED, 6000, rate=50)
    bench.clock.wait(1800)
    held = {r.capture_time for r in bench.hes.readings(bench.declaration.credentials.authentication_id)}
    assert len(held) == len(bench.hes.events.of(UploadReceived)) >= 2


# -- interference -----------------------------------------------------------------------------


def test_a_pulsed_jammer_destroys_about_its_duty_of_the_frames() -> None:
    scheduler = Scheduler()
    medium = RadioMedium(scheduler, random.Random(5))
    heard: list[bytes] = []
    sender = medium.attach("a", lambda *frame: None, channel=40)
    medium.attach("b", lambda frame, rssi, channel: heard.append(frame), channel=40)
    medium.jam(40, duty=0.3)
    for n in range(2000):
        sender.transmit(n.to_bytes(2, "big"))
        scheduler.run_until(scheduler.now + 0.01)
    assert 0.66 < len(heard) / 2000 < 0.74
    medium.unjam(40)
    sender.transmit(b"through")
    scheduler.run_until(scheduler.now + 0.01)
    assert heard[-1] == b"through"
    with pytest.raises(BenchError, match="duty"):
        medium.jam(40, duty=0.0)


@pytest.mark.parametrize(("dut", "follows"), [("reference", True), ("never-rescans", False)])
def test_a_meter_that_hops_away_is_found_again_by_a_terminal_that_rescans(dut: str, follows: bool) -> None:
    bench = metering_bench(dut, session_lifetime_s=3600)
    channel = bench.route.jam("SM-1")
    moved = bench.route.move_meter("SM-1")
    assert moved != channel and bench.route.meters["SM-1"].channel == moved
    hopped_at = bench.clock.now()
    # The terminal notices when its session renewal (at 80 % of the hour) goes unanswered.
    bench.clock.wait(2 * 3600)
    again = [e for e in bench.route.events.of(TerminalAuthenticated, terminal=TERMINAL) if e.time > hopped_at]
    assert bool(again) is follows


# -- the HES ------------------------------------------------------------------------------


def test_the_hes_records_an_event_notification_as_an_event_not_a_report() -> None:
    scheduler = Scheduler()
    events = HesEventLog()
    hes = HesMetering(scheduler=scheduler, store=ReadingStore(), events=events, send=lambda t, a: True)
    terminal = "00112233445566778899AABBCCDDEEFF"
    hes.commission(terminal, bytes.fromhex("FE0011223344AA01"), 1800)
    when = sm_datetime(0).astimezone(JST)
    report = dlms_events.EventReport(kind="dos-detected", detail="home side: 100 unwanted", time=when)
    apdu = dlms_events.event_notification(report, invoke_id=1, sent=when)
    hes.receive(terminal, dlms.wrap(dlms.encode(apdu)))
    (event,) = events.of(EventReported)
    assert (event.event_kind, event.code, event.detail, event.terminal_time) == (
        "dos-detected",
        1,
        "home side: 100 unwanted",
        when,
    )
    assert events.of(UploadReceived) == [] and hes.store.readings(terminal) == []
    bad = dlms.DataNotification(
        invoke_id=2,
        date_time=None,
        body=dlms.structure(dlms.octet_string(bytes((0, 0, 96, 11, 0, 255))), dlms.unsigned(1)),
    )
    hes.receive(terminal, dlms.wrap(dlms.encode(bad)))
    (finding,) = events.of(MalformedApplicationData)
    assert "unusable event notification" in finding.reason
