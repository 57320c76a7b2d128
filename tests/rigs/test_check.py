"""The rig check command: ``python -m rigs.check RIG.yaml`` on the emulated rig."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

import pytest
import serial

from rigs import RigError
from rigs.check import Finding, check_rig, format_table, main, skver_probe
from rigs.rigfile import load_rig
from tests.rigs.endpoints import line_endpoint, modbus_io_server, silent, skstack_version_responder

ROOT = Path(__file__).parents[2]
EMULATED = ROOT / "rigs" / "emulators" / "rig.yaml"
RUN_TIMEOUT_S = 60


@pytest.fixture
def emulators(monkeypatch: pytest.MonkeyPatch):
    """The emulated rig's serial ends and I/O module, their addresses in the environment."""
    with (
        line_endpoint(skstack_version_responder) as radio,
        line_endpoint(silent) as maintenance,
        modbus_io_server(device_id=1) as io,
    ):
        io.inputs[0] = True  # the terminal's LED is lit
        monkeypatch.setenv("IOTROUTE_RIG_RADIO", radio.url)
        monkeypatch.setenv("IOTROUTE_RIG_MAINTENANCE", maintenance.url)
        monkeypatch.setenv("IOTROUTE_RIG_DIGITAL_IO_PORT", str(io.port))
        yield {"radio": radio, "maintenance": maintenance, "io": io}


def run_check(rig: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rigs.check", str(rig)],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )


def test_the_check_identifies_every_emulated_instrument_and_port(emulators):
    result = run_check(EMULATED)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"rig emulated: {EMULATED}"
    assert lines[1].split() == ["resource", "role", "address", "status", "identity"]
    rows = {line.split()[0]: line for line in lines[2:-1]}
    assert set(rows) == {"radio", "maintenance", "psu", "jammer", "io", "home"}
    expected = {
        "radio": ("wisun-radio", emulators["radio"].url, "EVER 1.5.2"),
        "maintenance": ("maintenance-port", emulators["maintenance"].url, "port opened"),
        "psu": ("power-supply", "USB0::0x0000::0x3020::SIM000101::INSTR", "BENCHSIM,PS-3020,SIM000101,1.0.4"),
        "jammer": (
            "signal-generator",
            "TCPIP0::192.168.10.22::inst0::INSTR",
            "BENCHSIM,SG-6000,SIM000201,2.3.1",
        ),
        "io": ("digital-io", f"tcp 127.0.0.1:{emulators['io'].port} unit 1", "power relay off, LED input on"),
        "home": ("home-lan", "lo 127.0.0.1", "lo index"),
    }
    for name, (role, address, identity) in expected.items():
        row = rows[name]
        assert f" {role} " in row and address in row and identity in row, row
        assert row.split()[1:2] == [role]
        assert "  ok  " in row, row
    assert lines[-1] == "6 of 6 resources ok"
    # The check changes nothing: the relay it read is still off.
    assert not emulators["io"].coils[0]


def test_a_broken_rig_file_stops_the_check_with_its_one_line_error(tmp_path: Path, emulators):
    broken = tmp_path / "rig.yaml"
    broken.write_text(EMULATED.read_text().replace("    voltage_v: 3.6\n", "    voltage: 3.6\n"))
    (tmp_path / "instruments.yaml").write_text((EMULATED.parent / "instruments.yaml").read_text())
    line = broken.read_text().splitlines().index("    voltage: 3.6") + 1
    result = run_check(broken)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"rig file refused: {broken}:{line}: resources.psu.voltage: Extra inputs are not permitted"
    ]


def test_a_resource_that_is_absent_is_an_error_row_and_the_others_are_still_checked(
    tmp_path, emulators, capsys
):
    emulators["io"].stop()
    rig_file = tmp_path / "rig.yaml"
    text = EMULATED.read_text().replace("instruments.yaml@sim", f"{EMULATED.parent / 'instruments.yaml'}@sim")
    rig_file.write_text(
        text.replace(
            "address: TCPIP0::192.168.10.22::inst0::INSTR", "address: TCPIP0::192.168.10.99::inst0::INSTR"
        )
    )
    assert main([str(rig_file)]) == 1
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines()[2:-1]}
    assert "error: connect: cannot reach tcp 127.0.0.1:" in rows["io"]
    assert "error: *IDN?: no complete answer" in rows["jammer"]
    for name in ("radio", "maintenance", "psu", "home"):
        assert "  ok  " in rows[name], rows[name]
    assert out.splitlines()[-1] == "4 of 6 resources ok"


