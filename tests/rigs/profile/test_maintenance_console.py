"""The maintenance-port driver (rigs/drivers/maintenanceconsole.py) against terminals on real
serial lines (a pyserial ``socket://`` port, a pty), and the plug-in interface for
terminals that speak another protocol (rigs/profile/plugins.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tty
from pathlib import Path

import pytest

from conformance.errors import BenchError, TerminalFailure
from conformance.ics import load_declaration
from conformance.protocols.maintenance import status
from rigs import RigError
from rigs.drivers.maintenanceconsole import MaintenanceConsole
from rigs.profile import plugins
from rigs.resources import SerialPort
from tests.rigs.endpoints import line_endpoint, silent
from tests.rigs.profile.conftest import RIG_FILE, ROOT, clean_environment

TIMEOUT_S = 0.3


def terminal(line: bytes) -> bytes:
    """A terminal speaking the line protocol, its lines split over several writes' worth."""
    if line == b"CLOCK?":
        return b"OK 2026-04-01T09:00:00+09:00\r\n"
    if line.startswith(b"VALUES? "):
        return b"VALUE 2026-04-01T09:00:00+09:00 12345 0\nVALUE 2026-04-01T09:30:00+09:00 12945 0\rOK 2\r\n"
    if line.startswith(b"SETTING password "):
        return b"OK\r\n"
    return b"ERR SYNTAX " + line.split(b" ")[0] + b"\r\n"


def console_on(url: str) -> MaintenanceConsole:
    return MaintenanceConsole(url, timeout_s=TIMEOUT_S, name="maintenance")


def test_an_answer_is_read_up_to_its_status_line_whatever_the_line_ends():
    with line_endpoint(terminal) as port, console_on(port.url) as console:
        assert console.command("CLOCK?") == ["OK 2026-04-01T09:00:00+09:00"]
        answer = console.command("VALUES? 2026-04-01T09:00:00+09:00 2026-04-01T10:00:00+09:00")
        assert answer == [
            "VALUE 2026-04-01T09:00:00+09:00 12345 0",
            "VALUE 2026-04-01T09:30:00+09:00 12945 0",
            "OK 2",
        ]
        assert console.command("FROB") == ["ERR SYNTAX FROB"]
    assert console.transcript[:2] == ["> CLOCK?", "< OK 2026-04-01T09:00:00+09:00"]


def test_the_transcript_masks_a_password_that_was_sent():
    with line_endpoint(terminal) as port, console_on(port.url) as console:
        assert console.command("SETTING password s3cret-Pa55") == ["OK"]
    assert console.transcript == ["> SETTING password ********", "< OK"]
    assert not any("s3cret" in line for line in console.transcript)


def test_a_silent_terminal_gives_no_status_line_within_the_timeout_and_fails_the_step():
    with line_endpoint(silent) as port, console_on(port.url) as console:
        started = time.monotonic()
        answer = console.command("CLOCK?")
        assert TIMEOUT_S <= time.monotonic() - started < TIMEOUT_S + 0.5
    assert answer == []
    assert console.transcript == ["> CLOCK?", f"  (no status line within {TIMEOUT_S:g} s)"]
    with pytest.raises(TerminalFailure, match="answer without a status line"):
        status(answer)


def test_garbage_from_the_terminal_is_its_failure_not_a_crash():
    with line_endpoint(lambda line: b"\xff\xfe\x00 noise\r\n") as port, console_on(port.url) as console:
        answer = console.command("CLOCK?")
    assert len(answer) == 1 and answer[0].endswith("noise")
    with pytest.raises(TerminalFailure):
        status(answer)


def test_a_port_that_cannot_be_opened_is_a_rig_error_naming_it():
    console = MaintenanceConsole("/dev/does-not-exist", timeout_s=TIMEOUT_S, name="maintenance")
    with pytest.raises(RigError, match=r"^maintenance on /dev/does-not-exist: open: "):
        console.command("CLOCK?")


def test_a_port_lost_mid_command_is_a_rig_error_naming_the_command():
    master, slave = os.openpty()
    tty.setraw(slave)
    console = console_on(os.ttyname(slave))
    console.open()
    os.close(master)  # the USB adapter pulled out: reads on the slave now fail
    with pytest.raises(RigError, match=r"CLOCK\?: port lost"):
        console.command("CLOCK?")
    assert console.transcript[-1].startswith("  (port lost")
    os.close(slave)


def test_a_command_is_one_line():
    console = console_on("/dev/null")
    with pytest.raises(BenchError, match="is one line"):
        console.command("SETTING password x\nCLOCK?")


# -- plug-ins ---------------------------------------------------------------------------


@pytest.fixture
def vendor_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed distribution declaring two maintenance-port plug-ins (entry points)."""
    (tmp_path / "acme_console.py").write_text(
        "class Console:\n"
        "    def __init__(self, name, resource):\n"
        "        self.name, self.resource, self.transcript = name, resource, []\n"
        "    def command(self, line):\n"
        "        self.transcript.append('> ' + line)\n"
        "        return ['OK acme ' + line]\n"
        "def open_console(name, resource, declaration):\n"
        "    return Console(name, resource)\n"
        "def open_nothing(name, resource, declaration):\n"
        "    return object()\n"
    )
    info = tmp_path / "acme_console-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-console\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{plugins.ENTRY_POINT_GROUP}]\n"
        "acme-hdlc = acme_console:open_console\n"
        "acme-broken = acme_console:open_nothing\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_a_vendor_plugin_is_found_by_its_entry_point_and_opens_the_port(vendor_plugin: Path):
    assert {"line", "acme-hdlc", "acme-broken"} <= set(plugins.available())
    resource = SerialPort(port="/dev/ttyUSB1", baudrate=9600)
    port = plugins.open_port("acme-hdlc", "maintenance", resource, load_declaration())
    assert port.command("CLOCK?") == ["OK acme CLOCK?"]
    assert port.resource == resource and port.transcript == ["> CLOCK?"]


def test_a_plugin_that_returns_no_port_is_refused_with_its_name(vendor_plugin: Path):
    resource = SerialPort(port="/dev/ttyUSB1", baudrate=9600)
    with pytest.raises(BenchError, match="plug-in 'acme-broken' returned object, which lacks command"):
        plugins.open_port("acme-broken", "maintenance", resource, load_declaration())


def test_the_built_in_line_protocol_is_the_bench_driver():
    resource = SerialPort(port="/dev/ttyUSB1", baudrate=9600, timeout_s=0.5)
    port = plugins.open_port(plugins.BUILT_IN, "maintenance", resource, load_declaration())
    assert isinstance(port, MaintenanceConsole) and port.resource == "maintenance on /dev/ttyUSB1"


def test_an_unknown_maintenance_protocol_stops_the_run_before_anything_is_driven():
    env = clean_environment(
        IOTROUTE_RIG_RADIO="/dev/null",
        IOTROUTE_RIG_MAINTENANCE="/dev/zero",
        IOTROUTE_RIG_DIGITAL_IO_PORT="5020",
        IOTROUTE_RIG_SIGNAL_GENERATOR_PORT="5025",
        IOTROUTE_RIG_ATTENUATOR_PORT="5026",
    )
    command = [sys.executable, "-m", "pytest", "features", "--profile", "hil", "--rig", str(RIG_FILE)]
    result = subprocess.run(
        [*command, "--maintenance-protocol", "acme-hdlc", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 4
    assert "ERROR: --maintenance-protocol: no maintenance-port plug-in 'acme-hdlc'; installed: line" in (
        result.stdout + result.stderr
    )
