"""The terminal's home side in the twin: an IPv6 link carrying UDP datagrams between the
terminal's home interface and the devices of the home network (the metering device,
later a rogue device).

Datagrams are delivered after a fixed small latency, in order. Every datagram is also
handed to the monitors, so the bench observes the home side the way a port mirror on a
real LAN would (DESIGN.md rule 1): what the terminal sent, to whom, and when.

A datagram for a destination off the home link is sent ``via`` a next hop: it is
addressed at the IP layer to its destination (the smart meter, the HES...) but handed on
the home link to the next hop's link layer, modelled by the next hop's home address. It
reaches the interface ``attach``-ed at that address, if any: a host discards it, a
router would forward it (the isolation features check that the terminal does not).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from conformance.errors import BenchError
from conformance.sim.scheduler import Scheduler

LATENCY_S = 0.002  # a wired LAN or a short hop of a home wireless network
ALL_NODES = "ff02::1"  # RFC 4291 §2.7.1: link-local all-nodes multicast
# Datagrams a port mirror keeps: more than ten times the busiest scenario's (4,273), so a
# terminal or rogue that floods the home LAN costs a count, not the bench's memory.
MAX_HOME_DATAGRAMS = 50_000


@dataclass(frozen=True, slots=True, kw_only=True)
class HomeDatagram:
    """One UDP datagram on the home network, as a port mirror sees it."""

    time: float
    src: str
    src_port: int
    dst: str
    dst_port: int
    payload: bytes = field(repr=False)
    # The next hop on the home link when ``dst`` is not on it; None: sent to ``dst`` itself.
    via: str | None = None


Handler = Callable[[HomeDatagram], None]


class HomeTraffic(Sequence[HomeDatagram]):
    """What a port mirror recorded: the newest ``limit`` datagrams in time order, and how
    many earlier ones it let go (``dropped``), which the report states."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = MAX_HOME_DATAGRAMS if limit is None else limit
        self._kept: deque[HomeDatagram] = deque(maxlen=self.limit)
        self.dropped = 0

    def append(self, datagram: HomeDatagram) -> None:
        if len(self._kept) == self.limit:
            self.dropped += 1
        self._kept.append(datagram)

    def __len__(self) -> int:
        return len(self._kept)

    def __iter__(self) -> Iterator[HomeDatagram]:
        return iter(self._kept)

    def __eq__(self, other: object) -> bool:
        """Equal to a list (or another record) of the same datagrams, as the list it replaces."""
        if isinstance(other, HomeTraffic | list):
            return list(self._kept) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like the list it replaces

    @overload
    def __getitem__(self, index: int) -> HomeDatagram: ...
    @overload
    def __getitem__(self, index: slice) -> list[HomeDatagram]: ...
    def __getitem__(self, index: int | slice) -> HomeDatagram | list[HomeDatagram]:
        if isinstance(index, slice):
            return list(self._kept)[index]
        return self._kept[index]


class HomeNetwork:
    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._listeners: dict[tuple[str, int], Handler] = {}
        self._interfaces: dict[str, Handler] = {}
        self._monitors: list[Handler] = []

    def listen(self, address: str, port: int, handler: Handler) -> None:
        key = (address, port)
        if key in self._listeners:
            raise BenchError(f"two home-side nodes listen on [{address}]:{port}")
        self._listeners[key] = handler

    def unlisten(self, address: str, port: int) -> None:
        self._listeners.pop((address, port), None)

    def attach(self, address: str, handler: Handler) -> None:
        """The interface of the node at ``address``: it receives the datagrams sent ``via``
        that address, whatever their destination (what reaches its link layer)."""
        if address in self._interfaces:
            raise BenchError(f"two home-side interfaces have the address {address}")
        self._interfaces[address] = handler

    def detach(self, address: str) -> None:
        self._interfaces.pop(address, None)

    def add_monitor(self, monitor: Handler) -> None:
        self._monitors.append(monitor)

    def listening_ports(self, address: str) -> set[int]:
        """The UDP ports a node listens on (a bridge to a real LAN opens the same)."""
        return {port for (listener, port) in self._listeners if listener == address}

    def send(
        self, *, src: str, src_port: int, dst: str, dst_port: int, payload: bytes, via: str | None = None
    ) -> HomeDatagram:
        datagram = HomeDatagram(
            time=self._scheduler.now,
            src=src,
            src_port=src_port,
            dst=dst,
            dst_port=dst_port,
            payload=payload,
            via=via,
        )
        for monitor in self._monitors:
            monitor(datagram)
        self._scheduler.call_later(LATENCY_S, self._deliver, datagram)
        return datagram

    def _deliver(self, datagram: HomeDatagram) -> None:
        if datagram.via is not None:
            interface = self._interfaces.get(datagram.via)
            if interface is not None:
                interface(datagram)
            return
        if datagram.dst == ALL_NODES:
            targets = [
                handler
                for (address, port), handler in self._listeners.items()
                if port == datagram.dst_port and address != datagram.src
            ]
        else:
            handler = self._listeners.get((datagram.dst, datagram.dst_port))
            targets = [handler] if handler is not None else []
        for handler in targets:
            handler(datagram)
