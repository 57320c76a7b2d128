"""The terminal's home side on a rig (``HomeSide``): the bench's metering device twin on a
real UDP socket of the rig's home LAN, speaking ECHONET Lite (port 3610).

The twin is used as it is (``conformance/twin/home/metering_device.py``): it sits on a small
simulated home network inside the bench, driven by the rig's clock, and a gateway joins
that network to the socket. A datagram from the LAN enters the network from its real
sender (``192.168.0.20``, port), addressed to the meter; what the meter answers goes
back out to that sender. The network's port mirror is the bench's record of the home
side (``traffic``), with the real addresses, so ``conformance.observe.home`` reads it as
it reads the twin's: the meter's address is the rig's home-lan address.

The socket joins ECHONET Lite's IPv4 multicast group 224.0.23.0 (ECHONET Lite Part 2
§3.3.2) on the interface, where the terminal looks for its meter; on the loopback of the
emulated rig the terminal's bridge sends unicast. A terminal wired over RS-485 (Modbus
RTU, the rig's meter-bus role) is not served on the HIL profile yet: it is skipped.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
from collections.abc import Callable

import pytest

from conformance.interfaces import MeterSpec
from conformance.protocols import echonet
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.scheduler import Scheduler
from conformance.twin.home.home_side import InstalledMeter
from conformance.twin.home.metering_device import MeteringDevice
from rigs import RigError
from rigs.resources import NetworkInterface

MULTICAST_V4 = "224.0.23.0"
MAX_DATAGRAM = 65535


class HomeLanSocket:
    """The bench's UDP socket on the home LAN, at the rig's address and port 3610."""

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
            membership = socket.inet_aton(MULTICAST_V4) + socket.inet_aton(self.address)
            try:
                self.socket.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
            except OSError as exc:
                self.socket.close()
                raise RigError(self.resource, f"join {MULTICAST_V4}", exc.strerror or str(exc)) from exc

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


class HilHome(InstalledMeter):
    """One scenario's home side over the rig's home-LAN socket, which ``open_lan`` opens
    when the scenario installs its meter (a scenario without one needs no home LAN)."""

    def __init__(
        self,
        scheduler: Scheduler,
        lan: NetworkInterface | None,
        open_lan: Callable[[], HomeLanSocket | None],
        *,
        meter_interface: str,
    ) -> None:
        self._scheduler = scheduler
        self._address = str(lan.address) if lan is not None else None
        self._open_lan = open_lan
        self._lan: HomeLanSocket | None = None
        self._meter_interface = meter_interface
        self.network = HomeNetwork(scheduler)
        self._traffic: list[HomeDatagram] = []
        self.network.add_monitor(self._traffic.append)
        self.network.add_monitor(self._gateway)
        self.device: MeteringDevice | None = None

    @property
    def traffic(self) -> list[HomeDatagram]:
        return self._traffic

    @property
    def bus_traffic(self) -> list:
        return []

    @property
    def meter_address(self) -> str:
        return self._address or "(no home LAN)"

    def install_meter(self, spec: MeterSpec) -> None:
        if self._meter_interface != "echonet-lite":
            pytest.skip("the hil profile does not serve a metering device on the meter bus (Modbus RTU) yet")
        if self._address is None:
            pytest.skip("the rig has no home-lan resource for the metering device")
        self._lan = self._open_lan()
        if self.device is not None:
            self.device.remove()
        self.device = MeteringDevice(
            scheduler=self._scheduler, network=self.network, address=self.meter_address, spec=spec
        )

    def receive(self, payload: bytes, sender: str, port: int) -> None:
        """A datagram from the LAN: into the home network, addressed to the bench's meter."""
        self.network.send(
            src=sender, src_port=port, dst=self.meter_address, dst_port=echonet.ECHONET_PORT, payload=payload
        )

    def _gateway(self, datagram: HomeDatagram) -> None:
        if (
            self._lan is not None
            and datagram.src == self.meter_address
            and datagram.dst != self.meter_address
        ):
            self._lan.send(datagram.payload, datagram.dst, datagram.dst_port)
