"""The operator's DLMS/COSEM object model as data (issue 13): the bench's default file is the
codec's default model; a terminal built for another operator's model is judged without code
changes when its declaration names that model, and fails NAT-2.5-CONV when it does not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.ics import (
    DEFAULT_DECLARATION,
    OTHER_OPERATOR_OBJECT_MODEL,
    load_declaration,
    load_object_model,
)
from conformance.protocols import dlms
from conformance.sim.timebase import sm_datetime
from conformance.yamlfile import DocumentError

ROOT = Path(__file__).resolve().parents[2]
KWH = "Values arrive at the HES in kWh with three decimals"


def run_features(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    verdicts = tmp_path / "verdicts.json"
    command = [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", "--tb=line"]
    command += ["--verdicts-json", str(verdicts), *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    return result, json.loads(verdicts.read_text()) if verdicts.exists() else []


def declaration_naming(tmp_path: Path, model: Path) -> Path:
    declaration = tmp_path / "terminal.yaml"
    declaration.write_text(DEFAULT_DECLARATION.read_text() + f"object_model: {model}\n")
    return declaration


def test_the_default_file_is_the_codecs_default_model():
    assert load_object_model() == dlms.DEFAULT_MODEL
    assert load_declaration().dlms_model == dlms.DEFAULT_MODEL


def test_the_other_operators_model_differs_in_codes_columns_and_fields():
    other = load_object_model(OTHER_OPERATOR_OBJECT_MODEL)
    default = dlms.DEFAULT_MODEL
    assert other.profile_buffer.obis != default.profile_buffer.obis
    assert other.upload_interval.obis != default.upload_interval.obis
    assert other.columns != default.columns and other.report_fields != default.report_fields
    entries = (dlms.ProfileEntry(capture_time=sm_datetime(0), import_wh=1, export_wh=2),)
    report = dlms.MeterReport(meter_id=b"\x01", entries=entries, scaler=0, unit=30)
    body = dlms.report_body(report, other)
    assert dlms.parse_report(body, other) == report
    with pytest.raises(dlms.DlmsError):
        dlms.parse_report(body, default)  # another layout is unreadable, not silently misread


def test_a_declaration_names_its_model_relative_to_itself(tmp_path: Path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "op.yaml").write_text(OTHER_OPERATOR_OBJECT_MODEL.read_text())
    declaration = declaration_naming(tmp_path, Path("models/op.yaml"))
    assert load_declaration(declaration).dlms_model == load_object_model(OTHER_OPERATOR_OBJECT_MODEL)


def test_a_model_file_with_a_mistake_is_refused_with_the_line_and_field(tmp_path: Path):
    broken = tmp_path / "model.yaml"
    text = OTHER_OPERATOR_OBJECT_MODEL.read_text()
    broken.write_text(
        text.replace("obis: 1.0.99.2.0.255, attribute: 4", "obis: 1.0.99.2.0.256, attribute: 4")
    )
    line = text[: text.index("1.0.99.2.0.255, attribute: 4")].count("\n") + 1
    with pytest.raises(DocumentError) as refused:
        load_object_model(broken)
    assert refused.value.line == line and refused.value.field == "objects.capture_period.obis"
    missing = tmp_path / "terminal.yaml"
    missing.write_text(DEFAULT_DECLARATION.read_text() + "object_model: nowhere.yaml\n")
    with pytest.raises(DocumentError, match="object_model: no file"):
        load_declaration(missing)


def test_a_terminal_built_for_another_operators_model_passes_when_declared_with_it(tmp_path: Path):
    """The reference twin reads its object model from the declaration; so does the HES twin."""
    result, verdicts = run_features(
        tmp_path, "--ics", str(declaration_naming(tmp_path, OTHER_OPERATOR_OBJECT_MODEL))
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert {v["verdict"] for v in verdicts if "metering" in v["feature"]} == {"pass"}


def test_the_same_terminal_judged_in_the_default_model_fails_the_conversion_requirement(tmp_path: Path):
    result, verdicts = run_features(tmp_path, "--dut", "speaks-other-operator-model", "-k", "kwh_with_three")
    assert result.returncode == 1, result.stdout[-3000:]
    [verdict] = [v for v in verdicts if v["scenario"] == KWH]
    assert verdict["verdict"] == "fail" and "NAT-2.5-CONV" in verdict["requirements"], verdict
    assert "no upload reached the HES" in verdict["message"], verdict
