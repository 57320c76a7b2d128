"""The bench's UDP socket on the terminal's home LAN: where the bench's metering device
answers the terminal over ECHONET Lite (UDP 3610, ECHONET Lite Part 2 §3.3.2).

The socket binds the rig's home-lan address on port 3610 and, on an IPv4 LAN that is not
loopback, joins ECHONET Lite's multicast group 224.0.23.0 on it, where the terminal looks
for its meter (on the loopback of the emulated rig the terminal's bridge sends unicast).
It never blocks: :meth:`HomeLanSocket.receive` returns what is waiting.

:class:`HomeLanRogue` is the bench's attacker on the same LAN (NAT-3.1-T2, NAT-3.1-T4): real
UDP from an address of its own that the rig file names (``rogue_address``), one socket per
source port it sends from. It sends only to a target that cannot be anyone else's: an
address of this host (loopback, or one of a network namespace's interfaces: binding to it
succeeds), the terminal's address the rig file names (``terminal_address``), or the LAN's
link-scoped multicast groups. Anything else is refused before a datagram leaves: a flood
must never reach a stranger's network.
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


MAX_ROGUE_PORTS = 16  # the rogue's source ports: 3610, the probe's, the flood's, and a few


def is_local_address(address: str, scope_id: int = 0) -> bool:
    """Whether ``address`` belongs to this host (in this network namespace): a socket can
    bind to it only then (EADDRNOTAVAIL otherwise)."""
    parsed = ipaddress.ip_address(address)
    if parsed.is_loopback:
        return True
    family = socket.AF_INET if parsed.version == 4 else socket.AF_INET6
    where: tuple = (address, 0) if family == socket.AF_INET else (address, 0, 0, scope_id)
    with socket.socket(family, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind(where)
        except OSError:
            return False
    return True


class HomeLanRogue:
    """The bench's rogue device on the home LAN: UDP from ``address``, to allowed targets only."""

    def __init__(self, name: str, lan: NetworkInterface, address: str, terminal: str | None = None) -> None:
        self.resource = f"{name} (rogue {address}) on {lan.interface}"
        self.address = str(ipaddress.ip_address(address))
        self.terminal = None if terminal is None else str(ipaddress.ip_address(terminal))
        parsed = ipaddress.ip_address(self.address)
        self._family = socket.AF_INET if parsed.version == 4 else socket.AF_INET6
        try:
            self._index = socket.if_nametoindex(lan.interface)
        except OSError as exc:
            raise RigError(self.resource, "interface", f"no interface {lan.interface}") from exc
        self._scope = self._index if self._family == socket.AF_INET6 and parsed.is_link_local else 0
        self._sockets: dict[int, socket.socket] = {}

    def allowed(self, target: str) -> bool:
        """Whether the rogue may send to ``target`` (see the module's docstring)."""
        parsed = ipaddress.ip_address(target)
        if parsed.version != ipaddress.ip_address(self.address).version:
            return False
        if parsed.is_multicast:
            # Link-local scope only: ff02::/16 (RFC 4291 §2.7), or ECHONET Lite's IPv4
            # group 224.0.23.0 (ECHONET Lite Part 2 §3.3.2), which routers do not forward.
            return (
                parsed.version == 6 and target.lower().startswith("ff02:")
            ) or target == echonet.MULTICAST_V4
        return target == self.terminal or is_local_address(target, self._scope)

    def send(self, payload: bytes, address: str, port: int, *, src_port: int) -> None:
        """One datagram from ``src_port``; a target the rig does not allow is a ``RigError``."""
        if not self.allowed(address):
            raise RigError(
                self.resource,
                f"send to {address}:{port}",
                "refused: not an address of this host, the terminal's address the rig file "
                "names (home-lan terminal_address), nor the LAN's link-scoped multicast",
            )
        where: tuple = (address, port) if self._family == socket.AF_INET else (address, port, 0, self._scope)
        try:
            self._socket(src_port).sendto(payload, where)
        except OSError as exc:
            raise RigError(self.resource, f"send to {address}:{port}", exc.strerror or str(exc)) from exc

    def receive(self) -> list[tuple[bytes, str, int, int]]:
        """Every datagram waiting: (payload, sender address, sender port, rogue's port)."""
        found = []
        for port, sock in self._sockets.items():
            while True:
                try:
                    payload, sender = sock.recvfrom(MAX_DATAGRAM)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break  # an ICMP port unreachable for an earlier probe: a closed port
                found.append((payload, _plain(sender[0]), sender[1], port))
        return found

    def close(self) -> None:
        for sock in self._sockets.values():
            with contextlib.suppress(OSError):
                sock.close()
        self._sockets.clear()

    def _socket(self, port: int) -> socket.socket:
        found = self._sockets.get(port)
        if found is not None:
            return found
        if len(self._sockets) >= MAX_ROGUE_PORTS:
            raise RigError(
                self.resource, f"bind port {port}", f"the rogue uses at most {MAX_ROGUE_PORTS} ports"
            )
        sock = socket.socket(self._family, socket.SOCK_DGRAM)
        where: tuple = (
            (self.address, port) if self._family == socket.AF_INET else (self.address, port, 0, self._scope)
        )
        try:
            sock.bind(where)
        except OSError as exc:
            sock.close()
            raise RigError(self.resource, f"bind port {port}", exc.strerror or str(exc)) from exc
        sock.setblocking(False)
        if self._family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, self._index)
        else:
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(self.address))
        self._sockets[port] = sock
        return sock
