"""Rig time (rigs/profile/clock.py): wall-clock waits at the rig's pace, bounded, and
tending the rig as they go, so a part that broke ends the wait at once."""

from __future__ import annotations

import math
import time

import pytest

from conformance.errors import BenchError
from rigs import RigError
from rigs.profile.clock import RigClock
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
