"""The twin profile's home side: the simulated home network, the bench's metering
device on it, and a port mirror that records every datagram (``HomeSide``)."""

from __future__ import annotations

from conformance.errors import BenchError
from conformance.interfaces import MeterSpec
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.scheduler import Scheduler
from conformance.twin.metering_device import MeteringDevice

METER_ADDRESS = "fe80::21d:129f:3500:10"


class TwinHome:
    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self.network = HomeNetwork(scheduler)
        self._traffic: list[HomeDatagram] = []
        self.network.add_monitor(self._traffic.append)
        self.device: MeteringDevice | None = None
        self.installed: list[MeteringDevice] = []

    @property
    def traffic(self) -> list[HomeDatagram]:
        return self._traffic

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
