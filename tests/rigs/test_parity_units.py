"""The parity test's own arithmetic (``tests/rigs/profile/parity.py``), in ``make test``: how
verdicts are compared scenario by scenario and how the hosted faults are picked from the
twin's verdicts. The long test itself (``tests/rigs/profile/test_parity.py``) runs in
``make parity``."""

from __future__ import annotations

import pytest

from conformance.twin.faults import FAULTS, REFERENCE
from reports.traceability import Scenario, feature_scenarios
from tests.rigs.profile.conftest import ROOT
from tests.rigs.profile.parity import (
    NOT_APPLICABLE,
    NOT_HOSTED,
    by_scenario,
    differences,
    failed_on_the_twin,
    is_slow,
    pick_faults,
    selection,
)

FEATURE = "features/join/join.feature"
A, B, C = (
    Scenario(name=n, feature=FEATURE, requirements=("NAT-2.3-B",)) for n in ("Scan A", "Scan B", "Scan C")
)
FIRST, SECOND = sorted(FAULTS)[:2]


def verdict(dut: str, scenario: Scenario, result: str) -> dict:
    return {"dut": dut, "scenario": scenario.name, "feature": scenario.feature, "verdict": result}


def test_an_outline_s_examples_of_one_name_are_compared_one_by_one():
    join = "The terminal is authenticated within 90 seconds of power-on"  # loss 0 %, then 30 %
    twin = by_scenario([{"scenario": join, "verdict": "fail"}, {"scenario": join, "verdict": "fail"}])
    hil = by_scenario([{"scenario": join, "verdict": "pass"}, {"scenario": join, "verdict": NOT_APPLICABLE}])
    assert differences("joins-late", twin, hil) == [(join, f"joins-late: {join}: twin fail, rig pass")]


def test_a_fault_covers_the_scenarios_it_failed_on_the_twin_not_those_of_its_requirements():
    twin = [
        verdict(REFERENCE, A, "fail"),  # the reference's verdicts pick nothing
        verdict(FIRST, A, "pass"),  # violates A's requirement, but passed it at the seed
        verdict(FIRST, B, "fail"),
        verdict(SECOND, A, "fail"),
        verdict(SECOND, B, "fail"),
        verdict(SECOND, C, "pass"),
    ]
    assert failed_on_the_twin([A, B, C], twin) == {FIRST: [B], SECOND: [A, B]}
    picked, unfailed = pick_faults([A, B, C], twin)
    assert picked == {SECOND: [A, B]}
    assert unfailed == [C]


def test_greedy_picking_takes_the_fault_that_fails_most_first_and_stops_when_all_are_covered():
    twin = [verdict(FIRST, A, "fail"), verdict(SECOND, A, "fail"), verdict(SECOND, C, "fail")]
    twin += [verdict(FIRST, B, "fail")]
    picked, unfailed = pick_faults([A, B, C], twin)
    assert picked == {FIRST: [A, B], SECOND: [C]}
    assert unfailed == []


def test_a_fault_the_emulated_rig_cannot_host_is_never_picked(monkeypatch: pytest.MonkeyPatch):
    twin = [verdict(FIRST, A, "fail"), verdict(FIRST, B, "fail"), verdict(SECOND, A, "fail")]
    assert pick_faults([A, B], twin) == ({FIRST: [A, B]}, [])
    monkeypatch.setitem(NOT_HOSTED, FIRST, "a reason")
    assert pick_faults([A, B], twin) == ({SECOND: [A]}, [B])


def test_an_outline_is_covered_by_a_fault_that_failed_one_of_its_examples():
    outline = Scenario(name="Scan on channel <channel>", feature=FEATURE, requirements=("NAT-2.3-A",))
    twin = [verdict(FIRST, A, "pass")]
    twin += [{"dut": FIRST, "scenario": "Scan on channel 60", "feature": FEATURE, "verdict": "fail"}]
    assert pick_faults([outline], twin) == ({FIRST: [outline]}, [])


def test_the_selection_names_each_scenario_s_test_and_the_slow_ones_are_told_apart():
    scenarios = {s.name: s for s in feature_scenarios(ROOT / "features")}
    alone = scenarios[
        "Alone with a smart meter of another Pairing ID, the terminal never authenticates with it"
    ]
    assert selection([alone, alone]) == (
        "test_alone_with_a_smart_meter_of_another_pairing_id_the_terminal_never_authenticates_with_it"
    )
    assert not is_slow("The terminal is authenticated within 90 seconds of power-on")
    assert any(is_slow(name) for name in scenarios)
