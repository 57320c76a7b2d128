"""The smart meter's other routes as network domains of their own (NAT-3.1-R1 図1).

A smart meter (電力SM) has three routes: the A route to the SM system (the HES, over the SM
network), the B route to the home's HEMS (ECHONET Lite, low-voltage smart electric energy
meter class 0x0288), and the IoT route to wireless terminals. The guideline asks that the
IoT route be isolated from the others: 「電力SMの他ルート (A、Bルートなど) とアイソレーション
※されていること」, 「※アイソレーションの定義は、IPパケットの転送機能は持たせず、ネットワーク
ドメインを分離すること」. The twin models each route as a domain with addresses of its own,
so that a packet headed across domains says where it was going:

* IoT route: link-local addresses from each node's EUI-64 (RFC 4944 §6) on the smart meter's
  920 MHz PAN (``twin/link.py``).
* A route: the SM network, ``2001:db8:a::/48`` (the documentation prefix of RFC 3849 stands
  for the SM system's addresses): the HES at ``2001:db8:a::1``. The twin carries the A route
  as application data (``twin/head_end.py``): the smart meter relays the DLMS/COSEM data of
  its authenticated terminals to the HES, an application gateway and not IP forwarding.
* B route: a link of its own (in reality a second Wi-SUN PAN with its own radio), here a UDP
  link like the home network's, with link-local addresses: the smart meter's B-route
  interface and a HEMS controller that reads the meter over ECHONET Lite.

The separation: the B route is a separate link object; nothing in the smart meter twin moves
a packet between its IoT-route link layer and the B-route link, in either direction, and the
IoT route's datagrams reach the A route only as a terminal's own DLMS/COSEM data
(``SmartMeter._on_packet``). The bench's own tests (``tests/twin/terminal/test_home_guard.py``) send
IoT-route packets addressed to B-route nodes and B-route packets addressed to the terminal
and show that none crosses.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from conformance.interfaces import MeterDomains
from conformance.protocols import echonet, sixlowpan
from conformance.protocols.errors import ProtocolError
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.scheduler import Scheduler
from conformance.twin.meter.smart_meter import SmartMeter

HES_ADDRESS = "2001:db8:a::1"  # the head-end system on the A route
HEMS_POLL_S = 60.0  # how often the HEMS controller reads the instantaneous power

# Low-voltage smart electric energy meter class 0x0288 (APPENDIX, MRA devices/0x0288.json).
EPC_OPERATION_STATUS = 0x80
EPC_COEFFICIENT = 0xD3
EPC_EFFECTIVE_DIGITS = 0xD7
EPC_CUMULATIVE_NORMAL = 0xE0
EPC_CUMULATIVE_UNIT = 0xE1
EPC_INSTANTANEOUS_POWER = 0xE7
EPC_INSTANCE_LIST = 0xD6  # node profile: self-node instance list S


def b_route_address(meter_index: int, node: int) -> str:
    """A link-local address on the B route of the ``meter_index``-th smart meter: node 1 is
    the smart meter's B-route interface, node 2 the HEMS controller (locally administered
    interface identifiers, RFC 4291 §2.5.1, so they cannot collide with an EUI-64)."""
    return f"fe80::b0:{meter_index + 1:x}:0:{node:x}"


def domains_of(meter: SmartMeter, meter_index: int) -> MeterDomains:
    """Where the routes of a smart meter of the bench are."""
    iot_route = sixlowpan.mac_to_link_local(meter.config.address)
    return MeterDomains(
        smart_meter=str(ipaddress.IPv6Address(iot_route)),
        head_end=HES_ADDRESS,
        hems_controller=b_route_address(meter_index, 2),
    )


class BRouteMeter:
    """The smart meter's ECHONET Lite node on the B route: node profile and 0x028801."""

    def __init__(self, *, scheduler: Scheduler, link: HomeNetwork, address: str, load_w: int = 500) -> None:
        self._scheduler = scheduler
        self._link = link
        self.address = address
        self.load_w = load_w
        link.listen(address, echonet.ECHONET_PORT, self._receive)

    def _value(self, epc: int) -> bytes | None:
        hours = self._scheduler.now / 3600.0
        values = {
            EPC_OPERATION_STATUS: echonet.OPERATION_STATUS_ON,
            EPC_COEFFICIENT: (1).to_bytes(4, "big"),
            EPC_EFFECTIVE_DIGITS: bytes([6]),
            EPC_CUMULATIVE_UNIT: b"\x01",  # 0.1 kWh
            EPC_CUMULATIVE_NORMAL: (int(self.load_w * hours / 100) % 10**6).to_bytes(4, "big"),
            EPC_INSTANTANEOUS_POWER: self.load_w.to_bytes(4, "big", signed=True),
        }
        return values.get(epc)

    def _receive(self, datagram: HomeDatagram) -> None:
        try:
            frame = echonet.decode(datagram.payload)
        except ProtocolError:
            return
        if frame.esv is not echonet.Esv.GET:
            return
        if frame.deoj == echonet.NODE_PROFILE:
            answered = [
                echonet.Property(epc=p.epc, edt=b"\x01" + bytes(echonet.LV_SMART_METER))
                if p.epc == EPC_INSTANCE_LIST
                else echonet.Property(epc=p.epc)
                for p in frame.properties
            ]
        elif frame.deoj == echonet.LV_SMART_METER:
            answered = [echonet.Property(epc=p.epc, edt=self._value(p.epc) or b"") for p in frame.properties]
        else:
            return  # an object this node does not hold
        ok = all(p.edt for p in answered)
        esv = echonet.Esv.GET_RES if ok else echonet.Esv.GET_SNA
        reply = echonet.reply(frame, esv, answered)
        self._link.send(
            src=self.address,
            src_port=echonet.ECHONET_PORT,
            dst=datagram.src,
            dst_port=datagram.src_port,
            payload=echonet.encode(reply),
        )


