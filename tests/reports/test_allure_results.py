"""What each Allure result of the run carries for its reader: a link per requirement to
its row of the certification summary, step parameters that are values (not fixture
objects), the run's metadata, and every attachment with the right type."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fixtures.evidence import CAPTURE, MAINTENANCE, MEASUREMENT_TABLE, MEASUREMENTS, SEQUENCE, SEQUENCE_CHART
from fixtures.tags import HIDDEN

OPAQUE = re.compile(r" object at 0x[0-9a-f]+>")
FEATURES = Path(__file__).resolve().parents[2] / "features"


def _steps(steps: list[dict]):
    for step in steps:
        yield step
        yield from _steps(step.get("steps", []))


def test_each_requirement_links_to_its_row_of_the_certification_summary(run) -> None:
    for result in run.scenario_results():
        stories = [label["value"].split()[0] for label in result["labels"] if label["name"] == "story"]
        links = {link["url"] for link in result["links"]}
        assert {f"../traceability.html#{req_id}" for req_id in stories} == links, result["name"]


def test_step_parameters_show_values_not_fixture_objects_nor_secrets(run) -> None:
    shown = 0
    for result in run.scenario_results():
        for step in _steps(result["steps"]):
            for parameter in step.get("parameters", []):
                where = f"{result['name']}: {step['name']}: {parameter}"
                assert not OPAQUE.search(parameter["value"]), where
                if re.search("password|psk|secret", parameter["name"], re.I):
                    assert parameter["value"] == HIDDEN, where
                shown += 1
    assert shown  # the values a reader needs are still there (meter names, counts, RSSI)


def test_every_result_carries_its_evidence_with_the_right_types(run) -> None:
    for result in run.scenario_results():
        attachments = {a["name"]: a for a in result["attachments"]}
        assert attachments[CAPTURE]["source"].endswith(".pcap")
        assert attachments[SEQUENCE]["type"] == "text/plain"
        assert attachments[SEQUENCE_CHART]["type"] == "image/svg+xml"
        chart = (run.results / attachments[SEQUENCE_CHART]["source"]).read_text(encoding="utf-8")
        assert chart.startswith("<svg") and "terminal" in chart
        if MEASUREMENTS in attachments:
            assert attachments[MEASUREMENT_TABLE]["type"] == "text/csv"


def test_the_run_metadata_names_the_terminal_profile_seed_and_executor(run) -> None:
    properties = (run.results / "environment.properties").read_text(encoding="utf-8")
    expected = ("terminal.model=Reference terminal twin", "profile=twin", "seed=7", "terminal.twin=reference")
    for line in expected:
        assert line in properties
    assert "password" not in properties.lower()
    executor = json.loads((run.results / "executor.json").read_text())
    assert executor["type"] in ("ci", "local") and executor["name"]


def test_a_scenario_that_used_the_maintenance_port_carries_its_transcript(run) -> None:
    uses_port = any("maintenance port" in f.read_text(encoding="utf-8") for f in FEATURES.rglob("*.feature"))
    carried = []
    for result in run.scenario_results():
        for attachment in result["attachments"]:
            if attachment["name"] == MAINTENANCE:
                text = (run.results / attachment["source"]).read_text(encoding="utf-8")
                assert text.startswith("> ") and "\n< " in text, result["name"]  # commands and answers
                carried.append(result["name"])
    assert bool(carried) == uses_port
