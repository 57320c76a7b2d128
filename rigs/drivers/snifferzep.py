"""A sniffer that sends each frame it hears as a ZEP v2 datagram to the bench.

The bench binds the rig file's address (port 17754, Wireshark's ``zep`` dissector's, by
default) and decodes each datagram with ``conformance.protocols.zep``. A datagram that is
not ZEP v2 data, or a frame the sniffer heard with a bad CRC (LQI mode's CRC OK bit), is
counted and left out: UDP may carry other senders' datagrams, and a frame damaged on the
way to the sniffer is not the frame the terminal sent.
"""

from __future__ import annotations

import select
import socket
from typing import TYPE_CHECKING

from conformance.protocols import zep
from conformance.protocols.errors import ProtocolError
from rigs import RigError
from rigs.drivers.sniffer import POLL_S, RecordingSniffer

if TYPE_CHECKING:
    from rigs.resources import ZepFeed


class ZepSniffer(RecordingSniffer):
    """Implements :class:`~rigs.protocols.SnifferProtocol` on a UDP socket receiving ZEP v2."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.host, self.port = host, port
        super().__init__(f"{name} on zep udp {host}:{port}")
        self._socket: socket.socket | None = None
        self.ignored = 0  # datagrams that were not ZEP v2 data
        self.bad_crc = 0  # frames the sniffer heard damaged

    @classmethod
    def from_feed(cls, name: str, feed: ZepFeed) -> ZepSniffer:
        return cls(name, feed.host, feed.port)

    def open(self) -> str:
        try:
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            self._socket = socket.socket(family, socket.SOCK_DGRAM)
            self._socket.bind((self.host, self.port))
        except OSError as exc:
            if self._socket is not None:
                self._socket.close()
                self._socket = None
            raise RigError(self.resource, "bind", exc.strerror or str(exc)) from exc
        self._record.start(self._read, f"sniffer zep {self.port}")
        return f"{self.resource}: ZEP v2 listener"

    def _read(self) -> None:
        assert self._socket is not None
        while not self._record.closing.is_set():
            ready, _, _ = select.select([self._socket], [], [], POLL_S)
            if not ready:
                continue
            try:
                datagram = self._socket.recv(65535)
            except OSError:
                continue
            try:
                packet = zep.decode(datagram)
            except ProtocolError:
                self.ignored += 1
                continue
            if not isinstance(packet, zep.ZepFrame):
                continue
            if not packet.crc_ok:
                self.bad_crc += 1
                continue
            self._record.add(packet.frame, packet.timestamp, channel=packet.channel, rssi_dbm=packet.rssi_dbm)

    def _close_feed(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