@dataclass(frozen=True, slots=True)
class PowerReading:
    time: float
    watts: int


class HemsController:
    """A HEMS controller on the B route: reads the instantaneous power 0xE7 every minute."""

    def __init__(self, *, scheduler: Scheduler, link: HomeNetwork, address: str, meter: str) -> None:
        self._scheduler = scheduler
        self._link = link
        self.address = address
        self._meter = meter
        self._tid = 0
        self.readings: list[PowerReading] = []
        self.received: list[HomeDatagram] = []  # everything that reached the controller
        link.listen(address, echonet.ECHONET_PORT, self._receive)
        self._poll()

    def _poll(self) -> None:
        self._tid = (self._tid + 1) % 0x10000
        request = echonet.request(
            self._tid, echonet.CONTROLLER, echonet.LV_SMART_METER, echonet.Esv.GET, EPC_INSTANTANEOUS_POWER
        )
        self._link.send(
            src=self.address,
            src_port=echonet.ECHONET_PORT,
            dst=self._meter,
            dst_port=echonet.ECHONET_PORT,
            payload=echonet.encode(request),
        )
        self._scheduler.call_later(HEMS_POLL_S, self._poll)

    def _receive(self, datagram: HomeDatagram) -> None:
        self.received.append(datagram)
        try:
            frame = echonet.decode(datagram.payload)
        except ProtocolError:
            return
        power = frame.find(EPC_INSTANTANEOUS_POWER)
        if datagram.src == self._meter and frame.esv is echonet.Esv.GET_RES and power is not None:
            watts = int.from_bytes(power.edt, "big", signed=True)
            self.readings.append(PowerReading(self._scheduler.now, watts))


class BRoute:
    """A smart meter's B route: its own link, the meter's ECHONET Lite node, a HEMS controller."""

    def __init__(self, *, scheduler: Scheduler, meter: SmartMeter, meter_index: int) -> None:
        self.smart_meter = meter
        self.link = HomeNetwork(scheduler)
        self.traffic: list[HomeDatagram] = []
        self.link.add_monitor(self.traffic.append)
        self.meter_node = BRouteMeter(
            scheduler=scheduler, link=self.link, address=b_route_address(meter_index, 1)
        )
        self.hems = HemsController(
            scheduler=scheduler,
            link=self.link,
            address=b_route_address(meter_index, 2),
            meter=self.meter_node.address,
        )
