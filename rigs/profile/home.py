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
HIL profile yet, a rig without a home LAN has nowhere to put the meter, and the bench's
attacker on the home network (``add_rogue``) is not on a rig yet.
"""

from __future__ import annotations

from collections.abc import Callable

from conformance.errors import NotApplicable
from conformance.interfaces import MeterSpec, RogueDevice
from conformance.protocols import echonet
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.scheduler import Scheduler
from conformance.twin.home.home_side import InstalledMeter
from conformance.twin.home.metering_device import MeteringDevice
from rigs.profile.tending import tended
from rigs.protocols import HomeLanProtocol
from rigs.resources import NetworkInterface


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
    ) -> None:
        self._scheduler = scheduler
        self._address = str(lan.address) if lan is not None else None
        self._open_lan = open_lan
        self._tend = tend
        self._lan: HomeLanProtocol | None = None
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

    def add_rogue(self) -> RogueDevice:
        raise NotApplicable(
            "the hil profile has no attacker on the rig's home LAN yet: the home-side attacks run on the twin"
        )
