"""Link-security state across boundaries (issue 11): the reference terminal keeps its frame
counter through power cycles, the smart meter keeps its replay state per key through new
PANA sessions, and the reference's rescan back-off survives a day of empty scans."""

from __future__ import annotations

import random
import time

import pytest

from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup, Protection
from conformance.observe.monitors import Watched, monitor
from conformance.observe.route_events import FrameDiscarded, TerminalAuthenticated
from conformance.sim.radio import RadioMedium
from conformance.sim.scheduler import Scheduler
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class
from conformance.twin.link import FRAME_COUNTER_RESERVE, FrameCounterStore, LinkLayer
from conformance.twin.terminal.reference import MAX_DOUBLINGS, doubled

DECLARATION = load_declaration()


def _bench(dut: str = "reference", seed: int = 5) -> TwinBench:
    bench = TwinBench(seed=seed, declaration=DECLARATION, dut_factory=terminal_class(dut))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=DECLARATION.credentials.pairing_id))
    return bench


def _terminal_counters(bench: TwinBench) -> list[tuple[float, int]]:
    watched = Watched.of(bench)
    return [
        (f.time, f.counter) for f in watched.terminal_frames if f.counter is not None and not f.retransmission
    ]


def _power_cycles(bench: TwinBench, cycles: int) -> None:
    """Power-ons with a few secured frames (echo replies) in each session."""
    for cycle in range(cycles + 1):
        if cycle:
            bench.terminal.power_off()
            bench.clock.wait(30)
        bench.terminal.power_on()
        bench.clock.wait(60)
        for _ in range(5):
            bench.route.probe_echo("SM-1", DECLARATION.identity.eui64, Protection.SECURED)
            bench.clock.wait(1)


def _echo_replies_after(bench: TwinBench, since: float) -> list:
    return [f for f in bench.route.air.sent_by(DECLARATION.identity.eui64) if f.time > since and f.icmp]


def test_the_store_reserves_ahead_and_a_power_on_resumes_past_every_counter_used() -> None:
    store = FrameCounterStore(ahead=10)
    used = []
    for _ in range(3):  # three power-ons, a few frames each
        link = LinkLayer(
            scheduler=Scheduler(),
            medium=RadioMedium(Scheduler(), random.Random(1)),
            name="t",
            address=bytes(8),
            channel=33,
            rng=random.Random(2),
            frame_counter_store=store,
        )
        used += [link.next_frame_counter() for _ in range(13)]
    assert used == sorted(set(used)), "a counter went back or repeated across power-ons"
    assert store.writes == 6  # one write per ten frames, and one at each power-on
    assert FRAME_COUNTER_RESERVE >= 100


def test_the_reference_never_repeats_a_frame_counter_across_power_cycles() -> None:
    bench = _bench()
    _power_cycles(bench, cycles=3)
    assert len(bench.route.events.of(TerminalAuthenticated)) == 4
    counters = [c for _, c in _terminal_counters(bench)]
    assert len(counters) == 20  # five echo replies in each of four sessions
    assert counters == sorted(set(counters))
    assert monitor("frame-counters").judge(Watched.of(bench)).status == "pass"


def test_a_terminal_that_restarts_its_counter_is_refused_as_a_replay_and_caught_by_the_monitor() -> None:
    bench = _bench("counter-reset-at-power-on")
    _power_cycles(bench, cycles=1)
    # Both sessions authenticated (PANA goes in the clear), but after the power cycle the
    # smart meter still holds the first session's counters under the same group key.
    assert len(bench.route.events.of(TerminalAuthenticated)) == 2
    replays = [e for e in bench.route.events.of(FrameDiscarded) if "replayed frame counter" in e.reason]
    assert replays
    outcome = monitor("frame-counters").judge(Watched.of(bench))
    assert outcome.status == "fail"
    assert "CCM* nonce reuse" in outcome.violations[0].what


def test_the_reference_still_reaches_its_meter_after_a_power_cycle() -> None:
    bench = _bench()
    _power_cycles(bench, cycles=2)
    last_join = bench.route.events.of(TerminalAuthenticated)[-1].time
    assert not [e for e in bench.route.events.of(FrameDiscarded) if "replayed" in e.reason]
    assert len(_echo_replies_after(bench, last_join)) == 5


@pytest.mark.parametrize(
    ("times", "expected"), [(0, 30.0), (1, 60.0), (3, 240.0), (5, 600.0), (10**6, 600.0)]
)
def test_the_back_off_doubles_to_its_cap_and_never_overflows(times: int, expected: float) -> None:
    assert doubled(30.0, times, 600.0) == expected
    assert doubled(1.0, 2000, 60.0) == 60.0  # 2.0 ** 2000 would raise OverflowError
    assert doubled(30.0, MAX_DOUBLINGS + 1, 1e300) == doubled(30.0, MAX_DOUBLINGS, 1e300)


def test_a_day_and_more_of_empty_scans_keeps_the_reference_scanning() -> None:
    """No smart meter answers for 25 h: about 1,300 empty scans, past the 1,024 at which
    2.0 ** n overflowed; the terminal still rescans at the capped pause."""
    bench = TwinBench(seed=2, declaration=DECLARATION, dut_factory=terminal_class("reference"))
    started = time.monotonic()
    bench.terminal.power_on()
    bench.clock.wait(25 * 3600)
    scans_late = [
        f.time for f in bench.route.air.frames()[-200:] if f.is_beacon_request
    ]  # the terminal is still at it at the end
    assert scans_late and scans_late[-1] > 25 * 3600 - 120
    assert time.monotonic() - started < 120
