"""Twin and rig agree (issue 13): the features run on the twin profile and on the HIL profile
against the emulated rig, for the reference terminal and for faulty terminals the emulator
hosts (``--dut``), and every scenario that ran on both gives the same verdict.

The rig is ``rigs/emulators/full-rig.yaml``, the emulated rig with every role: radio,
maintenance port, I/O module, metered supply, sniffer, injector, signal generator,
attenuator, and the home LAN on IPv6 link-local addresses in a network namespace of each
run's own (``HOME_LAN``, root: ``make parity`` runs as such). Each run is the launcher with
the bench behind it, as CI and a vendor run it (``python -m rigs.emulators.terminal_rig --
pytest ...``).

The reference runs every scenario on both profiles. The faults are chosen greedily so that
each scenario that ran on the rig is failed by at least one hosted fault (a fault runs only
the scenarios of the requirements it violates, as in the detection matrix), not every fault
on every scenario: the rig runs in wall time, on CI's two cores. Scenarios judged within a
few seconds of rig time (a flood's detection within 60 s, a home-side answer within 2 s:
under 7 ms of wall clock at x300) run at ``SLOW_PACE``; the rest at ``CI_PACE``. The
differences are printed whatever the outcome, and so is how many scenarios ran on the rig,
per area, with and without an outline's examples (the issue's target is ``ISSUE_TARGET``).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_bdd.scenario import make_python_name

from conformance.observe.monitors import MONITOR_SOURCE
from conformance.twin.faults import FAULTS, REFERENCE
from reports.traceability import Scenario, feature_scenarios
from tests.rigs.profile.conftest import CI_PACE, ROOT, clean_environment
from tests.rigs.profile.test_air_and_home_setup import HOME_LAN, _namespaces

FULL_RIG = ROOT / "rigs" / "emulators" / "full-rig.yaml"
HOME_ADDRESSES = ("--home-meter", "[fe80::1]:3610", "--home-terminal", "[fe80::2]:3610")  # full-rig.yaml
# The issue's 70 counts the twin's scenarios as pytest runs them (``pytest features``: 102
# today, an outline's examples each); the feature files hold fewer scenario templates.
HIL_SCENARIOS_MIN = 70  # scenarios, an outline's examples each
HIL_TEMPLATES_MIN = 45  # feature-file scenarios, an outline's examples counted once
ISSUE_TARGET = 70
HIL_RUN_TIMEOUT_S = 1800
NOT_APPLICABLE = "not applicable"
# One wait may take this much wall time here (rigs/profile/bench.py): a day of slots runs,
# longer waits are twin-only in CI.
WAIT_BUDGET_S = "60"
# Judged within seconds of rig time (tests/rigs/profile/test_air_and_home_setup.py runs the
# home side at x60 for it): at x300 a busy machine's scheduling delays decide the verdict.
SLOW = ("flood", "rogue_device", "port_probe", "property_maps")
SLOW_PACE = 60
# Where the emulated rig, not the terminal, makes the rig's verdict differ from the twin's:
# known, printed, and not counted as a disagreement. Each names the part to fix. None today:
# the LED's lag (rigs/sharedtime.py, ANSWERED_LOOKAHEAD_S) and the values "lacking" after a
# re-enabling and a firmware update (the expected values were counted from the session's
# first rig second, not the scenario's commissioning) were the bench's, and are fixed.
KNOWN_DIFFERENCES: dict[str, str] = {}


# Faults the emulated rig cannot host (one that acts on something the rig cannot observe),
# each with its reason: ``pick_faults`` leaves them out and the test prints them. None today:
# the 24 faults picked (2026-12-07) each gave the twin's verdicts on the rig (the LED's
# after the shared clock's smaller step, the firmware and re-enabled scenarios' as the
# reference's, KNOWN_DIFFERENCES).
NOT_HOSTED: dict[str, str] = {}


def _slow(name: str) -> bool:
    test = f"test_{make_python_name(name)}"
    return any(word in test for word in SLOW)


def rig_run(folder: Path, *, dut: str, pace: float, expression: str) -> list[dict]:
    """The launcher and the bench behind it, in a network namespace whose loopback is the
    IPv6 home LAN; the scenarios' verdicts (the monitors' left out)."""
    verdicts = folder / f"verdicts-{dut}-x{pace:g}.json"
    emulator = [sys.executable, "-m", "rigs.emulators.terminal_rig", "--dut", dut, "--seed", "1"]
    emulator += ["--time-scale", f"{pace:g}", *HOME_ADDRESSES]
    bench = [sys.executable, "-m", "pytest", "features", "--profile", "hil", "--rig", str(FULL_RIG)]
    bench += ["-p", "no:cacheprovider", "-q", "--tb=no", "-k", expression, "--verdicts-json", str(verdicts)]
    command = ["unshare", "-n", "sh", "-c", f'{HOME_LAN} && exec "$@"', "sh", *emulator, "--", *bench]
    env = clean_environment(IOTROUTE_HIL_WAIT_BUDGET_S=WAIT_BUDGET_S)
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=HIL_RUN_TIMEOUT_S, check=False
    )
    assert verdicts.exists(), result.stdout[-3000:] + result.stderr[-2000:]
    return [v for v in json.loads(verdicts.read_text()) if v["feature"] != MONITOR_SOURCE]


def hil_run(folder: Path, dut: str, scenarios: list[Scenario] | None = None) -> list[dict]:
    """Every scenario (or these) on the rig: the quick ones at CI_PACE, the others at SLOW_PACE."""
    slow = " or ".join(SLOW)
    if scenarios is None:
        fast_part, slow_part = f"not ({slow})", slow
    else:
        fast_part = selection([s for s in scenarios if not _slow(s.name)])
        slow_part = selection([s for s in scenarios if _slow(s.name)])
    found: list[dict] = []
    for pace, expression in ((CI_PACE, fast_part), (SLOW_PACE, slow_part)):
        if expression:
            found += rig_run(folder, dut=dut, pace=pace, expression=expression)
    return found


def twin_run(folder: Path, *args: str) -> list[dict]:
    """``pytest features`` on the twin profile; its scenarios' verdicts."""
    out = folder / "verdicts.json"
    command = [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", "--tb=no"]
    command += ["--verdicts-json", str(out), *args]
    env = clean_environment()
    subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False)
    return [v for v in json.loads(out.read_text()) if not v["scenario"].startswith("monitor ")]


