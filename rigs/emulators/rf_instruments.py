"""The emulated rig's RF instruments: a signal generator and a step attenuator, SCPI lines on
loopback TCP ports (VISA ``TCPIP::127.0.0.1::PORT::SOCKET`` resources, pyvisa-py's ``@py``
backend), that act on the twins' radio medium behind the emulated module.

pyvisa-sim answers from a table in the bench's own process, so nothing it is told can
reach the emulator's medium; these can, as ``power_supply.EmulatedPowerSupply`` measures
the twin's current. The driver tests still run against the pyvisa-sim devices of
``instruments.yaml`` (an oracle the emulator's author did not write, DESIGN.md rule 10).

**Signal generator** (``SCPI-99``: ``FREQ``, ``POW``, ``OUTP``, ``OUTP:MOD``; pulse
modulation in the Keysight X-Series words: ``PULM:SOUR``, ``PULM:SOUR:INT``,
``PULM:INT:PER``, ``PULM:INT:PWID``, ``PULM:STAT``). With its output on at the centre of an
IoT-route channel (within 0.1 MHz: half the channel spacing), the carrier jams that
channel of the medium: steadily, or, under internal pulse modulation, for the share of
frames ``PWID / PER`` (``RadioMedium.jam``'s duty). The emulated shield box has no loss:
the carrier reaches the terminal at its set power, and jams when it is at most
``CAPTURE_MARGIN_DB`` weaker than the smart meter's signal there (a weaker carrier is
captured under the wanted frame; conformance/MODELLED.md).

**Attenuator** (``ATT:BANK1:X`` as the Keysight 11713C names a bank's attenuator): the
path from the emulated module to the terminal. Its setting makes the link's RSSI
``rssi_at_0_db_dbm - attenuation`` in the medium, which the module reports in ERXUDP's
RSSI column (the C family) and the terminal reads when it chooses a meter.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from conformance.sim.radio import CHANNELS, RadioMedium, channel_frequency_mhz
from rigs.emulators.scpi_lines import ScpiLines

GENERATOR_IDENTITY = "BENCHSIM,SG-6000-TCP,SIM000202,2.3.1"
ATTENUATOR_IDENTITY = "BENCHSIM,AT-11713-TCP,SIM000302,1.0.2"
CAPTURE_MARGIN_DB = 10.0
CHANNEL_TOLERANCE_MHZ = 0.1
DATA_OUT_OF_RANGE = '-222,"Data out of range"'


def _number(text: str, low: float, high: float) -> float:
    value = float(text)
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(text)
    return value


def _switch(text: str) -> bool:
    if text in ("ON", "1"):
        return True
    if text in ("OFF", "0"):
        return False
    raise ValueError(text)


def channel_at(frequency_hz: float) -> int | None:
    """The IoT-route channel centred within ``CHANNEL_TOLERANCE_MHZ`` of a frequency."""
    mhz = frequency_hz / 1e6
    return next((c for c in CHANNELS if abs(channel_frequency_mhz(c) - mhz) <= CHANNEL_TOLERANCE_MHZ), None)


class EmulatedSignalGenerator(ScpiLines):
    """The jammer: its carrier jams a channel of ``medium`` while it is on."""

    identity = GENERATOR_IDENTITY

    def __init__(self, medium: RadioMedium, wanted_rssi_dbm: Callable[[], float], *, port: int = 0) -> None:
        super().__init__(port)
        self._medium = medium
        self._wanted = wanted_rssi_dbm
        self.frequency_hz = 1.0e9
        self.power_dbm = -110.0
        self.output = self.modulation = self.pulse = False
        self.pulse_source, self.pulse_mode = "EXT", "SQU"
        self.period_s, self.width_s = 1.0e-3, 5.0e-4
        self.jammed: tuple[int, float] | None = None  # (channel, duty) now on the medium

    def command(self, head: str, argument: str) -> str | None:
        queries: dict[str, Callable[[], str]] = {
            "FREQ?": lambda: f"{self.frequency_hz:+.9E}",
            "POW?": lambda: f"{self.power_dbm:+.2f}",
            "OUTP?": lambda: "ON" if self.output else "OFF",
            "OUTP:MOD?": lambda: "ON" if self.modulation else "OFF",
            "PULM:STAT?": lambda: "ON" if self.pulse else "OFF",
            "PULM:SOUR?": lambda: self.pulse_source,
            "PULM:SOUR:INT?": lambda: self.pulse_mode,
            "PULM:INT:PER?": lambda: f"{self.period_s:+.6E}",
            "PULM:INT:PWID?": lambda: f"{self.width_s:+.6E}",
        }
        if head in queries:
            return queries[head]()
        if head == "FREQ":
            self.frequency_hz = _number(argument, 9.0e3, 6.0e9)
        elif head == "POW":
            self.power_dbm = _number(argument, -130, 18)
        elif head == "OUTP":
            self.output = _switch(argument)
        elif head == "OUTP:MOD":
            self.modulation = _switch(argument)
        elif head == "PULM:STAT":
            self.pulse = _switch(argument)
        elif head == "PULM:SOUR" and argument in ("INT", "EXT"):
            self.pulse_source = argument
        elif head == "PULM:SOUR:INT" and argument in ("SQU", "FRUN", "TRIG"):
            self.pulse_mode = argument
        elif head == "PULM:INT:PER":
            self.period_s = _number(argument, 1.0e-7, 42)
        elif head == "PULM:INT:PWID":
            self.width_s = _number(argument, 1.0e-8, 42)
        else:
            raise KeyError(head)
        self.apply()
        return None

    def duty(self) -> float:
        """The share of the time the carrier is on."""
        pulsed = self.modulation and self.pulse and self.pulse_source == "INT"
        return min(1.0, self.width_s / self.period_s) if pulsed else 1.0

    def apply(self) -> None:
        """The medium as the generator's settings make it: the carrier's channel jammed."""
        channel = channel_at(self.frequency_hz)
        strong = self.power_dbm >= self._wanted() - CAPTURE_MARGIN_DB
        wanted = (channel, self.duty()) if self.output and channel is not None and strong else None
        if wanted == self.jammed:
            return
        if self.jammed is not None:
            self._medium.unjam(self.jammed[0])
        if wanted is not None:
            self._medium.jam(wanted[0], duty=wanted[1])
        self.jammed = wanted


class EmulatedAttenuator(ScpiLines):
    """The step attenuator in the module's path to the terminal; ``set_rssi`` is told the
    level the terminal then sees."""

    identity = ATTENUATOR_IDENTITY
    MAX_DB = 110.0

    def __init__(
        self,
        set_rssi: Callable[[float], None],
        *,
        rssi_at_0_db_dbm: float,
        attenuation_db: float,
        port: int = 0,
    ) -> None:
        super().__init__(port)
        self._set_rssi = set_rssi
        self.rssi_at_0_db_dbm = rssi_at_0_db_dbm
        self.attenuation_db = attenuation_db

    def command(self, head: str, argument: str) -> str | None:
        if head == "ATT:BANK1:X?":
            return f"{self.attenuation_db:.0f}"
        if head != "ATT:BANK1:X":
            raise KeyError(head)
        try:
            value = _number(argument, 0, self.MAX_DB)
        except ValueError:
            self.error(DATA_OUT_OF_RANGE)
            return None
        self.attenuation_db = value
        self._set_rssi(self.rssi_at_0_db_dbm - value)
        return None
