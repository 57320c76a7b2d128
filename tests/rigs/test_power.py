"""How a rig without instruments powers the terminal (the rig file's ``power``): by hand,
the operator answering a prompt, or by a reboot through the maintenance port; a timed
power cut in a scenario is not applicable there (issue 12)."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest

from conformance.errors import NotApplicable
from conformance.yamlfile import DocumentError
from rigs import RigError
from rigs.profile.terminal import HilTerminal, OperatorPower
from rigs.rigfile import load_rig

RADIO = "  radio: {role: wisun-radio, serial: {port: /dev/ttyUSB0, baudrate: 115200}}\n"
PORT = "  maintenance: {role: maintenance-port, serial: {port: /dev/ttyUSB1, baudrate: 115200}}\n"
SUPPLY = (
    "  psu:\n    role: power-supply\n"
    "    visa: {address: 'TCPIP0::192.168.10.21::inst0::INSTR', backend: '@py'}\n"
    "    voltage_v: 3.6\n    current_limit_a: 0.5\n"
)


def rig_file(tmp_path: Path, power: str, resources: str) -> Path:
    path = tmp_path / "rig.yaml"
    path.write_text(f"version: 1\nrig: {{name: hand}}\n{power}resources:\n{resources}")
    return path


@pytest.mark.parametrize(
    ("power", "by", "timeout_s", "reboot"),
    [
        ("", "instruments", 300.0, "REBOOT"),
        ("power: manual\n", "manual", 300.0, "REBOOT"),
        ("power: {by: manual, timeout_s: 20, console: /tmp/answers}\n", "manual", 20.0, "REBOOT"),
        ("power: {by: maintenance, reboot: SYS RESTART}\n", "maintenance", 300.0, "SYS RESTART"),
    ],
)
def test_the_rig_file_says_how_the_terminal_is_powered(tmp_path, power, by, timeout_s, reboot):
    rig = load_rig(rig_file(tmp_path, power, RADIO + PORT))
    assert (rig.power.by, rig.power.timeout_s, rig.power.reboot) == (by, timeout_s, reboot)


@pytest.mark.parametrize(
    ("power", "resources", "field", "message"),
    [
        # The short form names the field as the file writes it: ``power`` (line 3).
        ("power: manual\n", RADIO + SUPPLY, "power", "power by manual, but psu switches the terminal"),
        ("power: maintenance\n", RADIO, "power", "power by maintenance needs a resource in the role"),
        (
            "power: {by: hand}\n",
            RADIO,
            "power.by",
            "Input should be 'instruments', 'manual' or 'maintenance'",
        ),
        ("power: {by: manual, timeout: 3}\n", RADIO, "power.timeout", "Extra inputs are not permitted"),
    ],
    ids=["manual beside a supply", "maintenance without a port", "unknown means", "misspelt option"],
)
def test_a_power_mistake_names_the_line_and_field(tmp_path, power, resources, field, message):
    path = rig_file(tmp_path, power, resources)
    with pytest.raises(DocumentError) as excinfo:
        load_rig(path)
    assert (excinfo.value.line, excinfo.value.field) == (3, field)
    assert message in str(excinfo.value)


@pytest.fixture
def answers(tmp_path: Path):
    """A named pipe the test answers on, as the operator would press Enter."""
    fifo = tmp_path / "console"
    os.mkfifo(fifo)
    writer: list[int] = []

    def answer(lines: int = 1) -> None:
        if not writer:
            writer.append(os.open(fifo, os.O_RDWR))  # never waits for the reader (Linux)
        os.write(writer[0], b"\n" * lines)

    yield fifo, answer
    for fd in writer:
        os.close(fd)


def test_manual_power_prompts_the_operator_and_waits_for_the_answer(answers):
    fifo, answer = answers
    prompts = io.StringIO()
    operator = OperatorPower(str(fifo), 5.0, prompts=prompts)
    terminal = HilTerminal(supply=None, relay=None, maintenance=None, operator=operator)
    try:
        answer(1)  # the operator has switched it off already
        terminal.power_off()  # the scenario's set-up
        threading.Timer(0.3, answer).start()
        started = time.monotonic()
        terminal.power_on()  # waits for the operator
        assert 0.2 < time.monotonic() - started < 3.0
        assert operator.powered is True
    finally:
        operator.close()
    assert prompts.getvalue().splitlines() == [
        "[hil] switch the terminal off, then press Enter (waiting 5 s)",
        "[hil] switch the terminal on, then press Enter (waiting 5 s)",
    ]


def test_an_operator_is_not_asked_twice_for_the_same_state(answers):
    fifo, answer = answers
    operator = OperatorPower(str(fifo), 2.0, prompts=io.StringIO())
    answer(1)
    operator.switch(False)
    operator.switch(False)  # the end of one scenario, then the next one's set-up
    assert operator.asked == ["[hil] switch the terminal off, then press Enter (waiting 2 s)"]
    operator.close()


def test_an_operator_who_does_not_answer_breaks_the_scenario_within_the_timeout(tmp_path):
    console = tmp_path / "console"
    console.write_text("")  # a file that never gets a line
    operator = OperatorPower(str(console), 0.5, prompts=io.StringIO())
    started = time.monotonic()
    with pytest.raises(RigError, match=r"operator console: power on: no answer on .* within 0.5 s"):
        operator.switch(True)
    assert time.monotonic() - started < 1.5
    operator.close()


def test_a_timed_power_cut_is_not_applicable_without_instruments(answers):
    fifo, _ = answers
    operator = OperatorPower(str(fifo), 2.0, prompts=io.StringIO())
    terminal = HilTerminal(supply=None, relay=None, maintenance=None, operator=operator)
    terminal.in_scenario = True
    with pytest.raises(
        NotApplicable, match=r"by hand \(power: manual\): a timed power cut needs a power supply"
    ):
        terminal.power_off()
    assert operator.asked == []
    operator.close()


class Port:
    """A maintenance port that records what it was sent."""

    def __init__(self) -> None:
        self.transcript: list[str] = []

    def command(self, line: str) -> list[str]:
        self.transcript.append(line)
        return ["OK"]


def test_maintenance_power_reboots_the_terminal_and_never_cuts_it():
    port = Port()
    terminal = HilTerminal(supply=None, relay=None, maintenance=port, reboot="SYS RESTART")
    terminal.power_off()  # set-up: nothing can switch it off, the reboot restarts it
    terminal.power_on()
    assert port.transcript == ["SYS RESTART"]
    terminal.in_scenario = True
    with pytest.raises(NotApplicable, match=r"maintenance port \(power: maintenance\): a timed power cut"):
        terminal.power_off()
    with pytest.raises(NotApplicable, match="the rig has no power supply"):
        terminal.measure_current_a()


def test_without_any_means_power_on_is_not_applicable_as_before():
    terminal = HilTerminal(supply=None, relay=None, maintenance=None)
    terminal.power_off()
    with pytest.raises(NotApplicable, match="no power supply and no power relay"):
        terminal.power_on()
