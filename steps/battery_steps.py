"""Steps of battery life (features/operations/battery.feature, THK-8-BATT).

The bench samples the rig's power supply (``Terminal.measure_current_a``) over a duty
cycle that includes a join and an upload, weights each reading by the interval it covers
(a supply's integrating meter reads the average since the previous reading; an
instantaneous one is taken for the whole interval) and projects the declared capacity
over that average (conformance/judge/battery.py). THK seed ch. 8: 「電池容量は、各メーターの検定満了までの
期間、機能を維持できること」. A rig without an instrument on the supply is not applicable
(``Terminal.measure_current_a`` says so): the bench never invents a current.
"""

from __future__ import annotations

from dataclasses import replace

from pytest_bdd import given, parsers, then, when

from conformance.errors import NotApplicable, TerminalFailure
from conformance.ics import Battery
from conformance.interfaces import Bench, Evidence
from conformance.judge.battery import average_current_a, battery_life_years
from conformance.measurements import BATTERY_LIFE
from steps.common import first_authentication, terminal_id

Phases = list[tuple[float, float]]  # (duration_s, current_a), in rig time


def _battery(bench: Bench) -> Battery:
    if bench.declaration.battery is None:
        raise NotApplicable("the declaration has no battery: a mains-powered terminal")
    return bench.declaration.battery


def _measure(bench: Bench) -> float:
    return bench.terminal.measure_current_a()


@given("the terminal declares a battery")
def _declares_a_battery(bench: Bench) -> None:
    _battery(bench)


@when(
    parsers.parse(
        "the bench measures the terminal's current every {period:d} seconds for {minutes:d} minutes"
    ),
    target_fixture="current_phases",
)
def _measure_current(bench: Bench, period: int, minutes: int) -> Phases:
    _measure(bench)  # this reading covers the time before the duty cycle: it starts it
    phases: Phases = []
    start = previous = bench.clock.now()
    while previous - start < minutes * 60:
        bench.clock.wait(period)
        now = bench.clock.now()
        phases.append((now - previous, _measure(bench)))
        previous = now
    return phases


@then("the terminal joined and uploaded a value while its current was measured")
def _duty_cycle_had_join_and_upload(bench: Bench) -> None:
    if first_authentication(bench) is None:
        raise TerminalFailure("the terminal never joined while its current was measured")
    if not bench.hes.readings(terminal_id(bench)):
        raise TerminalFailure("the terminal uploaded no value while its current was measured")


@then("the average current projects a battery life of at least the declared years")
def _projected_life(bench: Bench, evidence: Evidence, current_phases: Phases) -> None:
    battery = _battery(bench)
    average = average_current_a(current_phases)
    if average <= 0:
        raise TerminalFailure("the supply read no current at all: is the terminal powered from it?")
    life = battery_life_years(average, battery.capacity_mah)
    limit = replace(BATTERY_LIFE, low=battery.required_years)
    note = f"average {average * 1e6:.1f} uA over {len(current_phases)} readings, {battery.capacity_mah:g} mAh"
    evidence.measure(limit, life, note=note)
