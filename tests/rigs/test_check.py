"""The rig check command: ``python -m rigs.check RIG.yaml`` on the emulated rig."""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

import pytest
import serial

from rigs import RigError
from rigs.check import RADIO_STEPS, Finding, Step, check_rig, format_table, main, skver_probe
from rigs.rigfile import load_rig
from tests.rigs.drivers.test_skstack_radio import C_EINFO, emulator, scripted
from tests.rigs.endpoints import (
    line_endpoint,
    modbus_io_server,
    rf_instruments,
    silent,
    skstack_version_responder,
)

ROOT = Path(__file__).parents[2]
EMULATED = ROOT / "rigs" / "emulators" / "rig.yaml"
RUN_TIMEOUT_S = 60


@pytest.fixture
def emulators(monkeypatch: pytest.MonkeyPatch):
    """The emulated rig's serial ends and I/O module, their addresses in the environment;
    the radio is the SKSTACK-IP module emulator (BP35A1 layout) on loopback TCP."""
    with (
        emulator("--tcp", "0") as (_, radio, _started),
        line_endpoint(silent) as maintenance,
        modbus_io_server(device_id=1) as io,
        rf_instruments() as rf,
    ):
        io.inputs[0] = True  # the terminal's LED is lit
        monkeypatch.setenv("IOTROUTE_RIG_RADIO", radio)
        monkeypatch.setenv("IOTROUTE_RIG_MAINTENANCE", maintenance.url)
        monkeypatch.setenv("IOTROUTE_RIG_DIGITAL_IO_PORT", str(io.port))
        monkeypatch.setenv("IOTROUTE_RIG_SIGNAL_GENERATOR_PORT", str(rf.generator.port))
        monkeypatch.setenv("IOTROUTE_RIG_ATTENUATOR_PORT", str(rf.attenuator.port))
        yield {"radio": radio, "maintenance": maintenance, "io": io, "rf": rf}


def table_rows(out: str) -> dict[str, str]:
    """The table's rows by resource, without the header, the steps and the summary."""
    lines = out.splitlines()[2:-1]
    rows = lines[: next((n for n, line in enumerate(lines) if line.endswith(", step by step:")), len(lines))]
    return {line.split()[0]: line for line in rows}


def steps_of(out: str, resource: str) -> list[list[str]]:
    """The step lines printed under ``resource, step by step:``, each split in words."""
    lines = out.splitlines()
    start = lines.index(f"{resource}, step by step:") + 1
    return [line.split() for line in lines[start : start + len(RADIO_STEPS)]]


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
    rows = table_rows(result.stdout)
    assert set(rows) == {"radio", "maintenance", "psu", "jammer", "atten", "io", "home"}
    expected = {
        "radio": ("wisun-radio", emulators["radio"], "EVER 1.2.10, A1 family, ERXUDP binary"),
        "maintenance": ("maintenance-port", emulators["maintenance"].url, "port opened"),
        "psu": ("power-supply", "USB0::0x0000::0x3020::SIM000101::INSTR", "BENCHSIM,PS-3020,SIM000101,1.0.4"),
        "jammer": (
            "signal-generator",
            f"TCPIP::127.0.0.1::{emulators['rf'].generator.port}::SOCKET",
            "BENCHSIM,SG-6000-TCP,SIM000202,2.3.1",
        ),
        "atten": (
            "attenuator",
            f"TCPIP::127.0.0.1::{emulators['rf'].attenuator.port}::SOCKET",
            "BENCHSIM,AT-11713-TCP,SIM000302,1.0.2",
        ),
        "io": ("digital-io", f"tcp 127.0.0.1:{emulators['io'].port} unit 1", "power relay off, LED input on"),
        "home": ("home-lan", "lo 127.0.0.1", "lo index"),
    }
    for name, (role, address, identity) in expected.items():
        row = rows[name]
        assert f" {role} " in row and address in row and identity in row, row
        assert row.split()[1:2] == [role]
        assert "  ok  " in row, row
    assert lines[-1] == "7 of 7 resources ok"
    # The check switched nothing on: no carrier on the air, the attenuator where it was.
    assert emulators["rf"].generator.jammed is None and emulators["rf"].levels == []
    # The radio was opened as a scenario opens it, each step printed under the table.
    steps = steps_of(result.stdout, "radio")
    assert [(step[0], step[1]) for step in steps] == [(name, "ok") for name in RADIO_STEPS]
    assert steps[0][2:] == ["A1", "family", "(EINFO),", "ERXUDP", "data", "binary,", "SFE", "0"]
    assert steps[3][2:] == ["SFE", "0"]
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
    tmp_path, emulators, capsys, monkeypatch
):
    emulators["io"].stop()
    with socket.socket() as gone:  # a port nobody listens on: the jammer went
        gone.bind(("127.0.0.1", 0))
        monkeypatch.setenv("IOTROUTE_RIG_SIGNAL_GENERATOR_PORT", str(gone.getsockname()[1]))
    rig_file = tmp_path / "rig.yaml"
    text = EMULATED.read_text().replace("instruments.yaml@sim", f"{EMULATED.parent / 'instruments.yaml'}@sim")
    rig_file.write_text(
        text.replace(
            "address: USB0::0x0000::0x3020::SIM000101::INSTR", "address: TCPIP0::192.168.10.99::inst0::INSTR"
        )
    )
    assert main([str(rig_file)]) == 1
    out = capsys.readouterr().out
    rows = table_rows(out)
    assert "error: connect: cannot reach tcp 127.0.0.1:" in rows["io"]
    assert "error: *IDN?: no complete answer" in rows["psu"]
    assert "  error: " in rows["jammer"], rows["jammer"]
    for name in ("radio", "maintenance", "atten", "home"):
        assert "  ok  " in rows[name], rows[name]
    assert out.splitlines()[-1] == "4 of 7 resources ok"


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
    assert finding.status.startswith("error: ") and "0.3 s" in finding.status, finding.status
    assert [(step.name, step.ok) for step in finding.steps] == [("open", False)] + [
        (name, None) for name in RADIO_STEPS[1:]
    ]


