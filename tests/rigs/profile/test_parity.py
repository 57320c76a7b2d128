"""Twin and rig agree (issue 13): the features run on the twin profile and on the HIL profile
against the emulated rig, for the reference terminal and for faulty terminals the emulator
hosts (``--dut``), and every scenario that ran on both gives the same verdict.

The runs and the pure functions that compare and pick are in ``parity.py`` (their unit
tests in ``tests/rigs/test_parity_units.py`` run in ``make test``); this long test runs in
``make parity``. The home LAN is on IPv6 link-local addresses in a network namespace of each
run's own (root: ``make parity`` runs as such).

The reference runs every scenario on both profiles. Then the twin half: every fault on
the twin, at the parity seed, on the scenarios that ran on the rig (the detection matrix's
run, each fault on the scenarios of the requirements it violates). The hosted faults are
then picked greedily from those verdicts so that each scenario that ran on the rig is one
a picked fault FAILED on the twin, and each picked fault runs those scenarios on the rig;
not every fault on every scenario: the rig runs in wall time, on CI's two cores. The
scenarios no hosted fault fails on the twin are printed. Scenarios judged within a few
seconds of rig time (a flood's detection within 60 s, a home-side answer within 2 s: under
7 ms of wall clock at x300) run at ``SLOW_PACE``; the rest at ``CI_PACE``. The differences
are printed whatever the outcome, and so is how many scenarios ran on the rig, per area,
with and without an outline's examples (the issue's target is ``ISSUE_TARGET``).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.twin.faults import REFERENCE
from reports.traceability import feature_scenarios
from tests.rigs.profile.conftest import CI_PACE, ROOT
from tests.rigs.profile.parity import (
    NOT_APPLICABLE,
    NOT_HOSTED,
    SLOW,
    SLOW_PACE,
    by_scenario,
    differences,
    hil_run,
    pick_faults,
    selection,
    templates_of,
    twin_run,
)
from tests.rigs.profile.test_air_and_home_setup import _namespaces

# The issue's 70 counts the twin's scenarios as pytest runs them (``pytest features``: 102
# today, an outline's examples each); the feature files hold fewer scenario templates.
HIL_SCENARIOS_MIN = 70  # scenarios, an outline's examples each
HIL_TEMPLATES_MIN = 45  # feature-file scenarios, an outline's examples counted once
ISSUE_TARGET = 70
# Where the emulated rig, not the terminal, makes the rig's verdict differ from the twin's:
# known, printed, and not counted as a disagreement. Each names the part to fix. None today:
# the LED's lag (rigs/sharedtime.py, ANSWERED_LOOKAHEAD_S) and the values "lacking" after a
# re-enabling and a firmware update (the expected values were counted from the session's
# first rig second, not the scenario's commissioning) were the bench's, and are fixed.
KNOWN_DIFFERENCES: dict[str, str] = {}


@pytest.fixture(scope="module")
def reference(module_folder: Path) -> tuple[list[dict], list[dict], float]:
    reason = _namespaces()
    if reason is not None:
        pytest.skip(reason)
    (module_folder / "twin").mkdir(exist_ok=True)
    twin = twin_run(module_folder / "twin")
    started = time.monotonic()
    hil = hil_run(module_folder, REFERENCE)
    return twin, hil, time.monotonic() - started


def test_twin_and_rig_agree_for_the_reference_and_the_hosted_faults(reference, tmp_path: Path):
    twin, hil, wall = reference
    scenarios = feature_scenarios(ROOT / "features")
    ran = [v for v in hil if v["verdict"] != NOT_APPLICABLE]
    ran_on_rig = templates_of(ran, scenarios)
    by_area: dict[str, list[int]] = {}
    for s in ran_on_rig:
        counts = by_area.setdefault(Path(s.feature).parent.name, [0, 0])
        counts[0] += 1
        counts[1] += sum(1 for v in ran if s.matches(v))
    found = differences(REFERENCE, by_scenario(twin), by_scenario(hil))
    (tmp_path / "matrix").mkdir()
    started = time.monotonic()
    matrix = twin_run(tmp_path / "matrix", "--dut", "all", "-k", selection(ran_on_rig))
    matrix_wall = time.monotonic() - started
    faults, unfailed = pick_faults(ran_on_rig, matrix)
    walls: dict[str, float] = {}  # per fault, the rig's wall time
    for dut, targets in faults.items():
        folder = tmp_path / dut
        folder.mkdir()
        started = time.monotonic()
        hil_verdicts = hil_run(folder, dut, targets)
        walls[dut] = time.monotonic() - started
        twin_verdicts = [v for v in matrix if v["dut"] == dut and any(s.matches(v) for s in targets)]
        found += differences(dut, by_scenario(twin_verdicts), by_scenario(hil_verdicts))
    print(f"\nreference on the emulated rig: {len(ran)} scenarios ran ({len(ran_on_rig)} feature-file "
          f"scenarios, an outline's examples counted once), {wall:.0f} s wall at x{CI_PACE:g} "
          f"(x{SLOW_PACE:g} for {', '.join(SLOW)}); the issue's target is {ISSUE_TARGET}")  # fmt: skip
    print("per area (feature-file scenarios/with examples): "
          + ", ".join(f"{a} {n}/{m}" for a, (n, m) in sorted(by_area.items())))  # fmt: skip
    print(f"every fault on the twin (the matrix, those scenarios): {matrix_wall:.0f} s wall")
    print("hosted faults picked from the twin's fails (scenarios, wall time on the rig): "
          + ", ".join(f"{d} ({len(t)}, {walls[d]:.0f} s)" for d, t in faults.items())
          + f"; {sum(walls.values()):.0f} s in all")  # fmt: skip
    print("scenarios ran on the rig that no hosted fault fails on the twin: "
          + ("; ".join(s.name for s in unfailed) or "none"))  # fmt: skip
    print("faults the emulated rig cannot host: "
          + ("; ".join(f"{d}: {why}" for d, why in sorted(NOT_HOSTED.items())) or "none"))  # fmt: skip
    known = [line for scenario, line in found if scenario in KNOWN_DIFFERENCES]
    unknown = [line for scenario, line in found if scenario not in KNOWN_DIFFERENCES]
    print("known differences (the emulated rig's):" + "".join(f"\n  {line}" for line in known))
    print("differences:" + "".join(f"\n  {line}" for line in unknown) if unknown else "differences: none")
    assert not unknown, "\n".join(unknown)
    assert len(ran) >= HIL_SCENARIOS_MIN, [v["scenario"] for v in ran]
    assert len(ran_on_rig) >= HIL_TEMPLATES_MIN, [s.name for s in ran_on_rig]
