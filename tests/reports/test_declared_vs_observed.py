"""A step compares a declared value with an observed one (``Evidence.compare_declared``):
the comparison reaches the verdicts JSON, the scenario's Allure result and the
certification summary, which lists the difference. Run on a small feature of its own
with the bench's real plugins."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from conformance.catalogue import load_catalogue
from fixtures.evidence import DECLARED_VS_OBSERVED, Evidence
from reports.traceability import build, feature_scenarios

ROOT = Path(__file__).resolve().parents[2]

FEATURE = """\
Feature: Declared against observed
  @req:NAT-2.3-C
  Scenario: The bench compares the declared Pairing ID with what it saw
    Given the bench saw the Pairing ID "IOT99901"
    And the bench saw the firmware version "1.0.0"
"""
STEPS = '''\
import pytest
from pytest_bdd import given, parsers, scenarios

scenarios("compare.feature")


@pytest.fixture(autouse=True)
def _scenario_parameters(dut_name, seed):
    """Each scenario runs for one terminal twin and one seed, as in features/."""


@given(parsers.parse('the bench saw the Pairing ID "{observed}"'))
def saw_pairing_id(bench, evidence, observed):
    declared = bench.declaration.credentials.pairing_id
    evidence.compare_declared("Pairing ID", declared, observed, source="NAT-2.3-C")


@given(parsers.parse('the bench saw the firmware version "{observed}"'))
def saw_firmware(bench, evidence, observed):
    declared = bench.declaration.identity.firmware_version
    evidence.compare_declared("firmware version", declared, observed, source="NAT-2.3-C")
'''
PLUGINS = ["fixtures.options", "fixtures.tags", "fixtures.bench", "fixtures.evidence", "fixtures.verdicts"]
CONFTEST = f"pytest_plugins = {PLUGINS!r}\n"


def test_compare_declared_records_and_answers_without_judging() -> None:
    evidence = Evidence()
    assert evidence.compare_declared("Pairing ID", "IOT00901", "IOT00901", source="NAT-2.3-C")
    assert not evidence.compare_declared("retry interval", 300, 600.0, source="NAT-2.1-A")
    assert [c.as_json() for c in evidence.comparisons] == [
        {
            "item": "Pairing ID",
            "declared": "IOT00901",
            "observed": "IOT00901",
            "source": "NAT-2.3-C",
            "agrees": True,
        },
        {
            "item": "retry interval",
            "declared": "300",
            "observed": "600.0",
            "source": "NAT-2.1-A",
            "agrees": False,
        },
    ]


def test_a_comparison_reaches_the_verdicts_the_report_and_the_summary(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "compare.feature").write_text(FEATURE)
    (tmp_path / "test_compare.py").write_text(STEPS)
    results, verdicts_json = tmp_path / "allure-results", tmp_path / "verdicts.json"
    command = [
        sys.executable, "-m", "pytest", "test_compare.py", "-p", "no:cacheprovider", "-q",
        "--alluredir", str(results), "--verdicts-json", str(verdicts_json),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    [verdict] = json.loads(verdicts_json.read_text())
    assert verdict["verdict"] == "pass"  # a difference is recorded, not judged
    assert [(c["item"], c["agrees"]) for c in verdict["declared_vs_observed"]] == [
        ("Pairing ID", False),
        ("firmware version", True),
    ]
    [result] = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    [source] = [a["source"] for a in result["attachments"] if a["name"] == DECLARED_VS_OBSERVED]
    table = list(csv.DictReader(io.StringIO((results / source).read_text())))
    assert (table[0]["declared"], table[0]["observed"], table[0]["agrees"]) == ("IOT00901", "IOT99901", "NO")
    matrix = build(load_catalogue(), feature_scenarios(tmp_path, root=tmp_path), [verdict], profile="twin")
    assert matrix["summary"]["declared_vs_observed_differences"] == 1
    assert matrix["declared_vs_observed"][0]["observed"] == "IOT99901"
