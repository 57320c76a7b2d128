"""Rig time (rigs/profile/clock.py): wall-clock waits at the rig's pace, bounded, and
tending the rig as they go, so a part that broke ends the wait at once."""

from __future__ import annotations

import math
import time

import pytest

from conformance.errors import BenchError
from conformance.sim.timebase import SM_EPOCH_POSIX
from rigs import RigError
from rigs.profile.bench import GRID_S, HilBench
from rigs.profile.clock import LONG_WAIT_S, RigClock
from rigs.profile.rig import pace_of


def test_a_wait_takes_its_rig_seconds_of_wall_time_at_the_rigs_pace():
    for pace, rig_seconds in ((1.0, 0.2), (50.0, 10.0)):
        clock = RigClock(pace=pace)
        started, begun = time.monotonic(), clock.now()
        clock.wait(rig_seconds)
        wall = time.monotonic() - started
        assert rig_seconds / pace <= wall < rig_seconds / pace + 0.1
        assert clock.now() - begun == pytest.approx(wall * pace, rel=0.05)


def test_wait_until_gives_up_after_its_timeout_and_reports_a_condition_as_it_comes():
    clock = RigClock(pace=100.0)
    started = time.monotonic()
    assert clock.wait_until(lambda: False, 30.0) is False
    assert 0.3 <= time.monotonic() - started < 0.45
    deadline = clock.now() + 5.0
    assert clock.wait_until(lambda: clock.now() >= deadline, 60.0) is True
    assert clock.now() - deadline < 2.0


def test_a_wait_tends_the_rig_and_a_broken_part_ends_it_at_once():
    calls = []

    def tend() -> None:
        calls.append(time.monotonic())
        if len(calls) == 3:
            raise RigError("radio on /dev/pts/9", "wait for an event", "port /dev/pts/9 lost")

    clock = RigClock(tend=tend)
    started = time.monotonic()
    with pytest.raises(RigError, match="radio on /dev/pts/9: wait for an event: port /dev/pts/9 lost"):
        clock.wait(600)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("seconds", [math.inf, math.nan])
def test_a_rig_only_waits_a_finite_time(seconds: float):
    with pytest.raises(BenchError, match="a rig only waits a finite time"):
        RigClock().wait(seconds)


def test_only_the_emulated_radio_declares_a_pace():
    assert pace_of("iotroute-bench-emulator/x300") == 300.0
    assert pace_of("iotroute-bench-emulator/x1") == 1.0
    assert pace_of("iotroute-bench-emulator") == 1.0
    assert pace_of("rev1.2.10 x300") == 1.0  # a real module's version string, whatever it says
    assert pace_of(None) == 1.0


def test_a_skip_moves_rig_time_ahead_at_once_and_only_forward():
    tended = []
    clock = RigClock(pace=1.0, tend=lambda: tended.append(True))
    before = clock.now()
    clock.skip(3600.0)
    assert 3600.0 <= clock.now() - before < 3600.5
    assert tended  # what the parts reported is stamped before the jump
    with pytest.raises(BenchError, match="only runs forward"):
        clock.skip(-1.0)


def test_a_long_wait_goes_to_the_scenarios_planner_once_and_a_short_one_does_not():
    clock = RigClock(pace=1000.0)
    planned: list[float] = []

    def planner(seconds: float) -> None:
        planned.append(seconds)
        clock.wait(seconds)  # the planner waits with the clock itself, without coming back here

    clock.long_wait = planner
    clock.wait(LONG_WAIT_S)
    clock.wait(10.0)
    assert planned == [LONG_WAIT_S]
    assert clock.long_wait is planner


def test_the_planner_visits_every_slot_boundary_of_the_sm_calendar_in_a_wait():
    start = 1800.0 * 7 - SM_EPOCH_POSIX % GRID_S  # a rig second on the grid
    boundaries = HilBench._boundaries(start + 10.0, start + 3 * 3600.0)
    assert len(boundaries) == 12 and all((SM_EPOCH_POSIX + b) % GRID_S == 0 for b in boundaries)
    assert boundaries[0] == start + GRID_S and boundaries[-1] == start + 3 * 3600.0
