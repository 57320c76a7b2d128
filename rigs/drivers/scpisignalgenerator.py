"""An RF signal generator on SCPI as the jammer: a carrier on a channel, steady or pulsed.

SCPI-99 commands: ``[SOURce:]FREQuency`` (Hz), ``[SOURce:]POWer`` (dBm),
``OUTPut:MODulation`` and ``OUTPut[:STATe]``. The carrier is set up before the output is
switched on, and never above the rig's ``max_power_dbm``: the rig file states what the
shield box or the attenuator takes, and the radio law allows nothing radiated outside it.

A pulsed jammer (THK-13-HOP: short pulses that destroy a share of the frames on the
channel) is the carrier under internal pulse modulation, in the subsystem's words of the
Keysight X-Series (MXG/EXG) programming reference: ``[SOURce:]PULM:SOURce INTernal``,
``PULM:SOURce:INTernal FRUN`` (free-running), ``PULM:INTernal:PERiod`` and
``PULM:INTernal:PWIDth`` (seconds), ``PULM:STATe``, with ``OUTPut:MODulation ON``. The
period is ``PULSE_PERIOD_S``, long against a frame (a 127-octet frame lasts about 11 ms
at 100 kb/s), so a frame is hit about as often as the carrier is on: the duty is the
share of frames destroyed. A steady carrier switches pulse modulation off.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rigs import RigError
from rigs.drivers.scpisession import ScpiSession
from rigs.resources import VisaInstrument

if TYPE_CHECKING:
    from rigs.roles import SignalGeneratorEntry  # the table imports this driver

PULSE_PERIOD_S = 1.0


class ScpiSignalGenerator:
    """Implements :class:`~rigs.protocols.JammerProtocol`."""

    def __init__(self, name: str, instrument: VisaInstrument, *, max_power_dbm: float) -> None:
        self.session = ScpiSession(name, instrument)
        self.max_power_dbm = max_power_dbm

    @classmethod
    def from_entry(cls, name: str, entry: SignalGeneratorEntry) -> ScpiSignalGenerator:
        return cls(name, entry.visa, max_power_dbm=entry.max_power_dbm)

    def open(self) -> str:
        """Open the generator with its output off; return its ``*IDN?`` identity."""
        identity = self.session.open()
        self.session.write("OUTP OFF")
        return identity

    def close(self) -> None:
        """Switch the carrier off, then let the instrument go."""
        try:
            if self.session.is_open:
                self.session.write("OUTP OFF")
        finally:
            self.session.close()

    def jam(self, channel_frequency_mhz: float, power_dbm: float, duty: float = 1.0) -> None:
        """The carrier on ``channel_frequency_mhz`` at ``power_dbm``, on for ``duty`` of the
        time (1.0: steady)."""
        frequency_hz = round(channel_frequency_mhz * 1e6)
        if not 0.0 < duty <= 1.0:
            raise RigError(self.session.name, "PULM:INT:PWID", f"a duty of {duty} is not within (0, 1]")
        if power_dbm > self.max_power_dbm:
            raise RigError(
                self.session.name,
                f"POW {power_dbm:.2f}",
                f"above the rig's max_power_dbm {self.max_power_dbm}",
            )
        if frequency_hz <= 0:
            raise RigError(self.session.name, f"FREQ {frequency_hz}", "a carrier needs a positive frequency")
        session = self._ready()
        session.write("OUTP OFF")  # a pulse set-up never shows half-made on the air
        if duty < 1.0:
            session.write("PULM:SOUR INT")
            session.write("PULM:SOUR:INT FRUN")
            session.write(f"PULM:INT:PER {PULSE_PERIOD_S:.6f}")
            session.write(f"PULM:INT:PWID {PULSE_PERIOD_S * duty:.6f}")
            session.write("PULM:STAT ON")
            session.write("OUTP:MOD ON")
        else:
            session.write("PULM:STAT OFF")
            session.write("OUTP:MOD OFF")
        session.write(f"FREQ {frequency_hz}")
        session.write(f"POW {power_dbm:.2f}")
        session.write("OUTP ON")

    def stop(self) -> None:
        self._ready().write("OUTP OFF")

    def _ready(self) -> ScpiSession:
        if not self.session.is_open:
            self.open()
        return self.session

    def __enter__(self) -> ScpiSignalGenerator:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
