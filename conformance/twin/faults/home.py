"""Faulty terminal twins of the home side and of isolation (features/security/home_side.feature,
isolation.feature): each replaces the reference's ``HomeGuard`` (twin/terminal/functions/home_guard.py)
with a variant that gets one thing wrong, the way real gateways do."""

from __future__ import annotations

import ipaddress

from conformance.protocols import echonet, sixlowpan
from conformance.sim.home_network import ALL_NODES, HomeDatagram
from conformance.twin.faults import Fault
from conformance.twin.home.metering_device import property_map
from conformance.twin.link import Inbound
from conformance.twin.terminal.functions import replace_function
from conformance.twin.terminal.functions.home_guard import HomeGuard, ServedObject
from conformance.twin.terminal.reference import ReferenceTerminal

DEBUG_PORT = 8080
COAP_PORT = 5683


class AnswersEverything(HomeGuard):
    """No whitelist: every object and every property answer, from whoever asks (an
    ECHONET Lite stack left in its development configuration)."""

    def accepts_source(self, src: str) -> bool:
        return True

    def object_for(self, deoj: echonet.Eoj) -> ServedObject | None:
        served = super().object_for(deoj)
        return served if served is not None else ServedObject(deoj, {})

    def read(self, served: ServedObject, epc: int) -> bytes | None:
        return served.values.get(epc, b"\x00")


class AcceptsAnySet(HomeGuard):
    """Writes whatever it is sent, on any property of its objects."""

    def write(self, served: ServedObject, epc: int, edt: bytes) -> bool:
        if not edt:
            return False
        served.values[epc] = edt
        return True


class GuardsOnlyTheFirstProperties(HomeGuard):
    """Refuses writes of 0x80-0x87 (operation status, installation location, version ...) and
    writes whatever it is sent to its later properties (fault status 0x88, maker code 0x8A,
    the property maps ...)."""

    def write(self, served: ServedObject, epc: int, edt: bytes) -> bool:
        if epc < 0x88:
            return super().write(served, epc, edt)
        if not edt:
            return False
        served.values[epc] = edt
        return True


class AdvertisesMoreInItsGetMap(HomeGuard):
    """Its Get property maps (0x9F) still list the manufacturer's diagnostic property 0xF0,
    which it no longer serves: a controller reading the map is told of a property that the
    declaration does not list."""

    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        for served in self.objects:
            listed = served.values[0x9F]
            served.values[0x9F] = property_map((*listed[1:], 0xF0))


class RelaysHomeRequests(HomeGuard):
    """Passes every ECHONET Lite request from the home side on to the smart meter (UDP 3610
    on the IoT route), besides answering it: a transparent gateway."""

    def home_request(self, datagram: HomeDatagram) -> bool:
        if self.terminal.state == "joined":
            self.terminal.send_udp(echonet.ECHONET_PORT, echonet.ECHONET_PORT, datagram.payload)
        return super().home_request(datagram)


class BridgesHomeMulticast(HomeGuard):
    """Carries ECHONET Lite multicast from the home side on to the smart meter ("so the SM
    system hears the announcements"); unicast it handles as the reference does."""

    def home_request(self, datagram: HomeDatagram) -> bool:
        if datagram.dst == ALL_NODES and self.terminal.state == "joined":
            self.terminal.send_udp(echonet.ECHONET_PORT, echonet.ECHONET_PORT, datagram.payload)
        return super().home_request(datagram)


class RoutesBetweenInterfaces(HomeGuard):
    """An IPv6 router between its home interface and the IoT route, both ways: whatever is
    handed to it for another destination goes out on the other side."""

    def not_for_me(self, datagram: HomeDatagram) -> None:
        link, meter = self.terminal.link, self.terminal.meter
        if link is None or meter is None or self.terminal.state != "joined":
            return
        try:
            src, dst = ipaddress.IPv6Address(datagram.src), ipaddress.IPv6Address(datagram.dst)
        except ValueError:
            return
        forwarded = sixlowpan.UdpDatagram(
            src=src.packed,
            dst=dst.packed,
            src_port=datagram.src_port,
            dst_port=datagram.dst_port,
            payload=datagram.payload,
        )
        link.send_udp(meter.address, forwarded, secure=link.tx_key_index is not None)

    def route_packet(self, inbound: Inbound) -> bool:
        packet = inbound.packet
        own = sixlowpan.mac_to_link_local(self.terminal.config.address)
        if not isinstance(packet, sixlowpan.UdpDatagram) or packet.dst in (own,) or packet.dst[0] == 0xFF:
            return False
        home = self.terminal.home
        if home is None:
            return False
        home.send(
            src=str(ipaddress.IPv6Address(packet.src)),
            src_port=packet.src_port,
            dst=str(ipaddress.IPv6Address(packet.dst)),
            dst_port=packet.dst_port,
            payload=packet.payload,
        )
        return True


