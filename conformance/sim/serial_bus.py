"""An RS-485 bus in the twin: the wire between a terminal and a meter read over Modbus RTU.

Frames are octets, delivered to every other node after their time on the wire, and handed
to the monitors first, the way a bus analyser clipped onto the pair sees them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.sim.scheduler import Scheduler

BAUD = 19_200  # a common meter-bus rate; 8E1 framing, 11 bits a character
BITS_PER_CHARACTER = 11


@dataclass(frozen=True, slots=True)
class BusFrame:
    time: float
    sender: str
    frame: bytes = field(repr=False)


Receiver = Callable[[bytes], None]


class SerialBus:
    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._nodes: dict[str, Receiver] = {}
        self._monitors: list[Callable[[BusFrame], None]] = []

    def attach(self, name: str, receiver: Receiver) -> None:
        self._nodes[name] = receiver

    def detach(self, name: str) -> None:
        self._nodes.pop(name, None)

    def add_monitor(self, monitor: Callable[[BusFrame], None]) -> None:
        self._monitors.append(monitor)

    def transmit(self, sender: str, frame: bytes) -> None:
        record = BusFrame(self._scheduler.now, sender, frame)
        for monitor in self._monitors:
            monitor(record)
        wire_time = len(frame) * BITS_PER_CHARACTER / BAUD
        for name, receiver in list(self._nodes.items()):
            if name != sender:
                self._scheduler.call_later(wire_time, receiver, frame)