def test_the_radio_probe_can_be_replaced_by_the_radios_driver(emulators):
    asked = []

    def probe(name: str, port: serial.SerialBase, timeout_s: float) -> str:
        asked.append((name, port.is_open, timeout_s))
        return "BP35C2 via its driver"

    findings = {f.resource: f for f in check_rig(load_rig(EMULATED), probes={"wisun-radio": probe})}
    assert asked == [("radio", True, 2.0)]
    assert findings["radio"].identity == "BP35C2 via its driver"


def test_the_skver_probe_reads_past_the_echo_and_reports_fail():
    with (
        line_endpoint(skstack_version_responder) as radio,
        serial.serial_for_url(radio.url, timeout=0.5) as port,
    ):
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


def keeping_registers(module) -> dict[str, bytes]:
    """Make a scripted module answer SKSREG reads with what was written (ESREG, 3.1)."""
    registers: dict[str, bytes] = {}

    def answer(command) -> bytes:
        if len(command.args) == 2:
            registers[command.args[0]] = command.args[1].encode()
            return b"OK\r\n"
        return b"ESREG " + registers.get(command.args[0], b"0") + b"\r\nOK\r\n"

    module.responders["SKSREG"] = answer
    return registers


def radio_rig(tmp_path: Path, port: str, options: str = "") -> Path:
    rig_file = tmp_path / "rig.yaml"
    rig_file.write_text(
        "version: 1\nrig: {name: one-radio}\nresources:\n"
        f"  radio: {{role: wisun-radio, serial: {{port: '{port}', baudrate: 115200, timeout_s: 0.5}}"
        f"{options}}}\n"
    )
    return rig_file


def test_a_radio_that_answers_only_skver_is_an_error_row(tmp_path):
    """issue 12: SKVER alone said "ok" while every scenario then failed at set-up."""
    with line_endpoint(skstack_version_responder) as radio:
        [finding] = check_rig(load_rig(radio_rig(tmp_path, radio.url)))
    assert not finding.ok and finding.steps[0] == Step("open", False, finding.steps[0].detail)
    assert "FAIL ER04" in finding.message, finding.message


@pytest.mark.parametrize(
    ("answers", "failed", "problem"),
    [
        ({"SKRESET": b"FAIL ER10\r\n"}, "SKRESET", "SKRESET: FAIL ER10"),
        ({"SKSREG": b"FAIL ER06\r\n"}, "open", "SKSREG SFE 0: FAIL ER06"),
        ({"SKINFO": b"FAIL ER10\r\n"}, "open", "SKINFO: FAIL ER10"),
    ],
    ids=["SKRESET refused", "registers refused", "SKINFO refused"],
)
def test_a_radio_that_answers_skver_but_fails_a_later_step_is_an_error_row_naming_it(
    tmp_path, answers, failed, problem
):
    with scripted() as module:
        keeping_registers(module)
        module.answers.update(answers)
        if "SKSREG" in answers:
            del module.responders["SKSREG"]
        [finding] = check_rig(load_rig(radio_rig(tmp_path, module.path)))
        assert "SKVER" in module.names()  # it did answer SKVER (the driver's resynchronisation)
    assert not finding.ok and problem in finding.message, finding.message
    at = RADIO_STEPS.index(failed)
    assert [step.ok for step in finding.steps] == [True] * at + [False] + [None] * (len(RADIO_STEPS) - at - 1)
    assert problem in finding.steps[at].detail


def test_a_silent_skreset_fails_its_step_within_the_timeout(tmp_path):
    with scripted(silent=frozenset({"SKRESET"})) as module:
        keeping_registers(module)
        started = time.monotonic()
        [finding] = check_rig(load_rig(radio_rig(tmp_path, module.path)))
        assert time.monotonic() - started < 5.0
    assert [step.ok for step in finding.steps][:2] == [True, False]
    assert "SKRESET: no answer within 0.5 s" in finding.message, finding.message


def test_a_malformed_line_while_the_radio_listens_fails_the_listen(tmp_path, monkeypatch):
    with scripted() as module:
        keeping_registers(module)
        original = module.answers["SKINFO"]
        # The module answers SKINFO, then prints a line no reference knows of.
        module.answers["SKINFO"] = original + b"EVENT 2Z FE80::1\r\n"
        [finding] = check_rig(load_rig(radio_rig(tmp_path, module.path)))
    assert [step.ok for step in finding.steps][-1] is False
    assert finding.message.startswith("listen: ") and "malformed line" in finding.message, finding.message


def test_a_c_family_radio_gets_the_rig_file_s_sa2_and_reads_it_back(tmp_path):
    with scripted(ropt_answer=b"FAIL ER04\r\n", info_answer=C_EINFO) as module:
        registers = keeping_registers(module)
        [finding] = check_rig(
            load_rig(radio_rig(tmp_path, module.path, ", model: BP35C2, rssi_column: true"))
        )
    assert finding.ok, finding.message
    assert finding.identity == "EVER 1.2.10, C family, ERXUDP hex"
    assert finding.steps[3] == Step("registers", True, "SFE 0, SA2 1")
    assert registers == {"SFE": b"0", "SA2": b"1"}