class DebugConsoleOnHomeSide(HomeGuard):
    """Leaves the vendor's debug console listening on UDP 8080 of its home interface."""

    def powered_on(self) -> None:
        super().powered_on()
        if self.terminal.home is not None:
            self.terminal.home.listen(self.terminal.metering.address, DEBUG_PORT, self._console)

    def powered_off(self) -> None:
        super().powered_off()
        if self.terminal.home is not None:
            self.terminal.home.unlisten(self.terminal.metering.address, DEBUG_PORT)

    def _console(self, datagram: HomeDatagram) -> None:
        self.send_home(datagram.src, datagram.src_port, b"debug> ", src_port=DEBUG_PORT)


class CoapOnIotRoute(HomeGuard):
    """Answers CoAP on UDP 5683 of its IoT-route interface (a management endpoint nobody
    declared): an RFC 7252 2.05 Content acknowledgement to whatever arrives there."""

    def route_packet(self, inbound: Inbound) -> bool:
        packet = inbound.packet
        if not isinstance(packet, sixlowpan.UdpDatagram) or packet.dst_port != COAP_PORT:
            return False
        message_id = packet.payload[2:4] if len(packet.payload) >= 4 else b"\x00\x00"
        self.terminal.send_udp(COAP_PORT, packet.src_port, b"\x60\x45" + message_id)
        return True


class AnnouncesVersionForLocation(HomeGuard):
    """Its controller object's status change announcement property map (0x9D) lists the
    standard version 0x82 where installation location 0x81 belongs: a controller reading the
    map expects no announcement when the location changes (APPENDIX ch. 2 makes it mandatory)."""

    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        controller = self.object_for(echonet.CONTROLLER)
        assert controller is not None
        controller.values[0x9D] = property_map((0x80, 0x82, 0x88))


class CountsTwoInstances(HomeGuard):
    """Its node profile says it holds two device object instances (0xD3) while its self-node
    instance list S (0xD6) lists one, the controller (a count left from a build with a second
    object)."""

    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        profile = self.object_for(echonet.NODE_PROFILE)
        assert profile is not None
        profile.values[0xD3] = (2).to_bytes(3, "big")


def _with(variant: type[HomeGuard]) -> type[ReferenceTerminal]:
    return replace_function(ReferenceTerminal, HomeGuard, variant)


FAULTS = (
    Fault(
        "answers-every-property",
        "answers every ECHONET Lite object and property on its home side, from any source",
        ("NAT-3.1-T2",),
        _with(AnswersEverything),
    ),
    Fault(
        "accepts-forbidden-set",
        "accepts SetC, SetI and SetGet on properties its declaration lets nobody write",
        ("NAT-3.1-T2",),
        _with(AcceptsAnySet),
    ),
    Fault(
        "writable-later-properties",
        "lets its later properties (0x88 on) be written from the home side",
        ("NAT-3.1-T2",),
        _with(GuardsOnlyTheFirstProperties),
    ),
    Fault(
        "get-map-lists-more",
        "its Get property maps list a property its whitelist does not",
        ("NAT-3.1-T2",),
        _with(AdvertisesMoreInItsGetMap),
    ),
    Fault(
        "relays-home-echonet",
        "relays the home side's ECHONET Lite requests to the smart meter",
        ("NAT-3.1-T2",),
        _with(RelaysHomeRequests),
    ),
    Fault(
        "bridges-home-multicast",
        "carries home-side multicast (ff02::1) on to the smart meter",
        ("NAT-3.1-R1", "NAT-3.1-R4"),
        _with(BridgesHomeMulticast),
    ),
    Fault(
        "routes-ipv6",
        "forwards IPv6 between its home interface and the IoT route, both ways",
        ("NAT-3.1-R1", "NAT-3.1-R4", "NAT-3.1-T1"),
        _with(RoutesBetweenInterfaces),
    ),
    Fault(
        "debug-port-open",
        "leaves a debug console answering on UDP 8080 of its home side",
        ("NAT-3.1-T2",),
        _with(DebugConsoleOnHomeSide),
    ),
    Fault(
        "iot-route-port-open",
        "answers CoAP on UDP 5683 of its IoT-route side, a port it did not declare",
        ("NAT-3.1-T2",),
        _with(CoapOnIotRoute),
    ),
    Fault(
        "announcement-map-lists-version",
        "its controller's status change announcement map (0x9D) lists 0x82 where 0x81 belongs",
        ("NAT-3.1-T2",),
        _with(AnnouncesVersionForLocation),
    ),
    Fault(
        "node-profile-miscounts-instances",
        "its node profile's number of self-node instances (0xD3) does not match its list (0xD6)",
        ("NAT-3.1-T2",),
        _with(CountsTwoInstances),
    ),
)
