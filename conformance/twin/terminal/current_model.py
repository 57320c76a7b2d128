"""What the terminal twin draws from its supply: a radio's duty cycle over twin time
(THK-8-BATT). The twin profile's power supply and the emulated rig's SCPI supply both read
it; the model is listed in conformance/MODELLED.md.

* unpowered (the output off, or the relay open): 0 A;
* powered, receiver on (the terminal scanning, or a radio that never sleeps): ``RX_A``;
* otherwise asleep: ``SLEEP_A``, plus for every frame the terminal transmits its airtime
  at ``TX_A`` and a receive window of ``RX_WINDOW_S`` at ``RX_A`` (its ack or answer).
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.sim.radio import RadioMedium, RadioPort, airtime_s

SLEEP_A = 8e-6  # MCU in stop mode, radio off
RX_A = 15e-3  # 920 MHz receiver on
TX_A = 25e-3  # transmitting at 20 mW
RX_WINDOW_S = 0.02  # receiver kept on after each frame sent, for its ack or answer
LISTENING_STATES = frozenset({"scanning"})


class CurrentModel:
    """What the terminal twin draws, integrated over twin time (see the module's docstring)."""

    def __init__(self, medium: RadioMedium, terminal_port: str, terminal: Callable[[], object]) -> None:
        self._terminal = terminal
        self._port = terminal_port
        self.powered = False
        self._charge_as = 0.0
        self._last_t: float | None = None
        sent = medium.transmit

        def transmitting(sender: RadioPort, frame: bytes) -> None:
            if sender.name == terminal_port and sender.attached and self.powered:
                self._charge_as += airtime_s(len(frame)) * TX_A + RX_WINDOW_S * RX_A
            sent(sender, frame)

        medium.transmit = transmitting  # type: ignore[method-assign]

    def base_current_a(self) -> float:
        terminal = self._terminal()
        state = getattr(terminal, "state", "off")
        if not self.powered or state == "off":
            return 0.0
        if state in LISTENING_STATES or not getattr(terminal, "radio_sleeps", True):
            return RX_A
        return SLEEP_A

    def advance(self, now: float) -> None:
        if self._last_t is not None and now > self._last_t:
            self._charge_as += (now - self._last_t) * self.base_current_a()
        self._last_t = now if self._last_t is None else max(now, self._last_t)

    def take_average_a(self, now: float, since: float) -> float:
        """The average since ``since``; the integrator starts again at ``now``."""
        self.advance(now)
        charge, self._charge_as = self._charge_as, 0.0
        return charge / (now - since) if now > since else self.base_current_a()
