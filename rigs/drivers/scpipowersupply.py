"""A programmable bench power supply on SCPI: the terminal's power and its current.

The SCPI-99 commands (vol. 2, command reference): ``INSTrument:NSELect`` picks the
output, ``[SOURce:]VOLTage`` and ``[SOURce:]CURRent`` set the level and the current limit,
``OUTPut[:STATe]`` switches it, ``MEASure:CURRent?`` reads what the terminal draws.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rigs import RigError
from rigs.drivers.scpisession import ScpiSession, shown_answer
from rigs.resources import VisaInstrument

if TYPE_CHECKING:
    from rigs.roles import PowerSupplyEntry  # the table imports this driver

_ON, _OFF = frozenset({"1", "ON"}), frozenset({"0", "OFF"})


class ScpiPowerSupply:
    """Implements :class:`~rigs.protocols.PowerProtocol` on one output of a SCPI supply."""

    def __init__(
        self,
        name: str,
        instrument: VisaInstrument,
        *,
        channel: int = 1,
        voltage_v: float,
        current_limit_a: float,
    ) -> None:
        self.session = ScpiSession(name, instrument)
        self.channel, self.voltage_v, self.current_limit_a = channel, voltage_v, current_limit_a
        self._configured = False

    @classmethod
    def from_entry(cls, name: str, entry: PowerSupplyEntry) -> ScpiPowerSupply:
        return cls(
            name,
            entry.visa,
            channel=entry.channel,
            voltage_v=entry.voltage_v,
            current_limit_a=entry.current_limit_a,
        )

    def open(self) -> str:
        """Open the supply and set the output's voltage and current limit; return ``*IDN?``."""
        identity = self.session.open()
        self.session.write(f"INST:NSEL {self.channel}")
        self.session.write(f"VOLT {self.voltage_v:.4f}")
        self.session.write(f"CURR {self.current_limit_a:.4f}")
        self._configured = True
        return identity

    def close(self) -> None:
        self.session.close()
        self._configured = False

    def on(self) -> None:
        self._switch("ON")

    def off(self) -> None:
        self._switch("OFF")

    def cycle(self, off_s: float = 2.0) -> None:
        self.off()
        time.sleep(off_s)
        self.on()

    def is_on(self) -> bool:
        state = self._ready().query("OUTP?").upper()
        if state not in _ON | _OFF:
            raise RigError(self.session.name, "OUTP?", f"answered {shown_answer(state)}, not ON or OFF")
        return state in _ON

    def measure_current_a(self) -> float:
        return self._ready().query_float("MEAS:CURR?")

    def _switch(self, state: str) -> None:
        self._ready().write(f"OUTP {state}")
        # Read it back: a supply in protection (OVP, OCP) refuses to switch on silently.
        if self.is_on() != (state == "ON"):
            raise RigError(self.session.name, f"OUTP {state}", "the output did not follow")

    def _ready(self) -> ScpiSession:
        # After a failure the session is dropped; reopening sets the output up again.
        if not (self._configured and self.session.is_open):
            self.open()
        return self.session

    def __enter__(self) -> ScpiPowerSupply:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
