"""The detection matrix: every feature against the reference terminal twin and every
faulty twin, over 20 seeds (DESIGN.md rule 4: every scenario can fail).

It runs the real feature files in a separate pytest process, exactly as a user would
with ``--dut all --seeds 20``, and judges the verdicts that process recorded: per
requirement (each fault is caught where it breaks one) and per scenario (each scenario is
failed by some fault, ``seeds_no_fault_fails``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from conformance.observe.monitors import parse_verdict_name, verdict_name
from conformance.twin.faults import FAULTS, REFERENCE
from fixtures.verdicts import Verdict, matrix_lines

ROOT = Path(__file__).resolve().parents[2]
SEEDS = 20
# pytest-xdist runs the matrix's scenarios in this many processes (each scenario on its own
# seeded twins, so its verdict does not depend on the process); the verdicts file lists them
# in collection order whatever the number.
WORKERS = max(1, min(4, os.cpu_count() or 1))
# A bound against a hung run, not a speed target (make benchmarks measures the matrix): on a
# machine shared with other work the matrix can take several times its usual time.
TIMEOUT_S = 2400
# The matrix is the one long CPU-bound job of `make test`; beside it, the emulated-rig tests
# (tests/rigs/profile) time the wall clock. At a lower priority it takes the CPU they leave.
NICENESS = 10


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> list[Verdict]:
    folder = tmp_path_factory.mktemp("matrix")
    out, log = folder / "verdicts.json", folder / "matrix.log"
    command = [
        sys.executable, "-m", "pytest", "features", "--dut", "all", "--seeds", str(SEEDS),
        "-n", str(WORKERS), "--dist", "load", "-q", "--tb=no", "-p", "no:cacheprovider",
        "--verdicts-json", str(out),
    ]  # fmt: skip
    # Without this run's own variables (an xdist worker's among them).
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    with log.open("w") as output:
        # A process group of its own, so a run that outlives its bound goes with all its
        # workers. Not a session of its own: where Linux groups processes by session for
        # the scheduler (autogroup, /proc/sys/kernel/sched_autogroup_enabled), niceness only
        # orders processes within one session, and a new session is weighted as much as all
        # the rest together; the emulated-rig tests beside it lost half the CPU to it.
        matrix = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=lambda: os.nice(NICENESS),
        )
        try:
            matrix.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the matrix did not finish within {TIMEOUT_S} s:\n{log.read_text()[-4000:]}")
        finally:  # a timeout, or this run interrupted
            if matrix.poll() is None:
                os.killpg(matrix.pid, signal.SIGKILL)
                matrix.wait()
    if not out.exists():
        pytest.fail(f"the matrix wrote no verdicts:\n{log.read_text()[-4000:]}")
    recorded = [
        Verdict(**{**v, "requirements": tuple(v["requirements"])}) for v in json.loads(out.read_text())
    ]
    print("\n".join(matrix_lines(recorded)))
    return recorded


def test_the_reference_twin_passes_every_scenario_for_every_seed(verdicts: list[Verdict]) -> None:
    reference = [v for v in verdicts if v.dut == REFERENCE]
    assert reference, "the matrix ran no reference scenario"
    assert {v.seed for v in reference} == set(range(1, SEEDS + 1))
    # A scenario whose every requirement is judged on rigs only may be not applicable here.
    hil_only = [v for v in reference if not twin_checkable(v.requirements)]
    assert all(v.verdict == "not applicable" for v in hil_only), hil_only[:3]
    bad = [
        f"{v.scenario}: {v.verdict} {v.message}"
        for v in reference
        if v.verdict != "pass" and v not in hil_only
    ]
    assert not bad, "\n".join(bad)


def twin_checkable(requirements: tuple[str, ...]) -> list[str]:
    """The requirements the twin profile can judge; a HIL-only one (THK-8-BATT: a current
    measured on a rig) is the HIL tests' to prove (tests/hil)."""
    return [req for req in requirements if "twin" in catalogue().get(req).profiles]


@cache
def catalogue():
    """The catalogue, read once: asked once per reference verdict, reading and validating
    the YAML each time took over two minutes of the matrix test (make test --durations)."""
    return load_catalogue()


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_is_caught_by_the_scenarios_of_the_requirements_it_violates(
    verdicts: list[Verdict], fault: str
) -> None:
    caught: dict[tuple[str, int], bool] = defaultdict(bool)
    for v in verdicts:
        if v.dut != fault:
            continue
        assert v.verdict != "error", f"a bench error, not a verdict: {v.scenario}: {v.message}"
        for req in v.requirements:
            caught[(req, v.seed)] |= v.verdict == "fail"
    for req in twin_checkable(FAULTS[fault].violates):
        missed = [seed for seed in range(1, SEEDS + 1) if not caught[(req, seed)]]
        assert not missed, f"{fault} breaks {req} but its scenarios passed for seeds {missed}"


