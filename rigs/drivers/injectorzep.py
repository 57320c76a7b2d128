"""An injector: a radio bridge that transmits the frames the bench sends it as ZEP v2.

The convention (README, "The injector's radio bridge"): the bench sends one ZEP v2 data
packet (``conformance.protocols.zep``, CRC mode: the frame carries its own FCS) per frame
to the bridge's UDP address; the bridge transmits the MPDU as it is, FCS included, on the
channel of the ZEP header (920 MHz band channels 33-60, channel page 9), at once, without
CSMA/CA and without waiting for an acknowledgement, and never alters the frame (no
sequence number, no security). Datagrams it cannot transmit it drops. The ZEP sequence
number counts the bench's packets, so a bridge's log can be matched with the report.
"""

from __future__ import annotations

import socket
import time
from typing import TYPE_CHECKING

from conformance.protocols import zep
from conformance.protocols.errors import BenchUsageError
from rigs import RigError

if TYPE_CHECKING:
    from rigs.resources import UdpPeer


class ZepInjector:
    """Implements :class:`~rigs.protocols.InjectorProtocol` towards a ZEP radio bridge."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.address = (host, port)
        self.resource = f"{name} on zep udp {host}:{port}"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_DGRAM)
        self._sequence = 0

    @classmethod
    def from_peer(cls, name: str, peer: UdpPeer) -> ZepInjector:
        return cls(name, peer.host, peer.port)

    def transmit(self, frame: bytes, channel: int) -> None:
        self._sequence = (self._sequence + 1) & 0xFFFFFFFF
        try:
            packet = zep.ZepFrame(
                channel=channel, frame=frame, timestamp=time.time(), sequence=self._sequence
            )
        except BenchUsageError as exc:  # a frame ZEP cannot carry (over 127 octets)
            raise RigError(self.resource, "transmit", str(exc)) from exc
        try:
            self._socket.sendto(zep.encode(packet, lqi_mode=False), self.address)
        except OSError as exc:
            raise RigError(self.resource, "transmit", exc.strerror or str(exc)) from exc

    def close(self) -> None:
        self._socket.close()
