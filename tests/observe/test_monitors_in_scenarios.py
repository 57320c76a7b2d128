"""The monitors inside real scenarios, run as a user runs them (a separate pytest process):
a scenario about metering fails on NAT-3.1-R3 through the plaintext monitor when the
terminal sends one upload in a hundred in the clear, while its own requirements pass (the
HES's completion hid the lapse); the report shows the monitor as a failed step of its own
with the frames at fault; a scenario that provokes a monitor on purpose stays green."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from fixtures.monitors import MONITOR_FEATURE, MONITORS_ATTACHMENT
from reports.traceability import build, feature_scenarios, monitor_scenarios

ROOT = Path(__file__).resolve().parents[2]
OUTAGE = "7day_outage"  # features/metering/completion_and_time.feature, NAT-2.5-GAP, THK-7-*
CLOCK = "follows_the_sm_systems_clock"  # tagged @expects_monitor:timestamps


def _run(out: Path, dut: str, keyword: str) -> tuple[int, list[dict], list[dict]]:
    command = [
        sys.executable, "-m", "pytest", "features", "--dut", dut, "-k", keyword, "-q",
        "-p", "no:cacheprovider", "--alluredir", str(out / "allure"), "--verdicts-json", str(out / "v.json"),
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    results = [json.loads(p.read_text()) for p in (out / "allure").glob("*-result.json")]
    return completed.returncode, json.loads((out / "v.json").read_text()), results


@pytest.fixture(scope="module")
def plaintext_run(tmp_path_factory: pytest.TempPathFactory):
    return _run(tmp_path_factory.mktemp("plaintext"), "plaintext-upload-1-in-100", OUTAGE)


def test_a_metering_scenario_fails_on_nat_3_1_r3_through_the_monitor(plaintext_run) -> None:
    status, verdicts, _ = plaintext_run
    assert status == 1  # the scenario failed
    own = [v for v in verdicts if v["feature"] != MONITOR_FEATURE]
    assert len(own) == 1 and own[0]["verdict"] == "pass", own  # completion refilled the value
    assert "NAT-3.1-R3" not in own[0]["requirements"]
    monitors = {v["scenario"].split()[1]: v for v in verdicts if v["feature"] == MONITOR_FEATURE}
    assert monitors["plaintext"]["verdict"] == "fail"
    assert monitors["plaintext"]["requirements"] == ["NAT-3.1-R3"]
    assert "in the clear after authentication" in monitors["plaintext"]["message"]
    assert monitors["plaintext"]["scenario"].startswith("monitor plaintext over After a 7-day outage")
    others = {name: v["verdict"] for name, v in monitors.items() if name != "plaintext"}
    assert set(others.values()) == {"pass"}, others


def test_the_report_shows_the_monitor_as_a_failed_step_with_the_frames_at_fault(plaintext_run) -> None:
    _, _, results = plaintext_run
    [result] = results
    assert result["status"] == "failed"
    assert "monitor plaintext [NAT-3.1-R3]" in result["statusDetails"]["message"]
    last = result["steps"][-1]
    assert last["name"].startswith("Monitor plaintext [NAT-3.1-R3]") and last["status"] == "failed"
    assert all(step["status"] == "passed" for step in result["steps"][:-1])
    [attachment] = last["attachments"]
    assert attachment["name"] == "monitor plaintext: frames and events at fault"
    assert MONITORS_ATTACHMENT in {a["name"] for a in result["attachments"]}


def test_a_scenario_that_provokes_a_monitor_on_purpose_stays_green(tmp_path: Path) -> None:
    status, verdicts, results = _run(tmp_path, "uploads-stamped-ahead", CLOCK)
    assert status == 0
    [timestamps] = [v for v in verdicts if v["scenario"].startswith("monitor timestamps over")]
    assert timestamps["verdict"] == "not applicable"
    assert "fired as the scenario expects" in timestamps["message"]
    [result] = results
    assert result["status"] == "passed"
    assert result["steps"][-1]["name"].startswith("Monitor timestamps [NAT-2.5-TIME] fired, as the scenario")


def test_the_certification_summary_lists_the_monitor_under_its_requirement(plaintext_run) -> None:
    _, verdicts, _ = plaintext_run
    scenarios = feature_scenarios(ROOT / "features") + monitor_scenarios()
    matrix = build(load_catalogue(), scenarios, verdicts, profile="twin")
    rows = {r["id"]: r for r in matrix["requirements"]}
    r3 = rows["NAT-3.1-R3"]
    assert r3["status"] == "fail" and "monitor plaintext over After a 7-day outage" in r3["gap"]
    watched = {s["name"]: s for s in r3["scenarios"]}
    assert watched["monitor plaintext over <scenario>"]["status"] == "fail"
    assert watched["monitor frame-counters over <scenario>"]["status"] == "pass"
    assert rows["NAT-2.2"]["status"] == "pass"  # the stack monitor's verdict, and its scenario's
    assert {s["name"] for s in rows["NAT-2.2"]["scenarios"]} == {
        "Three days of metering across a power cycle, every frame watched",
        "A request for an object outside the terminal's model is answered object-undefined",
        "monitor stack over <scenario>",
    }
    assert matrix["unmatched_verdicts"] == []


ONLY_ITS_MONITOR = {
    "counter-reset-at-power-on": "frame-counters",
    "plaintext-upload-1-in-100": "plaintext",
    "undeclared-source-port": "ports",
    "unwrapped-dlms": "stack",
    "uploads-stamped-ahead": "timestamps",
}


def test_each_monitor_fault_is_caught_by_its_monitor_alone_in_the_whole_run(tmp_path: Path) -> None:
    """features/link_security/whole_run.feature against the reference and each fault written
    for a monitor: the reference passes everything, and each of those faults fails that
    monitor's verdict only, its scenario's own steps passing. The other faults that break
    one of its requirements are the detection matrix's to judge (it asserts no more than
    that they fail), so they are not run here again (issue 14: 30 twins, 6 judged)."""
    duts = ",".join(("reference", *ONLY_ITS_MONITOR))
    _, verdicts, _ = _run(tmp_path, duts, "three_days_of_metering")
    by_dut: dict[str, dict[str, str]] = {}
    for v in verdicts:
        name = v["scenario"].split()[1] if v["feature"] == MONITOR_FEATURE else "scenario"
        by_dut.setdefault(v["dut"], {})[name] = v["verdict"]
    assert set(by_dut) == {"reference", *ONLY_ITS_MONITOR}, sorted(by_dut)
    assert set(by_dut["reference"].values()) == {"pass"}, by_dut["reference"]
    for fault, monitor_id in ONLY_ITS_MONITOR.items():
        failed = {name for name, verdict in by_dut[fault].items() if verdict != "pass"}
        assert failed == {monitor_id}, (fault, by_dut[fault])
