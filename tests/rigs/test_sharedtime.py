"""The virtual rig clock an emulated rig shares with the bench (rigs/sharedtime.py): rig
time runs at most at the pace, never past the bench's acknowledgement plus the lookahead,
and a stall on either side stops it instead of losing it."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time

import pytest

from conformance.ics import load_declaration
from conformance.twin.faults import REFERENCE, terminal_class
from rigs import sharedtime
from rigs.emulators.endpoints import PtyEndpoint
from rigs.emulators.io_module import IoModule
from rigs.emulators.skstack_module import EmulatedModule
from rigs.emulators.terminal_rig import MaintenanceLine, TerminalRig, serve
from rigs.profile.clock import RigClock
from rigs.profile.rig import pace_of, shared_clock_of
from rigs.sharedtime import (
    ANSWERED_LOOKAHEAD_S,
    EXCHANGE_LOOKAHEAD_S,
    LOOKAHEAD_S,
    MAX_STEP_S,
    RELEASE_AFTER_S,
    SIZE,
    PacedRigTime,
    SharedTime,
)


@pytest.fixture
def segment(tmp_path):
    """The emulator's end and the bench's end of one clock file."""
    emulator = SharedTime.create(tmp_path / "rig.clock")
    bench = SharedTime(tmp_path / "rig.clock")
    yield emulator, bench
    emulator.close()
    bench.close()


def test_both_ends_read_what_the_other_wrote(segment):
    emulator, bench = segment
    assert (bench.rig_time, emulator.acknowledged) == (0.0, 0.0)
    emulator.publish(12.345678901)
    bench.acknowledge(10.5)
    assert bench.rig_time == pytest.approx(12.345678901, abs=1e-9)
    assert emulator.acknowledged == 10.5
    bench.acknowledge(3.0)  # an acknowledgement never goes back
    assert emulator.acknowledged == 10.5


def test_a_file_that_is_not_a_clock_is_refused(tmp_path):
    (tmp_path / "short").write_bytes(b"\0" * (SIZE - 1))
    with pytest.raises(ValueError, match="not a shared rig clock"):
        SharedTime(tmp_path / "short")


def test_rig_time_stands_still_until_started_then_runs_at_most_at_the_pace(segment):
    emulator, bench = segment
    paced = PacedRigTime(emulator, pace=100.0)
    assert paced.advance(5.0) == 0.0  # the host has not spoken to the radio yet
    paced.start(10.0)
    bench.acknowledge(1000.0)  # a bench that keeps up
    assert paced.advance(10.01) == pytest.approx(1.0)
    assert paced.advance(10.02) == pytest.approx(2.0)
    assert bench.rig_time == pytest.approx(2.0)


def test_a_bench_that_does_not_acknowledge_stops_rig_time_a_lookahead_past_its_last_word(segment):
    emulator, bench = segment
    paced = PacedRigTime(emulator, pace=300.0)
    paced.start(0.0)
    bench.acknowledge(1.0)
    wall = 0.0
    for _ in range(50):  # half a wall second at x300 would be 150 rig seconds
        wall += 0.01
        paced.advance(wall)
    assert paced.now == pytest.approx(1.0 + LOOKAHEAD_S)
    bench.acknowledge(paced.now)
    wall += 0.01
    assert paced.advance(wall) == pytest.approx(1.0 + LOOKAHEAD_S + min(3.0, MAX_STEP_S))


def test_a_host_that_never_tends_gets_rig_time_at_the_wall_clocks_rate_after_a_while(segment):
    """rigs.check, or a round trip in wall time, must not wait for rig time forever."""
    emulator, bench = segment
    paced = PacedRigTime(emulator, pace=300.0)
    paced.start(0.0)
    wall = 0.0
    while wall < RELEASE_AFTER_S - 0.02:
        wall += 0.01
        paced.advance(wall)
    assert paced.now == pytest.approx(LOOKAHEAD_S)
    for _ in range(100):  # one more wall second: one more rig second, not 300
        wall += 0.01
        paced.advance(wall)
    assert paced.now == pytest.approx(LOOKAHEAD_S + 1.0, abs=0.05)
    bench.acknowledge(paced.now)  # the bench is back: the pace again
    wall += 0.005
    assert paced.advance(wall) == pytest.approx(LOOKAHEAD_S + 1.0 + 1.5, abs=0.05)


def test_a_stalled_emulator_loses_at_most_one_step_not_its_pace_times_the_stall(segment):
    emulator, bench = segment
    paced = PacedRigTime(emulator, pace=300.0)
    paced.start(0.0)
    bench.acknowledge(1e6)
    assert paced.advance(5.0) == pytest.approx(MAX_STEP_S)  # five wall seconds without CPU


def test_the_bench_clock_reads_the_shared_time_and_acknowledges_as_it_tends(segment):
    emulator, bench = segment
    clock = RigClock(pace=300.0)
    clock.share(bench)
    emulator.publish(42.0)
    assert clock.now() == 42.0
    clock.skipped = 100.0
    assert clock.now() == 142.0
    rounds = []
    clock.tended(lambda: rounds.append(emulator.acknowledged))
    assert rounds == [0.0]  # during the round, nothing was taken in yet
    assert emulator.acknowledged == 42.0  # after it, everything up to the reading before it


def test_an_arrival_gets_the_rig_time_of_its_moment_between_two_readings(segment):
    emulator, bench = segment
    clock = RigClock()
    clock.share(bench)
    emulator.publish(10.0)
    clock.now()
    between = time.monotonic()
    time.sleep(0.01)
    emulator.publish(20.0)
    clock.now()
    assert 10.0 <= clock.at(between) <= 20.0
    assert clock.at(0.0) == 10.0  # older than every reading kept: the oldest
    emulator.publish(30.0)
    assert 20.0 <= clock.at(time.monotonic()) <= 30.0  # newer than every reading: read again


def test_a_wait_on_a_shared_clock_ends_when_the_emulator_has_run_its_rig_seconds(segment, tmp_path):
    """The emulator in a process of its own, paced at x100: a 3 s wait takes about 30 ms of
    wall time; with a bench that never acknowledged, it would never end."""
    _, bench = segment
    script = (
        "import sys, time\n"
        "from rigs.sharedtime import PacedRigTime, SharedTime\n"
        "paced = PacedRigTime(SharedTime(sys.argv[1]), pace=100.0)\n"
        "paced.start(time.monotonic())\n"
        "end = time.monotonic() + 20\n"
        "while time.monotonic() < end and paced.now < 10:\n"
        "    time.sleep(0.002)\n"
        "    paced.advance(time.monotonic())\n"
    )
    emulator = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "rig.clock")])
    try:
        clock = RigClock(pace=100.0)
        clock.share(bench)
        start = clock.now()
        clock.wait(3.0)
        assert clock.now() - start >= 3.0
        assert bench.acknowledged >= start + 3.0 - LOOKAHEAD_S
    finally:
        emulator.wait(timeout=30)


def test_only_the_emulated_radio_shares_a_clock():
    version = "iotroute-bench-emulator/x300+clock:/tmp/iotroute-air-x/rig.clock"
    assert pace_of(version) == 300.0
    assert shared_clock_of(version) == "/tmp/iotroute-air-x/rig.clock"
    assert shared_clock_of("iotroute-bench-emulator/x300") is None
    assert shared_clock_of("rev1.2.10+clock:/tmp/x") is None  # a real module's, whatever it says
    assert shared_clock_of(None) is None


def test_a_host_waiting_on_a_radio_exchange_lets_the_rig_run_on_until_it_acknowledges(segment):
    """SKSENDTO's EVENT 21 may need rig time (CSMA-CA under a jammer): the bench waits for
    it in wall time, after the acknowledgement it made before the call."""
    emulator, bench = segment
    paced = PacedRigTime(emulator, pace=300.0)
    paced.start(0.0)
    bench.acknowledge(0.5)
    paced.host_spoke()
    wall = 0.0
    for _ in range(50):
        wall += 0.01
        paced.advance(wall)
    assert paced.now == pytest.approx(0.5 + EXCHANGE_LOOKAHEAD_S)
    bench.acknowledge(paced.now)  # answered: held by the lookahead again
    for _ in range(50):
        wall += 0.01
        paced.advance(wall)
    assert paced.now == pytest.approx(0.5 + EXCHANGE_LOOKAHEAD_S + LOOKAHEAD_S)


def test_after_a_maintenance_answer_the_rig_waits_for_the_bench_to_read_the_time(segment):
    """The bench stamps a maintenance answer (an LED sample, NAT-2.5-LED) with the rig time
    it reads once the answer is in: a rig that ran on to the lookahead meanwhile made a
    "blinking" answered before the join look 5 s later, after it."""
    emulator, bench = segment
    paced = PacedRigTime(emulator, pace=300.0)
    paced.start(0.0)
    paced.advance(0.001)  # 0.3 rig s: the terminal answers the bench's LED? now
    bench.acknowledge(0.1)  # what the bench read before it asked
    answered = paced.now
    paced.host_answered()
    wall = 0.001
    for _ in range(50):  # the bench waits for a CPU before it reads the answer
        wall += 0.01
        paced.advance(wall)
        assert paced.held
    assert paced.now == pytest.approx(answered + ANSWERED_LOOKAHEAD_S)
    assert bench.rig_time - answered <= ANSWERED_LOOKAHEAD_S + 1e-9  # the sample's stamp
    bench.acknowledge(bench.rig_time)  # it read the time and tended: the pace again
    wall += 0.01
    # A round of 0.01 wall s at x300, no more than a round may move.
    assert paced.advance(wall) == pytest.approx(answered + ANSWERED_LOOKAHEAD_S + min(3.0, MAX_STEP_S))


def test_a_maintenance_answer_at_the_acknowledged_time_holds_the_rig_only_until_the_next_round(segment):
    """A bench whose last acknowledgement is the answer's own rig time acknowledges past it
    once the rig has moved the few hundredths it may: no wall second lost to the release."""
    emulator, bench = segment
    paced = PacedRigTime(emulator, pace=300.0)
    paced.start(0.0)
    paced.advance(0.001)
    bench.acknowledge(paced.now)
    paced.host_answered()
    paced.advance(0.011)
    bench.acknowledge(bench.rig_time)
    assert paced.advance(0.021) == pytest.approx(bench.acknowledged + min(3.0, MAX_STEP_S))


class _NoLan:
    """A home LAN bridge with nobody on it (``serve`` only reads its socket)."""

    def __init__(self) -> None:
        self.socket, self._peer = socket.socketpair()

    def sync_ports(self) -> None:
        pass

    def read(self) -> None:
        pass

    def close(self) -> None:
        self.socket.close()
        self._peer.close()


def test_the_emulated_radio_answers_a_command_while_rig_time_is_held(tmp_path, monkeypatch):
    """Only the twins' time waits for the bench's acknowledgement, never a command's answer:
    the host's round trip is bounded on the wall clock (2 s, rigs/drivers/skstackradio.py).
    The bench here never acknowledges and never lets rig time go at x1: every answer must
    come while rig time stands at the most it may run past the last acknowledgement."""
    monkeypatch.setattr(sharedtime, "RELEASE_AFTER_S", float("inf"))
    module = EmulatedModule(
        seed=1, declaration=load_declaration(None), dut=terminal_class(REFERENCE), power_on_delay_s=None
    )
    lan = _NoLan()
    rig = TerminalRig(module, io=IoModule(), bridge=lan)  # type: ignore[arg-type]
    radio, console = PtyEndpoint(), PtyEndpoint()
    emulator = SharedTime.create(tmp_path / "rig.clock")
    bench = SharedTime(tmp_path / "rig.clock")
    answers: list[tuple[float, float, bytes]] = []  # (rig time when answered, wall seconds, answer)
    host = os.open(radio.address, os.O_RDWR | os.O_NOCTTY)

    def ask() -> None:
        for _ in range(3):
            time.sleep(0.1)  # rig time runs to the exchange's lookahead and stays there
            written = time.monotonic()
            os.write(host, b"SKVER\r\n")
            got = b""
            while b"OK\r\n" not in got and time.monotonic() - written < 10.0:
                if select.select([host], [], [], 0.05)[0]:
                    got += os.read(host, 4096)
            answers.append((bench.rig_time, time.monotonic() - written, got))

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        serve(
            rig,
            radio,
            MaintenanceLine(console, rig.current_terminal),
            pace=300.0,
            shared=emulator,
            until=lambda: not asker.is_alive(),
        )
    finally:
        asker.join()
        os.close(host)
        for part in (radio, console, lan, emulator, bench):
            part.close()
    assert [b"EVER" in got and got.endswith(b"OK\r\n") for _, _, got in answers] == [True] * 3
    # The first word started rig time and was answered before the twins' time moved on; the
    # others came while it stood still.
    assert answers[0][0] < EXCHANGE_LOOKAHEAD_S
    assert [rig_time for rig_time, _, _ in answers[1:]] == [pytest.approx(EXCHANGE_LOOKAHEAD_S)] * 2
    assert all(took < 2.0 for _, took, _ in answers), answers  # the driver's round trip
