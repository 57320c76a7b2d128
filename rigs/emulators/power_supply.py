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

from collections.abc import Callable

from conformance.twin.terminal.current_model import CurrentModel
from rigs.emulators.scpi_lines import ScpiLines

IDENTITY = "BENCHSIM,PS-3020-TCP,SIM000103,1.0.0"


class EmulatedPowerSupply(ScpiLines):
    """One SCPI output on a loopback TCP port, one host at a time. Its endpoint answers the
    host by itself in the emulator's selector (its callables return b"")."""

    identity = IDENTITY

    def __init__(self, model: CurrentModel, clock: Callable[[], float], *, port: int = 0) -> None:
        super().__init__(port)
        self.model, self._clock = model, clock
        self.settings = {"INST:NSEL": "1", "VOLT": "+0.000000E+00", "CURR": "+1.000000E-01"}
        self.output = False
        self._since = 0.0

    def command(self, head: str, argument: str) -> str | None:
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
        raise KeyError(head)

    def switch(self, on: bool) -> None:
        now = self._clock()
        self.model.advance(now)
        if on and not self.output:
            self.model.take_average_a(now, now)  # the integrator starts at switch-on
            self._since = now
        self.output = self.model.powered = on