def by_scenario(verdicts: list[dict]) -> dict[str, str]:
    """Each scenario's verdict as pytest ran it. An outline whose name has no placeholder
    gives its examples one name (THK-7-JOIN's frame loss: the rig cannot lose frames, so its
    second example is not applicable): the second and later are told apart by their place,
    which is the same on both profiles (one collection, one ``-k``), else the last example's
    verdict stood for all and hid the first's."""
    found: dict[str, str] = {}
    for v in verdicts:
        name, n = v["scenario"], 1
        while name in found:
            n += 1
            name = f"{v['scenario']} [example {n}]"
        found[name] = v["verdict"]
    return found


def selection(scenarios: list[Scenario]) -> str:
    """A ``-k`` expression that selects these scenarios' tests (pytest-bdd's own names)."""
    return " or ".join(sorted({f"test_{make_python_name(s.name)}" for s in scenarios}))


def templates_of(verdicts: list[dict], scenarios: list[Scenario]) -> list[Scenario]:
    return [s for s in scenarios if any(s.matches(v) for v in verdicts)]


def pick_faults(ran: list[Scenario]) -> dict[str, list[Scenario]]:
    """Faults, greedily, until every scenario that ran on the rig is failed by one of them."""
    left = {s.name: s for s in ran}
    chosen: dict[str, list[Scenario]] = {}
    while left:
        coverage = {
            name: [s for s in left.values() if set(s.requirements) & set(fault.violates)]
            for name, fault in sorted(FAULTS.items())
            if name not in NOT_HOSTED
        }
        best = max(coverage, key=lambda name: len(coverage[name]))
        if not coverage[best]:
            break  # no fault breaks what is left: the detection matrix's concern, not parity's
        chosen[best] = coverage[best]
        for s in coverage[best]:
            del left[s.name]
    return chosen


