"""The small interfaces steps ask a rig for (labgrid's protocols; STYLE.md).

A step asks for a ``PowerProtocol``, never for ``ScpiPowerSupply``: any driver that
implements it will do, on a real rig or an emulated one. Every method is bounded by the
resource's timeout and raises :class:`~rigs.RigError` when the part fails.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class PowerProtocol(Protocol):
    """Powers the terminal and measures what it draws (THK-8-BATT)."""

    def on(self) -> None: ...

    def off(self) -> None: ...

    def cycle(self, off_s: float = 2.0) -> None:
        """Off, ``off_s`` seconds of wall-clock time, on."""
        ...

    def measure_current_a(self) -> float:
        """The current the terminal draws now, in amperes."""
        ...


@runtime_checkable
class JammerProtocol(Protocol):
    """Occupies a channel with a carrier, as interference or a busy channel would."""

    def jam(self, channel_frequency_mhz: float, power_dbm: float) -> None: ...

    def stop(self) -> None: ...


@runtime_checkable
class DigitalIoProtocol(Protocol):
    """Relays and inputs of an I/O module (the terminal's power, its LED)."""

    def set_relay(self, n: int, on: bool) -> None: ...

    def read_input(self, n: int) -> bool: ...
