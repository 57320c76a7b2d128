"""The terminal on a rig (``Terminal``): its power through the rig's instruments, and its
maintenance port.

Power goes through whatever the rig has: a power supply (``PowerProtocol``) and/or the
relay of a digital I/O module (``DigitalIoProtocol``) in the terminal's supply line. On,
the supply's output first, then the relay; off, the relay first. What the rig lacks
raises ``NotApplicable`` with the reason: a rig with neither cannot power the terminal,
one without a power supply cannot measure its current, one without a maintenance-port
resource cannot reach its maintenance port.
"""

from __future__ import annotations

from conformance.errors import NotApplicable
from conformance.interfaces import MaintenancePort
from rigs.protocols import DigitalIoProtocol, PowerProtocol


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
    ) -> None:
        self._supply, self._relay = supply, relay
        self._maintenance = maintenance

    @property
    def maintenance(self) -> MaintenancePort:
        if self._maintenance is None:
            raise NotApplicable(
                "the rig has no maintenance-port resource: "
                "the bench cannot reach the terminal's maintenance port"
            )
        return self._maintenance

    def power_on(self) -> None:
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