def differences(dut: str, twin: dict[str, str], hil: dict[str, str]) -> list[tuple[str, str]]:
    """(scenario, what differs) for each scenario that ran on both and was judged otherwise."""
    both = sorted(n for n in twin.keys() & hil.keys() if NOT_APPLICABLE not in (twin[n], hil[n]))
    return [(n, f"{dut}: {n}: twin {twin[n]}, rig {hil[n]}") for n in both if twin[n] != hil[n]]


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
    faults = pick_faults(ran_on_rig)
    walls: dict[str, tuple[float, float]] = {}  # per fault, the twin's and the rig's wall time
    for dut, targets in faults.items():
        folder = tmp_path / dut
        folder.mkdir()
        started = time.monotonic()
        twin_verdicts = twin_run(folder, "--dut", dut, "-k", selection(targets))
        on_twin = time.monotonic()
        hil_verdicts = hil_run(folder, dut, targets)
        walls[dut] = (on_twin - started, time.monotonic() - on_twin)
        found += differences(dut, by_scenario(twin_verdicts), by_scenario(hil_verdicts))
    print(f"\nreference on the emulated rig: {len(ran)} scenarios ran ({len(ran_on_rig)} feature-file "
          f"scenarios, an outline's examples counted once), {wall:.0f} s wall at x{CI_PACE:g} "
          f"(x{SLOW_PACE:g} for {', '.join(SLOW)}); the issue's target is {ISSUE_TARGET}")  # fmt: skip
    print("per area (feature-file scenarios/with examples): "
          + ", ".join(f"{a} {n}/{m}" for a, (n, m) in sorted(by_area.items())))  # fmt: skip
    print("hosted faults (scenarios, wall time on the twin / on the rig): "
          + ", ".join(f"{d} ({len(t)}, {walls[d][0]:.0f} / {walls[d][1]:.0f} s)" for d, t in faults.items())
          + f"; {sum(w for pair in walls.values() for w in pair):.0f} s in all")  # fmt: skip
    print("faults the emulated rig cannot host: "
          + ("; ".join(f"{d}: {why}" for d, why in sorted(NOT_HOSTED.items())) or "none"))  # fmt: skip
    known = [line for scenario, line in found if scenario in KNOWN_DIFFERENCES]
    unknown = [line for scenario, line in found if scenario not in KNOWN_DIFFERENCES]
    print("known differences (the emulated rig's):" + "".join(f"\n  {line}" for line in known))
    print("differences:" + "".join(f"\n  {line}" for line in unknown) if unknown else "differences: none")
    assert not unknown, "\n".join(unknown)
    assert len(ran) >= HIL_SCENARIOS_MIN, [v["scenario"] for v in ran]
    assert len(ran_on_rig) >= HIL_TEMPLATES_MIN, [s.name for s in ran_on_rig]


def test_an_outline_s_examples_of_one_name_are_compared_one_by_one():
    join = "The terminal is authenticated within 90 seconds of power-on"  # loss 0 %, then 30 %
    twin = by_scenario([{"scenario": join, "verdict": "fail"}, {"scenario": join, "verdict": "fail"}])
    hil = by_scenario([{"scenario": join, "verdict": "pass"}, {"scenario": join, "verdict": NOT_APPLICABLE}])
    assert differences("joins-late", twin, hil) == [(join, f"joins-late: {join}: twin fail, rig pass")]


def test_a_fault_the_emulated_rig_cannot_host_is_never_picked(monkeypatch: pytest.MonkeyPatch):
    led = [s for s in feature_scenarios(ROOT / "features") if "NAT-2.5-LED" in s.requirements]
    assert "led-always-steady" in pick_faults(led)
    monkeypatch.setitem(NOT_HOSTED, "led-always-steady", "a reason")
    picked = pick_faults(led)
    assert picked and "led-always-steady" not in picked
