"""The terminal on a rig (``Terminal``): its power through the rig's instruments, and its
maintenance port.

Power goes through whatever the rig has: a power supply (``PowerProtocol``) and/or the
relay of a digital I/O module (``DigitalIoProtocol``) in the terminal's supply line. On,
the supply's output first, then the relay; off, the relay first. What the rig lacks
raises ``NotApplicable`` with the reason: a rig with neither cannot power the terminal,
one without a power supply cannot measure its current, one without a maintenance-port
resource cannot reach its maintenance port.

A rig without instruments may power the terminal by other means (the rig file's
``power``): by hand, the bench prompting the operator (:class:`OperatorPower`), or by a
reboot through the maintenance port. Either serves a scenario's set-up (off, then on
when the scenario powers the terminal on); neither can cut the power for a timed while
in the middle of a scenario, so a scenario that does ("powered off for 10 minutes") is
not applicable there, and says it needs a power supply or relay.
"""

from __future__ import annotations

import os
import select
import sys
import time
from typing import TextIO

from conformance.errors import NotApplicable
from conformance.interfaces import MaintenancePort
from rigs import RigError
from rigs.protocols import DigitalIoProtocol, PowerProtocol


class OperatorPower:
    """``power: manual``: the operator switches the terminal when the bench asks.

    The prompt goes to the console (stderr, which pytest does not capture); the answer is
    one line read from ``console`` (``/dev/tty``, or a file or named pipe a test writes),
    within ``timeout_s``: past it, the rig is broken, not the terminal. The state asked for
    last is remembered, so the operator is not asked twice to switch it off.
    """

    def __init__(self, console: str, timeout_s: float, *, prompts: TextIO | None = None) -> None:
        self.console = console
        self.timeout_s = timeout_s
        self._prompts = prompts
        self._fd: int | None = None
        self._pending = b""
        self.powered: bool | None = None  # unknown until the operator has switched it once
        self.asked: list[str] = []

    def switch(self, on: bool) -> None:
        if self.powered is on:
            return
        what = "on" if on else "off"
        prompt = f"[hil] switch the terminal {what}, then press Enter (waiting {self.timeout_s:g} s)"
        self.asked.append(prompt)
        out = self._prompts or sys.__stderr__
        if out is not None:
            print(prompt, file=out, flush=True)
        self._read_line(f"power {what}")
        self.powered = on

    def _read_line(self, command: str) -> bytes:
        deadline = time.monotonic() + self.timeout_s
        if self._fd is None:
            try:
                # Non-blocking, so a named pipe with no writer yet does not hold the open.
                self._fd = os.open(self.console, os.O_RDONLY | os.O_NONBLOCK)
            except OSError as exc:
                raise RigError("operator console", command, f"cannot read {self.console}: {exc}") from exc
        while b"\n" not in self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RigError(
                    "operator console", command, f"no answer on {self.console} within {self.timeout_s:g} s"
                )
            ready, _, _ = select.select([self._fd], [], [], min(remaining, 0.2))
            chunk = os.read(self._fd, 256) if ready else b""
            if not chunk:
                time.sleep(min(0.05, max(0.0, remaining)))  # end of a file or a pipe's writer gone
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return line

    def describe(self) -> str:
        return "by hand (power: manual)"

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class ScenarioPort:
    """The rig's maintenance port as one scenario sees it: its transcript starts empty."""

    def __init__(self, port: MaintenancePort) -> None:
        self._port = port
        self._start = len(port.transcript)

    @property
    def transcript(self) -> list[str]:
        return self._port.transcript[self._start :]

    def command(self, line: str) -> list[str]:
        return self._port.command(line)


class HilTerminal:
    """Implements :class:`conformance.interfaces.Terminal` with the rig's parts."""

    def __init__(
        self,
        *,
        supply: PowerProtocol | None,
        relay: tuple[DigitalIoProtocol, int] | None,
        maintenance: MaintenancePort | None,
        operator: OperatorPower | None = None,
        reboot: str | None = None,
    ) -> None:
        self._supply, self._relay = supply, relay
        self._maintenance = maintenance
        self._operator = operator  # power: manual
        self._reboot = reboot  # power: maintenance, the port's command
        # Set while the scenario's own steps run: a power cut then is a timed one.
        self.in_scenario = False

    @property
    def _instruments(self) -> bool:
        return self._supply is not None or self._relay is not None

    def _by_other_means(self) -> str | None:
        if self._operator is not None:
            return self._operator.describe()
        if self._reboot is not None:
            return "by a reboot through its maintenance port (power: maintenance)"
        return None

    @property
    def maintenance(self) -> MaintenancePort:
        if self._maintenance is None:
            raise NotApplicable(
                "the rig has no maintenance-port resource: "
                "the bench cannot reach the terminal's maintenance port"
            )
        return self._maintenance

    def power_on(self) -> None:
        if not self._instruments and self._operator is not None:
            self._operator.switch(True)
            return
        if not self._instruments and self._reboot is not None:
            # The terminal restarts as from power-on; its reply is whatever it prints.
            self.maintenance.command(self._reboot)
            return
        if self._supply is None and self._relay is None:
            raise NotApplicable(
                "the rig has no power supply and no power relay: the bench cannot power the terminal"
            )
        if self._supply is not None:
            self._supply.on()
        if self._relay is not None:
            module, coil = self._relay
            module.set_relay(coil, True)

    def power_off(self) -> None:
        other = None if self._instruments else self._by_other_means()
        if other is not None and self.in_scenario:
            raise NotApplicable(
                f"the rig powers the terminal {other}: a timed power cut needs a power supply "
                "or a power relay (roles power-supply, digital-io)"
            )
        if other is not None and self._operator is not None:
            self._operator.switch(False)
        # power: maintenance cannot switch the terminal off; the reboot at power-on restarts it.
        if self._relay is not None:
            module, coil = self._relay
            module.set_relay(coil, False)
        if self._supply is not None:
            self._supply.off()

    def measure_current_a(self) -> float:
        """The supply's ``MEAS:CURR?`` (THK-8-BATT)."""
        if self._supply is None:
            raise NotApplicable(
                "the rig has no power supply (role power-supply) to measure the terminal's current"
            )
        return self._supply.measure_current_a()
