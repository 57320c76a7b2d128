"""The twin profile's home side: the simulated home network, the bench's metering
device on it, and a port mirror that records every datagram (``HomeSide``)."""

from __future__ import annotations

from conformance.errors import BenchError, NotApplicable
from conformance.interfaces import MeterSpec
from conformance.sim.home_network import HomeNetwork, HomeTraffic
from conformance.sim.scheduler import Scheduler
from conformance.sim.serial_bus import BusFrame, SerialBus
from conformance.sim.timebase import JST
from conformance.twin.home import modbus_meter
from conformance.twin.home.metering_device import MeteringDevice
from conformance.twin.home.modbus_meter import ModbusMeterFrontEnd
from conformance.twin.home.rogue_device import TwinRogueDevice

METER_ADDRESS = "fe80::21d:129f:3500:10"
# A second metering device, beside the bench's own, for NAT-2.1-B (「1台を基本」).
SECOND_METER_ADDRESS = "fe80::21d:129f:3500:11"
METER_BUS_NODE = "meter"
MODBUS_UNIT = modbus_meter.DEFAULT_UNIT


class _LiveRegisters:
    """The metering device as the Modbus front end reads it: the counters right now."""

    def __init__(self, device: MeteringDevice, scheduler: Scheduler) -> None:
        self._device = device
        self._scheduler = scheduler

    @property
    def device_id(self) -> bytes:
        return self._device.device_id

    @property
    def import_wh(self) -> int:
        return self._device.counters_at(self._scheduler.now)[0]

    @property
    def export_wh(self) -> int:
        return self._device.counters_at(self._scheduler.now)[1]

    def now(self):
        return self._device.now()

    def set_clock(self, when) -> None:
        self._device.set_clock(when)


class InstalledMeter:
    """``HomeSide``'s questions about the metering device a scenario installed, answered from
    the device twin: one piece for both profiles' home sides (this one and the rig's,
    ``rigs/profile/home.py``), which set ``device`` when they install it."""

    device: MeteringDevice | None

    def _meter(self) -> MeteringDevice:
        if self.device is None:
            raise BenchError("the scenario installed no metering device on the home side")
        return self.device

    def meter_counters(self, at: float) -> tuple[int, int]:
        return self._meter().counters_at(at)

    def set_load(self, *, import_w: float, export_w: float) -> None:
        self._meter().set_load(import_w=import_w, export_w=export_w)

    def meter_clock_error(self) -> float:
        return self._meter().clock_offset_s


class TwinHome(InstalledMeter):
    def __init__(self, scheduler: Scheduler, *, meter_interface: str = "echonet-lite") -> None:
        self._scheduler = scheduler
        self.meter_interface = meter_interface
        self.network = HomeNetwork(scheduler)
        self._traffic = HomeTraffic()
        self.network.add_monitor(self._traffic.append)
        # The RS-485 wire to a meter read over Modbus RTU (THK seed ch. 8: 有線インターフェース).
        self.bus = SerialBus(scheduler)
        self._bus_traffic: list[BusFrame] = []
        self.bus.add_monitor(self._bus_traffic.append)
        self.device: MeteringDevice | None = None
        self.installed: list[MeteringDevice] = []
        self.rogue: TwinRogueDevice | None = None

    @property
    def traffic(self) -> HomeTraffic:
        return self._traffic

    @property
    def bus_traffic(self) -> list[BusFrame]:
        return self._bus_traffic

    @property
    def meter_address(self) -> str:
        return METER_ADDRESS

    def install_meter(self, spec: MeterSpec) -> None:
        if self.device is not None:
            self.device.remove()
        self.device = MeteringDevice(
            scheduler=self._scheduler, network=self.network, address=METER_ADDRESS, spec=spec
        )
        self.installed.append(self.device)
        if self.meter_interface == "modbus-rtu":
            self.device.remove()  # this meter has no LAN: the wire is its only interface
            front_end = ModbusMeterFrontEnd(
                _LiveRegisters(self.device, self._scheduler), device_id=MODBUS_UNIT, tzinfo=JST
            )

            def answer(request: bytes) -> None:
                response = front_end.handle_rtu(request)
                if response is not None:
                    self.bus.transmit(METER_BUS_NODE, response)

            self.bus.attach(METER_BUS_NODE, answer)

    def add_meter_beside(self, spec: MeterSpec) -> str:
        """A second metering device on the home network, beside the installed one (NAT-2.1-B);
        its address. The counters and values the steps compare stay the first meter's."""
        if self.meter_interface != "echonet-lite":
            raise NotApplicable("the terminal reads its meter on RS-485, where the bench wires one meter")
        self.installed.append(
            MeteringDevice(
                scheduler=self._scheduler, network=self.network, address=SECOND_METER_ADDRESS, spec=spec
            )
        )
        return SECOND_METER_ADDRESS

    def add_rogue(self) -> TwinRogueDevice:
        """The bench's attacker (twin/rogue_device.py); one per scenario."""
        if self.rogue is not None:
            raise BenchError("the scenario put a second rogue device on the home network")
        self.rogue = TwinRogueDevice(scheduler=self._scheduler, network=self.network)
        return self.rogue
