"""The bench's UDP socket on the terminal's home LAN: where the bench's metering device
answers the terminal over ECHONET Lite (UDP 3610, ECHONET Lite Part 2 §3.3.2).

The socket binds the rig's home-lan address on port 3610 and, on an IPv4 LAN that is not
loopback, joins ECHONET Lite's multicast group 224.0.23.0 on it, where the terminal looks
for its meter (on the loopback of the emulated rig the terminal's bridge sends unicast).
It never blocks: :meth:`HomeLanSocket.receive` returns what is waiting.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from typing import TYPE_CHECKING

from conformance.protocols import echonet
from rigs import RigError
from rigs.resources import NetworkInterface

if TYPE_CHECKING:
    from rigs.roles import HomeLanEntry

MAX_DATAGRAM = 65535


class HomeLanSocket:
    """Implements :class:`~rigs.protocols.HomeLanProtocol` at the rig's address, port 3610."""

    def __init__(self, name: str, lan: NetworkInterface) -> None:
        self.name, self.lan = name, lan
        self.resource = f"{name} on {lan.describe()}"
        self.address = str(lan.address)
        family = socket.AF_INET if lan.address.version == 4 else socket.AF_INET6
        try:
            index = socket.if_nametoindex(lan.interface)
        except OSError as exc:
            raise RigError(self.resource, "interface", f"no interface {lan.interface}") from exc
        self.socket = socket.socket(family, socket.SOCK_DGRAM)
        where: tuple = (self.address, echonet.ECHONET_PORT)
        if family == socket.AF_INET6:
            where = (self.address, echonet.ECHONET_PORT, 0, index if lan.address.is_link_local else 0)
        try:
            self.socket.bind(where)
        except OSError as exc:
            self.socket.close()
            raise RigError(
                self.resource, f"bind port {echonet.ECHONET_PORT}", exc.strerror or str(exc)
            ) from exc
        self.socket.setblocking(False)
        if family == socket.AF_INET and not lan.address.is_loopback:
            membership = socket.inet_aton(echonet.MULTICAST_V4) + socket.inet_aton(self.address)
            try:
                self.socket.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            except OSError as exc:
                self.socket.close()
                raise RigError(
                    self.resource, f"join {echonet.MULTICAST_V4}", exc.strerror or str(exc)
                ) from exc

    @classmethod
    def from_entry(cls, name: str, entry: HomeLanEntry) -> HomeLanSocket:
        return cls(name, entry.network)

    def fileno(self) -> int:
        return self.socket.fileno()

    def receive(self) -> list[tuple[bytes, str, int]]:
        """Every datagram waiting: (payload, sender address, sender port)."""
        found = []
        while True:
            try:
                payload, sender = self.socket.recvfrom(MAX_DATAGRAM)
            except (BlockingIOError, InterruptedError):
                return found
            except OSError:
                return found  # an ICMP error for an earlier datagram: nothing to read now
            found.append((payload, _plain(sender[0]), sender[1]))

    def send(self, payload: bytes, address: str, port: int) -> None:
        try:
            self.socket.sendto(payload, (address, port))
        except OSError as exc:
            raise RigError(self.resource, f"send to {address}:{port}", exc.strerror or str(exc)) from exc

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.socket.close()


def _plain(address: str) -> str:
    """``fe80::1%eth1`` -> ``fe80::1``: the port mirror names nodes without the scope."""
    return str(ipaddress.ip_address(address.split("%", 1)[0]))
