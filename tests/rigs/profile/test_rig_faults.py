"""The rig side of the HIL profile, on the emulated rig in real time (x1): the rig check
finds every part; a rig file or a declaration with a mistake stops the run before
anything is driven, with one error naming the field; a part that stops answering or
vanishes mid-run breaks the scenario in flight within its timeout, and the run goes on.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
from pymodbus.client import ModbusTcpClient

from conformance.ics import DEFAULT_DECLARATION
from tests.rigs.profile.conftest import (
    RIG_FILE,
    ROOT,
    EmulatedRig,
    HilRun,
    clean_environment,
    emulated_rig,
    run_hil,
)
from tests.rigs.profile.proxy import swallowing_proxy

JOIN = "The terminal is authenticated within 90 seconds of power-on"
WRONG_PASSWORD = "A terminal with the wrong password never gets on the network"
PLAINTEXT = "The terminal drops a frame in plaintext and keeps working"
IO_TIMEOUT_S = 1.0  # rigs/emulators/rig.yaml: io.modbus.timeout_s
# Values the rig file's variables may take when no emulator is needed (nothing is opened).
UNUSED_PORTS = {
    "IOTROUTE_RIG_RADIO": "/dev/null",
    "IOTROUTE_RIG_MAINTENANCE": "/dev/zero",
    "IOTROUTE_RIG_DIGITAL_IO_PORT": "5020",
    "IOTROUTE_RIG_SIGNAL_GENERATOR_PORT": "5025",
    "IOTROUTE_RIG_ATTENUATOR_PORT": "5026",
}


@pytest.fixture(scope="module")
def rig(module_folder: Path):
    with emulated_rig(module_folder, pace=1) as started:
        yield started


def durations(run: HilRun) -> dict[str, float]:
    """Wall seconds per test, from the run's JUnit XML."""
    tree = ElementTree.fromstring(run.junit)
    return {case.get("name", ""): float(case.get("time", "0")) for case in tree.iter("testcase")}


