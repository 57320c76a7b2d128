"""What a failing scenario leaves: its verdict, a plain-language diagnosis naming the
measurement at fault, the measurement table, and its place under "terminal defects" in
the HTML report. Run against the faulty twin that joins late (the ``failed`` fixture of
conftest.py, which the browser test reads too)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conformance.observe.monitors import MONITOR_SOURCE
from fixtures.evidence import DIAGNOSIS, MEASUREMENT_TABLE, SEQUENCE_CHART
from reports import html

DEFECTS = "Terminal defects (requirement violated)"


def _results(out: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in (out / "allure-results").glob("*-result.json")]


def _attachment(out: Path, result: dict, name: str) -> str:
    [source] = [a["source"] for a in result["attachments"] if a["name"] == name]
    return (out / "allure-results" / source).read_text(encoding="utf-8")


def test_a_failed_scenario_has_a_diagnosis_naming_the_measurement_at_fault(failed: Path) -> None:
    results = _results(failed)
    assert results and all(r["status"] == "failed" for r in results)
    for result in results:
        text = _attachment(failed, result, DIAGNOSIS)
        assert text.startswith("FAIL: the terminal did not do what THK-7-JOIN")
        assert "join time, power-on to authenticated" in text and "(limit <= 90 s) -> FAIL" in text
        assert "At the step:    Then the terminal is authenticated" in text
        assert "The last observations before the verdict" in text
        assert "--dut joins-late --seed 3" in text
        table = list(csv.DictReader(io.StringIO(_attachment(failed, result, MEASUREMENT_TABLE))))
        assert [(m["verdict"], m["source clause"]) for m in table] == [("FAIL", "THK-7-JOIN")]
        assert float(table[0]["value"]) > 90
        assert SEQUENCE_CHART in {a["name"] for a in result["attachments"]}


def test_a_passed_scenario_has_no_diagnosis(run) -> None:
    for result in run.scenario_results():
        assert DIAGNOSIS not in {a["name"] for a in result["attachments"]}, result["name"]


def test_the_verdicts_say_fail_and_name_the_scenario_and_feature(failed: Path) -> None:
    everything = json.loads((failed / "verdicts.json").read_text())
    verdicts = [v for v in everything if v["feature"] != MONITOR_SOURCE]  # the monitors' are their own
    assert {v["verdict"] for v in everything if v not in verdicts} == {"pass"}
    assert {(v["verdict"], v["dut"], v["feature"]) for v in verdicts} == {
        ("fail", "joins-late", "features/join/join.feature")
    }
    assert {v["scenario"] for v in verdicts} == {
        "The terminal is authenticated within 90 seconds of power-on"
    }


def test_the_report_files_the_failures_under_terminal_defects(failed: Path) -> None:
    files = html.embedded_files((failed / "html" / "index.html").read_text(encoding="utf-8"))
    categories = json.loads(files["widgets/categories.json"])
    names = {node["name"]: node for node in categories["nodes"].values()}
    assert DEFECTS in names, sorted(names)
    assert names[DEFECTS]["statistic"]["failed"] == len(_results(failed))
    assert "Bench or rig errors (not a verdict on the terminal)" not in names


def test_the_history_shows_the_scenario_passed_in_the_run_before(run, failed: Path) -> None:
    assert len((failed / "history.jsonl").read_text().splitlines()) == 2  # the session's run, then this one
    files = html.embedded_files((failed / "html" / "index.html").read_text(encoding="utf-8"))
    reported = [json.loads(body) for name, body in files.items() if name.startswith("data/test-results/")]
    assert reported
    for result in reported:
        assert [h["status"] for h in result["history"]] == ["passed"], result["name"]
        assert result["status"] == "failed"
