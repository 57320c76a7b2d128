"""The terminal's home side on a rig (``HomeSide``): the bench's metering device twin on a
real UDP socket of the rig's home LAN, speaking ECHONET Lite (port 3610).

The twin is used as it is (``conformance/twin/home/metering_device.py``): it sits on a small
simulated home network inside the bench, driven by the rig's clock, and a gateway joins
that network to the socket. A datagram from the LAN enters the network from its real
sender (``192.168.0.20``, port), addressed to the meter; what the meter answers goes
back out to that sender. The network's port mirror is the bench's record of the home
side (``traffic``), with the real addresses, so ``conformance.observe.home`` reads it as
it reads the twin's: the meter's address is the rig's home-lan address.

The socket is the rig's home-lan part (``rigs.drivers.homelansocket``, bound to the role
in ``rigs.roles``). What this side cannot do raises ``NotApplicable`` with the reason: a
terminal wired over RS-485 (Modbus RTU, the rig's meter-bus role) is not served on the
HIL profile yet, and a rig without a home LAN has nowhere to put the meter.

The bench's attacker on the home network (``add_rogue``, NAT-3.1-T2 and T4) sends real
UDP from the address the rig file gives it (home-lan ``rogue_address``) through the same
stimulus code as the twin's (``conformance.stimulus``). What it sends and what comes back
to it are written into the port mirror as they go, so the steps read one record. A real
socket cannot forge its source address nor hand a datagram to a next hop other than
the route table's: those two requests are not applicable on a rig.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.errors import BenchError, NotApplicable
from conformance.interfaces import MeterSpec, RogueDevice
from conformance.protocols import echonet
from conformance.sim.home_network import ALL_NODES, HomeDatagram, HomeNetwork, HomeTraffic
from conformance.sim.scheduler import Scheduler
from conformance.twin.home.home_side import InstalledMeter
from conformance.twin.home.metering_device import MeteringDevice
from rigs.drivers.homelansocket import HomeLanRogue
from rigs.profile.tending import tended
from rigs.protocols import HomeLanProtocol
from rigs.resources import NetworkInterface


class HilRogueDevice:
    """Implements :class:`conformance.interfaces.RogueDevice` with the rig's rogue socket;
    ``sent`` is what it put on the LAN, as the port mirror recorded it."""

    def __init__(self, driver: HomeLanRogue, network: HomeNetwork, *, ipv4: bool) -> None:
        self._driver = driver
        self._network = network
        self._ipv4 = ipv4
        self.address = driver.address
        self.sent: list[HomeDatagram] = []

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
        if src is not None and src != self.address:
            raise NotApplicable(
                f"the rig's rogue device sends from its own address ({self.address}); forging "
                f"{src} needs a raw socket, which the bench does not use"
            )
        if via is not None:
            raise NotApplicable(
                "the rig's rogue device cannot hand a datagram to a next hop of its choosing "
                "(the host's route table decides)"
            )
        port = echonet.ECHONET_PORT if src_port is None else src_port
        # The twin's home link is IPv6; on an IPv4 LAN its all-nodes group is ECHONET
        # Lite's 224.0.23.0 (ECHONET Lite Part 2 §3.3.2).
        target = echonet.MULTICAST_V4 if dst == ALL_NODES and self._ipv4 else dst
        datagram = self._network.send(
            src=self.address, src_port=port, dst=dst, dst_port=dst_port, payload=payload
        )
        self._driver.send(payload, target, dst_port, src_port=port)
        self.sent.append(datagram)
        return datagram

    def poll(self) -> None:
        """What came back to the rogue, into the port mirror."""
        for payload, sender, port, own_port in self._driver.receive():
            self._network.send(
                src=sender, src_port=port, dst=self.address, dst_port=own_port, payload=payload
            )


class HilHome(InstalledMeter):
    """Implements :class:`conformance.interfaces.HomeSide` over the rig's home-LAN socket,
    which ``open_lan`` opens when the scenario installs its meter (a scenario without one
    needs no home LAN). The meter's accessors are the twin's (``InstalledMeter``), asked
    after the rig has been tended."""

    def __init__(
        self,
        scheduler: Scheduler,
        lan: NetworkInterface | None,
        open_lan: Callable[[], HomeLanProtocol | None],
        *,
        meter_interface: str,
        tend: Callable[[], None] = lambda: None,
        open_rogue: Callable[[], HomeLanRogue | None] = lambda: None,
    ) -> None:
        self._scheduler = scheduler
        self._address = str(lan.address) if lan is not None else None
        self._open_lan = open_lan
        self._tend = tend
        self._open_rogue = open_rogue
        self._ipv4 = lan is not None and lan.address.version == 4
        self.rogue: HilRogueDevice | None = None
        self._lan: HomeLanProtocol | None = None
        self._meter_interface = meter_interface
        self.network = HomeNetwork(scheduler)
        self._traffic = HomeTraffic()
        self.network.add_monitor(self._traffic.append)
        self.network.add_monitor(self._gateway)
        self.device: MeteringDevice | None = None

    @property
    def traffic(self) -> HomeTraffic:
        return self._traffic

    @property
    def bus_traffic(self) -> list:
        # An empty list would say the terminal was silent on its RS-485 pair, which nothing on
        # the rig watches (the meter-bus role serves a meter, on hil not yet): THK-8-IF's
        # "and no other" would pass unseen.
        raise NotApplicable(
            "the rig watches no RS-485 pair (role meter-bus, not served on hil yet): "
            "what the terminal sends on its meter bus is not visible"
        )

    @property
    def meter_address(self) -> str:
        return self._address or "(no home LAN)"

    @tended
    def install_meter(self, spec: MeterSpec) -> None:
        if self._meter_interface != "echonet-lite":
            raise NotApplicable(
                "the hil profile does not serve a metering device on the meter bus (Modbus RTU) yet"
            )
        if self._address is None:
            raise NotApplicable("the rig has no home-lan resource for the metering device")
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

    @tended
    def meter_counters(self, at: float) -> tuple[int, int]:
        return super().meter_counters(at)

    @tended
    def set_load(self, *, import_w: float, export_w: float) -> None:
        super().set_load(import_w=import_w, export_w=export_w)

    @tended
    def meter_clock_error(self) -> float:
        return super().meter_clock_error()

    def add_meter_beside(self, spec: MeterSpec) -> str:
        raise NotApplicable("the hil profile serves one metering device on the rig's home LAN")

    @tended
    def add_rogue(self) -> RogueDevice:
        """The bench's attacker on the rig's home LAN; one per scenario."""
        if self.rogue is not None:
            raise BenchError("the scenario put a second rogue device on the home network")
        if self._address is None:
            raise NotApplicable("the rig has no home-lan resource for a rogue device")
        driver = self._open_rogue()
        if driver is None:
            raise NotApplicable(
                "the rig file gives the home-lan no rogue_address: no rogue device on the rig"
            )
        if self._lan is None:
            self._lan = self._open_lan()  # the terminal's answers to the meter show where it is
        self.rogue = HilRogueDevice(driver, self.network, ipv4=self._ipv4)
        return self.rogue

    def poll(self) -> None:
        """Datagrams that came back to the rogue device, into the port mirror (the rig calls
        it while it tends)."""
        if self.rogue is not None:
            self.rogue.poll()