def test_the_rig_check_identifies_every_emulated_instrument_and_port(rig: EmulatedRig):
    result = subprocess.run(
        [sys.executable, "-m", "rigs.check", str(RIG_FILE)],
        cwd=ROOT,
        env=rig.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    table = result.stdout.split("\nradio, step by step:\n")[0]  # the radio's steps follow the table
    rows = {line.split()[0]: line for line in table.splitlines()[2:]}
    expected = {
        "radio": ("wisun-radio", rig.variables["IOTROUTE_RIG_RADIO"], "EVER 1.2.10, A1 family"),
        "maintenance": ("maintenance-port", rig.variables["IOTROUTE_RIG_MAINTENANCE"], "port opened"),
        "psu": ("power-supply", "USB0::0x0000::0x3020::SIM000101::INSTR", "BENCHSIM,PS-3020,SIM000101,1.0.4"),
        "jammer": (
            "signal-generator",
            f"TCPIP::127.0.0.1::{rig.variables['IOTROUTE_RIG_SIGNAL_GENERATOR_PORT']}::SOCKET",
            "BENCHSIM,SG-6000-TCP,SIM000202,2.3.1",
        ),
        "atten": (
            "attenuator",
            f"TCPIP::127.0.0.1::{rig.variables['IOTROUTE_RIG_ATTENUATOR_PORT']}::SOCKET",
            "BENCHSIM,AT-11713-TCP,SIM000302,1.0.2",
        ),
        "io": ("digital-io", f"127.0.0.1:{rig.variables['IOTROUTE_RIG_DIGITAL_IO_PORT']}", "power relay off"),
        "home": ("home-lan", f"lo {rig.variables['IOTROUTE_RIG_HOME_ADDRESS']}", "lo index"),
    }
    assert set(rows) == set(expected)
    for name, (role, address, identity) in expected.items():
        assert rows[name].split()[1] == role and address in rows[name] and identity in rows[name], rows[name]
        assert "  ok  " in rows[name], rows[name]
    assert result.stdout.splitlines()[-1] == "7 of 7 resources ok"


def test_an_io_module_that_stops_answering_breaks_one_scenario_and_the_next_still_runs(
    rig: EmulatedRig, tmp_path: Path
):
    with swallowing_proxy(int(rig.variables["IOTROUTE_RIG_DIGITAL_IO_PORT"])) as proxy:
        env = rig.env(IOTROUTE_RIG_DIGITAL_IO_PORT=str(proxy.port))
        run = run_hil(tmp_path, env, "-k", "authenticated_within_90 or (drops_a_frame and plaintext)")
    assert len(proxy.swallowed) == 1
    join = [v for v in run.verdicts if v["scenario"] == JOIN and v["verdict"] != "not applicable"]
    assert [v["verdict"] for v in join] == ["error"], run.output[-3000:]
    message = join[0]["message"]
    assert message.startswith("rigs.RigError: io: write coil 0 on:"), message
    took = durations(run)["test_the_terminal_is_authenticated_within_90_seconds_of_poweron[0]"]
    assert took < IO_TIMEOUT_S + 3.0, took
    assert run.verdict(PLAINTEXT)["verdict"] == "pass", run.output[-3000:]


def test_a_radio_that_vanishes_mid_scenario_breaks_it_within_its_timeout_and_the_run_goes_on(tmp_path: Path):
    # A second emulated rig beside the module's: its terminal's home side on an address of its own.
    with emulated_rig(tmp_path, pace=60, home_terminal="127.0.0.3:3610") as vanishing:
        # Killed once the first scenario has powered the terminal on (coil 0, rig.yaml), not
        # after a fixed time: on a busy machine the run's start-up alone can outlast one.
        stop = threading.Event()
        killer = threading.Thread(target=kill_when_powered, args=(vanishing, stop, 1.0))
        killer.start()
        try:
            run = run_hil(tmp_path, vanishing.env(), "-k", "wrong_password or (drops_a_frame and plaintext)")
        finally:
            stop.set()
            killer.join()
    radio = vanishing.variables["IOTROUTE_RIG_RADIO"]
    lost = run.verdict(WRONG_PASSWORD)
    assert lost["verdict"] == "error" and f"radio on {radio}" in lost["message"], lost
    assert "lost" in lost["message"], lost
    after = run.verdict(PLAINTEXT)  # the whole emulator went: the first part the set-up needs says so
    assert after["verdict"] == "error", after
    assert after["message"].startswith("rigs.RigError: io: connect: cannot reach tcp 127.0.0.1:"), after
    took = durations(run)
    assert took["test_a_terminal_with_the_wrong_password_never_gets_on_the_network"] < 15.0
    assert took["test_the_terminal_drops_a_frame_protection_and_keeps_working[in plaintext]"] < 5.0


def kill_when_powered(rig, stop: threading.Event, after_s: float) -> None:
    """Kill the emulated rig ``after_s`` seconds after its terminal's relay (coil 0) closed."""
    client = ModbusTcpClient("127.0.0.1", port=int(rig.variables["IOTROUTE_RIG_DIGITAL_IO_PORT"]))
    try:
        while not stop.is_set():
            if client.connect():
                coils = client.read_coils(0, count=1, device_id=1)
                if not coils.isError() and coils.bits[0]:
                    if not stop.wait(after_s):
                        rig.process.kill()
                    return
            stop.wait(0.05)
    finally:
        client.close()


def refused(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "features",
        "--profile",
        "hil",
        "-p",
        "no:cacheprovider",
        *args,
    ]
    return subprocess.run(
        command,
        cwd=ROOT,
        env=env or clean_environment(**UNUSED_PORTS),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("ERROR:")]


def test_a_broken_rig_file_stops_the_run_with_one_error_naming_the_field(tmp_path: Path):
    broken = tmp_path / "rig.yaml"
    text = RIG_FILE.read_text()
    assert "      baudrate: 115200\n      timeout_s: 2\n" in text.split("  maintenance:")[0]  # the radio's
    broken.write_text(text.replace("      baudrate: 115200\n", "      baud: 115200\n", 1))
    (tmp_path / "instruments.yaml").write_text((RIG_FILE.parent / "instruments.yaml").read_text())
    line = broken.read_text()[: broken.read_text().index("baud: 115200")].count("\n") + 1
    result = refused(tmp_path, "--rig", str(broken))
    assert result.returncode == 4, result.stdout + result.stderr
    field = "resources.radio.serial.baud"
    assert error_lines(result) == [
        f"ERROR: rig file refused: {broken}:{line}: {field}: Extra inputs are not permitted"
    ]


def test_a_broken_declaration_stops_the_run_with_one_error_naming_the_field(tmp_path: Path):
    broken = tmp_path / "terminal.yaml"
    text = DEFAULT_DECLARATION.read_text()
    assert "  storage_days: 10\n" in text
    broken.write_text(text.replace("  storage_days: 10\n", "  storage_days: ten\n"))
    line = text[: text.index("  storage_days: 10\n")].count("\n") + 1
    result = refused(tmp_path, "--rig", str(RIG_FILE), "--ics", str(broken))
    assert result.returncode == 4, result.stdout + result.stderr
    [error] = error_lines(result)
    assert error.startswith(
        f"ERROR: terminal declaration refused: {broken}:{line}: metering.storage_days: "
    ), error


def test_a_terminal_twin_cannot_be_chosen_for_a_rig(tmp_path: Path):
    result = refused(tmp_path, "--rig", str(RIG_FILE), "--dut", "joins-late")
    assert result.returncode == 4
    [error] = error_lines(result)
    assert "on the hil profile the terminal is the one on the rig" in error
    assert "python -m rigs.emulators.terminal_rig --dut NAME" in error


def test_the_hil_profile_needs_a_rig_file(tmp_path: Path):
    result = refused(tmp_path)
    assert result.returncode == 4
    assert error_lines(result) == [
        "ERROR: --profile hil needs --rig PATH (the rig file that describes the hardware)"
    ]
