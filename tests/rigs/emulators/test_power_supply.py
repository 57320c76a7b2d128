"""The emulated rig's metered supply (rigs/emulators/power_supply.py): its current model of
the twin's radio, and the SCPI it answers."""

from __future__ import annotations

import contextlib
import random
import selectors
import socket
import time
from types import SimpleNamespace

import pytest

from conformance.sim.radio import RadioMedium, airtime_s
from conformance.sim.scheduler import Scheduler
from conformance.twin.terminal.current_model import RX_A, RX_WINDOW_S, SLEEP_A, TX_A, CurrentModel
from rigs.emulators.power_supply import EmulatedPowerSupply


@pytest.fixture
def world():
    scheduler = Scheduler()
    medium = RadioMedium(scheduler, random.Random(1))
    terminal = SimpleNamespace(state="joined")
    model = CurrentModel(medium, "terminal", lambda: terminal)
    supply = EmulatedPowerSupply(model, lambda: scheduler.now)
    yield scheduler, medium, terminal, supply
    supply.close()


def _read(supply: EmulatedPowerSupply) -> float:
    return float(supply.execute("MEAS:CURR?"))


def test_an_unpowered_output_reads_no_current(world):
    scheduler, _, _, supply = world
    scheduler.run_until(10.0)
    assert _read(supply) == 0.0
    assert supply.execute("OUTP?") == "OFF"


def test_a_sleeping_terminal_draws_the_sleep_current_plus_its_frames(world):
    scheduler, medium, _, supply = world
    port = medium.attach("terminal", lambda *a: None)
    supply.execute("OUTP ON")
    scheduler.run_until(100.0)
    port.transmit(bytes(50))
    supply.model.advance(scheduler.now)
    expected = SLEEP_A + (airtime_s(50) * TX_A + RX_WINDOW_S * RX_A) / 100.0
    assert _read(supply) == pytest.approx(expected, rel=1e-5)
    scheduler.run_until(200.0)
    assert _read(supply) == pytest.approx(SLEEP_A, rel=1e-5)  # the average since the last reading


@pytest.mark.parametrize("terminal", [{"state": "scanning"}, {"state": "joined", "radio_sleeps": False}])
def test_a_listening_receiver_draws_the_receive_current(world, terminal):
    scheduler, _, twin, supply = world
    vars(twin).update(terminal)
    supply.execute("OUTP ON")
    scheduler.run_until(50.0)
    assert _read(supply) == pytest.approx(RX_A)


def test_a_terminal_switched_off_draws_nothing(world):
    scheduler, _, twin, supply = world
    supply.execute("OUTP ON")
    twin.state = "off"
    scheduler.run_until(5.0)
    assert _read(supply) == 0.0


def test_the_supply_answers_scpi_and_queues_an_unknown_command(world):
    *_, supply = world
    assert supply.execute("*IDN?").startswith("BENCHSIM,")
    assert supply.execute("VOLT 3.6000") is None
    assert supply.execute("VOLT?") == "3.6000"
    assert supply.execute("BOGUS 1") is None
    assert supply.execute("SYST:ERR?").startswith("-100")
    assert supply.execute("SYST:ERR?").startswith("+0")


def _ask(selector: selectors.BaseSelector, host: socket.socket, line: bytes) -> bytes:
    """Send a line and pump the emulator's selector until the answer's line end."""
    host.sendall(line)
    answer = b""
    deadline = time.monotonic() + 5.0
    while not answer.endswith(b"\n"):
        assert time.monotonic() < deadline, "the supply did not answer"
        for key, _ in selector.select(timeout=0.01):
            assert key.data() == b""  # the supply answers by itself
        with contextlib.suppress(BlockingIOError):
            answer += host.recv(100)
    return answer


def test_the_supply_answers_on_its_tcp_port_and_forgets_half_a_command_of_a_host_that_left(world):
    *_, supply = world
    assert supply.address == f"TCPIP::127.0.0.1::{supply.port}::SOCKET"
    with selectors.DefaultSelector() as selector:
        supply.register(selector)
        with socket.create_connection(("127.0.0.1", supply.port), timeout=5) as first:
            first.setblocking(False)
            assert _ask(selector, first, b"OUTP ON\n*IDN?\n").startswith(b"BENCHSIM,")
            first.sendall(b"VOLT 9")  # ... and the host goes before the line end
        with socket.create_connection(("127.0.0.1", supply.port), timeout=5) as second:
            second.setblocking(False)
            assert _ask(selector, second, b".9\nVOLT?\n") == b"+0.000000E+00\n"
            assert _ask(selector, second, b"SYST:ERR?\n").startswith(b"-100")  # ".9" is no command
            assert _ask(selector, second, b"OUTP?\n") == b"ON\n"
