"""The detection matrix: every feature against the reference terminal twin and every
faulty twin, over 20 seeds (DESIGN.md rule 4: every scenario can fail).

It runs the real feature files in a separate pytest process, exactly as a user would
with ``--dut all --seeds 20``, and judges the verdicts that process recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from conformance.twin.faults import FAULTS, REFERENCE
from fixtures.verdicts import Verdict, matrix_lines

ROOT = Path(__file__).resolve().parents[2]
SEEDS = 20
# The matrix runs as this many pytest processes at once, one shard each (--shard K/N).
SHARDS = max(1, min(4, os.cpu_count() or 1))
TIMEOUT_S = 900


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> list[Verdict]:
    folder = tmp_path_factory.mktemp("matrix")
    runs = []
    for shard in range(1, SHARDS + 1):
        out = folder / f"verdicts-{shard}.json"
        command = [
            sys.executable, "-m", "pytest", "features", "--dut", "all", "--seeds", str(SEEDS),
            "--shard", f"{shard}/{SHARDS}", "-q", "--tb=no", "-p", "no:cacheprovider",
            "--verdicts-json", str(out),
        ]  # fmt: skip
        log = (folder / f"shard-{shard}.log").open("w")
        runs.append((out, log, subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)))
    try:
        for _, _, process in runs:
            process.wait(timeout=TIMEOUT_S)
    finally:
        for _, log, process in runs:
            process.kill()
            log.close()
    rows = []
    for out, log, _ in runs:
        if not out.exists():
            pytest.fail(f"a matrix shard wrote no verdicts:\n{Path(log.name).read_text()[-4000:]}")
        rows += json.loads(out.read_text())
    recorded = [Verdict(**{**v, "requirements": tuple(v["requirements"])}) for v in rows]
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
    return [req for req in requirements if "twin" in load_catalogue().get(req).profiles]


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
