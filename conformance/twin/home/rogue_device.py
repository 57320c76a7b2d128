"""The twin profile's ``RogueDevice``: a node of the simulated home network that sends
whatever the scenario asks, from its own address or a forged one, on-link or ``via`` a
next hop (addressed beyond the home link, handed to the next hop's link layer: how a host
sends through a router). What it sends is ``conformance.stimulus.rogue_requests``.
"""

from __future__ import annotations

from conformance.protocols import echonet
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.scheduler import Scheduler
from conformance.stimulus.rogue_requests import ROGUE_ADDRESS, ROGUE_PROBE_PORT


class TwinRogueDevice:
    """The rogue device on the twin's home network; ``sent`` is its own log."""

    def __init__(self, *, scheduler: Scheduler, network: HomeNetwork, address: str = ROGUE_ADDRESS) -> None:
        self._scheduler = scheduler
        self._network = network
        self.address = address
        self.sent: list[HomeDatagram] = []
        self.received: list[HomeDatagram] = []
        for port in (echonet.ECHONET_PORT, ROGUE_PROBE_PORT):
            network.listen(address, port, self.received.append)

    def send(
        self,
        payload: bytes,
        *,
        dst: str,
        dst_port: int,
        src: str | None = None,
        src_port: int | None = None,
        via: str | None = None,
    ) -> HomeDatagram:
        datagram = self._network.send(
            src=self.address if src is None else src,
            src_port=echonet.ECHONET_PORT if src_port is None else src_port,
            dst=dst,
            dst_port=dst_port,
            payload=payload,
            via=via,
        )
        self.sent.append(datagram)
        return datagram