def test_every_requirement_with_a_scenario_has_a_fault_that_breaks_it(verdicts: list[Verdict]) -> None:
    covered = {req for v in verdicts if v.dut == REFERENCE for req in v.requirements}
    broken = {req for fault in FAULTS.values() for req in fault.violates}
    assert covered <= broken, f"scenarios no fault can fail: {sorted(covered - broken)}"


def test_every_scenario_the_reference_passes_is_failed_by_some_fault_at_every_seed(
    verdicts: list[Verdict],
) -> None:
    # Every seed, not one: a scenario only some seeds let fail would pass a broken terminal
    # on the others (the requirement-level test above demands every seed for the same reason).
    missed = seeds_no_fault_fails(verdicts)
    assert not missed, "scenarios no fault fails:\n" + "\n".join(
        f"  {scenario} (seeds {seeds})" for scenario, seeds in sorted(missed.items())
    )


def seeds_no_fault_fails(verdicts: Iterable[Verdict]) -> dict[str, list[int]]:
    """Each scenario the reference twin passed, with the seeds at which it passed and no
    faulty twin failed it; empty when every scenario can fail at every seed (rule 4).

    A faulty twin fails a scenario when the scenario's own verdict is a fail, or when a
    monitor fires over it under one of the scenario's own requirements: the monitors are
    the whole checks of ``features/link_security/whole_run.feature``, which has no Then of
    its own (fixtures/monitors.py records a monitor's verdict beside the scenario's, named
    ``monitor <id> over <scenario>``, and leaves the scenario's own verdict a pass). A
    monitor firing under another requirement is that monitor's finding, not the scenario's.
    """
    verdicts = list(verdicts)
    tagged: dict[str, set[str]] = {}
    for v in verdicts:
        if parse_verdict_name(v.scenario) is None:
            tagged.setdefault(v.scenario, set(v.requirements))
    passed: dict[str, set[int]] = defaultdict(set)
    failed: dict[str, set[int]] = defaultdict(set)
    for v in verdicts:
        over = parse_verdict_name(v.scenario)
        scenario = v.scenario if over is None else over[1]
        if v.dut == REFERENCE:
            if over is None and v.verdict == "pass":
                passed[scenario].add(v.seed)
        elif v.verdict == "fail" and (over is None or tagged.get(scenario, set()) & set(v.requirements)):
            failed[scenario].add(v.seed)
    return {
        scenario: sorted(seeds - failed[scenario])
        for scenario, seeds in passed.items()
        if seeds - failed[scenario]
    }


# -- seeds_no_fault_fails on made-up verdicts (no matrix run) ---------------------------

WATCHED = "Days of metering, every frame watched"


def _v(scenario: str, dut: str, seed: int, verdict: str, *requirements: str) -> Verdict:
    return Verdict(scenario, requirements or ("NAT-2.5-CFG",), dut, seed, verdict, "")


def test_a_scenario_some_fault_fails_at_every_seed_is_not_listed() -> None:
    found = [
        _v("Password", REFERENCE, 1, "pass"),
        _v("Password", REFERENCE, 2, "pass"),
        _v("Password", "keeps-old", 1, "fail"),
        _v("Password", "other", 2, "fail"),  # another fault at the other seed is enough
        _v("Password", "keeps-old", 2, "pass"),
    ]
    assert seeds_no_fault_fails(found) == {}


def test_the_seeds_at_which_no_fault_failed_a_scenario_are_listed() -> None:
    found = [
        _v("Password", REFERENCE, 1, "pass"),
        _v("Password", REFERENCE, 2, "pass"),
        _v("Password", "keeps-old", 1, "fail"),
        _v("Password", "keeps-old", 2, "error"),  # the bench broke: no fail
        _v("Retention", REFERENCE, 1, "pass"),
        _v("Retention", "stores-5-days", 1, "pass"),
    ]
    assert seeds_no_fault_fails(found) == {"Password": [2], "Retention": [1]}


def test_a_scenario_the_reference_does_not_pass_is_not_judged() -> None:
    found = [
        _v("Battery", REFERENCE, 1, "not applicable", "THK-8-BATT"),
        _v("Broken", REFERENCE, 1, "fail"),  # the other tests' concern
    ]
    assert seeds_no_fault_fails(found) == {}


def test_a_monitor_fails_a_scenario_only_under_one_of_the_scenarios_requirements() -> None:
    found = [
        _v(WATCHED, REFERENCE, 1, "pass", "NAT-2.2", "NAT-3.1-R3"),
        _v(verdict_name("ports", WATCHED), REFERENCE, 1, "pass", "NAT-3.1-T2"),
        _v(WATCHED, "undeclared-port", 1, "pass", "NAT-2.2", "NAT-3.1-R3"),
        _v(verdict_name("ports", WATCHED), "undeclared-port", 1, "fail", "NAT-3.1-T2"),
    ]
    assert seeds_no_fault_fails(found) == {WATCHED: [1]}
    found.append(_v(verdict_name("frame-counters", WATCHED), "counter-reset", 1, "fail", "NAT-3.1-R3"))
    assert seeds_no_fault_fails(found) == {}