def test_a_radio_that_does_not_answer_skver_is_an_error_row_within_its_timeout(tmp_path, monkeypatch):
    rig_file = tmp_path / "rig.yaml"
    rig_file.write_text(
        "version: 1\nrig: {name: mute}\nresources:\n"
        "  radio: {role: wisun-radio, serial: {port: '${MUTE_RADIO}', baudrate: 115200, timeout_s: 0.3}}\n"
    )
    with line_endpoint(silent) as mute_radio:
        monkeypatch.setenv("MUTE_RADIO", mute_radio.url)
        started = time.monotonic()
        [finding] = check_rig(load_rig(rig_file))
        assert time.monotonic() - started < 1.5
    assert (finding.resource, finding.role, finding.ok) == ("radio", "wisun-radio", False)
    assert finding.status == "error: SKVER: no EVER answer within 0.3 s"


def test_the_radio_probe_can_be_replaced_by_the_radios_driver(emulators):
    asked = []

    def probe(name: str, port: serial.SerialBase, timeout_s: float) -> str:
        asked.append((name, port.is_open, timeout_s))
        return "BP35C2 via its driver"

    findings = {f.resource: f for f in check_rig(load_rig(EMULATED), probes={"wisun-radio": probe})}
    assert asked == [("radio", True, 2.0)]
    assert findings["radio"].identity == "BP35C2 via its driver"


def test_the_skver_probe_reads_past_the_echo_and_reports_fail(emulators):
    with serial.serial_for_url(emulators["radio"].url, timeout=0.5) as port:
        assert skver_probe("radio", port, 1.0) == "EVER 1.5.2"
    with (
        line_endpoint(lambda line: b"FAIL ER04\r\n") as refusing,
        serial.serial_for_url(refusing.url, timeout=0.5) as port,
        pytest.raises(RigError, match=r"radio: SKVER: answered 'FAIL ER04'"),
    ):
        skver_probe("radio", port, 1.0)


def test_the_skver_probe_asks_a_radio_on_a_pty():
    controller, device = os.openpty()
    stop = threading.Event()

    def module() -> None:  # the module's end of the line: answer SKVER like the emulator will
        pending = b""
        while not stop.is_set():
            if select.select([controller], [], [], 0.05)[0]:
                pending += os.read(controller, 256)
                if b"SKVER\r\n" in pending:
                    os.write(controller, b"EVER 1.2.10\r\nOK\r\n")
                    return

    thread = threading.Thread(target=module, daemon=True)
    thread.start()
    try:
        tty.setraw(device)
        with serial.serial_for_url(os.ttyname(device), baudrate=115200, timeout=0.5) as port:
            assert skver_probe("radio", port, 2.0) == "EVER 1.2.10"
    finally:
        stop.set()
        thread.join(2)
        os.close(device)
        os.close(controller)


def test_the_table_lines_up_its_columns():
    table = format_table(
        [
            Finding(
                resource="radio",
                role="wisun-radio",
                address="/dev/ttyUSB0 115200 Bd",
                ok=True,
                identity="EVER",
            ),
            Finding(
                resource="psu",
                role="power-supply",
                address="USB0::1::2::3::INSTR",
                ok=False,
                message="open: gone",
            ),
        ]
    )
    header, radio, psu = table.splitlines()
    assert radio.index("wisun-radio") == psu.index("power-supply") == header.index("role")
    assert radio.index("/dev/ttyUSB0") == psu.index("USB0::") == header.index("address")
    assert radio.index("ok") == psu.index("error: open: gone") == header.index("status")
    assert radio.endswith("EVER") and psu.endswith("error: open: gone")
