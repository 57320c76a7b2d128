"""The metering features with the meter wired over RS-485 (Modbus RTU) instead of on the
home LAN: the terminal declares ``meter_interface: modbus-rtu`` and the bench's meter
twin answers on the bus (conformance/protocols/MODBUS_REGISTER_MAP.md).

Values, storage and settings are judged the same way whichever wire the meter is on, so
those scenarios pass. The NAT guideline, though, demands ECHONET Lite on the meter side
(「特例計量器等からデータを取得する際はECHONET Liteで受信すること」), so a terminal that reads
its meter over Modbus fails the scenario that checks the reads on the home network.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.ics import DEFAULT_DECLARATION
from conformance.observe.monitors import MONITOR_SOURCE

ROOT = Path(__file__).resolve().parents[2]
SAME_ON_ANY_WIRE = (
    "hourly_values_and_uploads_once_a_day or rollover or kwh_with_three_decimals or "
    "ac_input or swapped_metering_device or 70_days or 7day_outage or sets_the_meters_clock"
)
ECHONET_ONLY = "reads_the_meter_at_every_00_and_30"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("rs485")
    declaration = folder / "terminal-rs485.yaml"
    text = DEFAULT_DECLARATION.read_text()
    assert "meter_interface: echonet-lite" in text
    declaration.write_text(text.replace("meter_interface: echonet-lite", "meter_interface: modbus-rtu"))
    out = folder / "verdicts.json"
    command = [
        sys.executable, "-m", "pytest", "features", "--ics", str(declaration), "-q", "--tb=line",
        "-p", "no:cacheprovider", "-k", f"{SAME_ON_ANY_WIRE} or {ECHONET_ONLY}", "--verdicts-json", str(out),
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.exists(), completed.stdout[-3000:] + completed.stderr[-2000:]
    own = [v for v in json.loads(out.read_text()) if v["feature"] != MONITOR_SOURCE]  # not the monitors'
    return {v["scenario"]: v["verdict"] for v in own}


def test_values_storage_and_clock_pass_with_the_meter_on_rs485(verdicts: dict[str, str]) -> None:
    others = {name: verdict for name, verdict in verdicts.items() if "every :00 and :30" not in name}
    assert len(others) >= 8, others
    assert set(others.values()) == {"pass"}, others


def test_the_nat_echonet_lite_read_fails_with_the_meter_on_rs485(verdicts: dict[str, str]) -> None:
    (verdict,) = [v for name, v in verdicts.items() if "every :00 and :30" in name]
    assert verdict == "fail"
