"""The emulated rig's bench power supply: SCPI lines on a loopback TCP socket (a VISA
``TCPIP::127.0.0.1::PORT::SOCKET`` resource, pyvisa-py's ``@py`` backend), whose
``MEAS:CURR?`` comes from a current model of the terminal twin behind it (THK-8-BATT).

pyvisa-sim answers a query from a fixed table, so it cannot tie a reading to what the
terminal does; this supply can. The model (conformance/MODELLED.md) is a radio's duty
cycle, integrated over twin time:

* unpowered (the output off, or the relay open): 0 A;
* powered, receiver on (the terminal scanning, or a radio that never sleeps): ``RX_A``;
* otherwise asleep: ``SLEEP_A``, plus for every frame the terminal transmits its airtime
  at ``TX_A`` and a receive window of ``RX_WINDOW_S`` at ``RX_A`` (its ack or answer).

``MEAS:CURR?`` answers the average current since the previous ``MEAS:CURR?`` (or since
the output was switched on): the charge over the interval, as a supply's integrating
meter reads. SCPI-99 vol. 2: ``MEASure:CURRent?``, ``OUTPut[:STATe]``, ``INSTrument:NSELect``,
``[SOURce:]VOLTage``, ``[SOURce:]CURRent``, ``SYSTem:ERRor?``; IEEE 488.2 ``*IDN?``, ``*CLS``.
"""

from __future__ import annotations

import selectors
from collections.abc import Callable

from conformance.twin.terminal.current_model import CurrentModel
from rigs.emulators.endpoints import TcpEndpoint

IDENTITY = "BENCHSIM,PS-3020-TCP,SIM000103,1.0.0"
MAX_LINE = 256
NO_ERROR, COMMAND_ERROR = '+0,"No error"', '-100,"Command error"'


class EmulatedPowerSupply:
    """One SCPI output on a loopback TCP port, one host at a time. Its endpoint answers the
    host by itself in the emulator's selector (its callables return b"")."""

    def __init__(self, model: CurrentModel, clock: Callable[[], float], *, port: int = 0) -> None:
        self.model, self._clock = model, clock
        self._endpoint = TcpEndpoint(port, receive=self._receive, hung_up=self._hung_up)
        self.port = self._endpoint.port
        self.address = f"TCPIP::127.0.0.1::{self.port}::SOCKET"
        self._pending = bytearray()
        self._errors: list[str] = []
        self.settings = {"INST:NSEL": "1", "VOLT": "+0.000000E+00", "CURR": "+1.000000E-01"}
        self.output = False
        self._since = 0.0

    def register(self, selector: selectors.BaseSelector) -> None:
        self._endpoint.register(selector)

    def _hung_up(self) -> None:
        self._pending.clear()  # half a command from a host that went

    def _receive(self, data: bytes) -> None:
        self._pending += data
        while b"\n" in self._pending:
            raw, _, rest = bytes(self._pending).partition(b"\n")
            self._pending = bytearray(rest)
            answer = self.execute(raw.decode("ascii", "replace").strip())
            if answer is not None:
                self._endpoint.write(answer.encode("ascii") + b"\n")
        if len(self._pending) > MAX_LINE:
            self._pending.clear()

    def execute(self, line: str) -> str | None:
        """One SCPI command; a query's answer, or None. An unknown command queues -100."""
        head, _, argument = line.upper().partition(" ")
        if head == "*IDN?":
            return IDENTITY
        if head in ("*CLS", "*RST"):
            self._errors.clear()
            return None
        if head == "SYST:ERR?":
            return self._errors.pop(0) if self._errors else NO_ERROR
        if head == "MEAS:CURR?":
            now = self._clock()
            current = self.model.take_average_a(now, self._since) if self.output else 0.0
            self._since = now
            return f"{current:+.6E}"
        if head == "OUTP?":
            return "ON" if self.output else "OFF"
        if head == "OUTP" and argument in ("ON", "1", "OFF", "0"):
            self.switch(argument in ("ON", "1"))
            return None
        if head.endswith("?") and head[:-1] in self.settings:
            return self.settings[head[:-1]]
        if head in self.settings and argument:
            self.settings[head] = argument
            return None
        if len(self._errors) < 16:
            self._errors.append(COMMAND_ERROR)
        return None

    def switch(self, on: bool) -> None:
        now = self._clock()
        self.model.advance(now)
        if on and not self.output:
            self.model.take_average_a(now, now)  # the integrator starts at switch-on
            self._since = now
        self.output = self.model.powered = on

    def close(self) -> None:
        self._endpoint.close()
