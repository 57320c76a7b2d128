"""The reference terminal's home side: the ECHONET Lite server it offers there, and the
policy that keeps the home network and the IoT route apart.

NAT seed 3-1, 無線端末 ①②: 「特例計量器等と電力SM間は、直接の通信は行わないこと」;
「悪意のあるIPパケット（コマンド）が宅内側から到達することを防ぐことを目的に、無線端末が対応する
ECHONET Liteコマンドを限定すること。また、接続条件（ポート番号等）を極小化するなど、必要な通信
のみを許可すること」; and 基本要件 ①④: 「IPパケットの転送機能は持たせず、ネットワークドメインを
分離すること」, 「IoTルートから他のドメインへIPルーティングで接続することは行わない」.

Theory of operation:

* One home-side port, UDP 3610 (ECHONET Lite), which the metering application opens; the
  requests it does not take itself reach ``home_request``. Nothing else listens.
* Two ECHONET Lite objects, the node profile 0x0EF001 and the controller 0x05FF01 (the
  terminal poses as a controller to read the meter). Each answers the properties of its
  table and no other, and lets none be written: the declaration's ``echonet_whitelist``
  states exactly these tables (tests/twin/terminal/test_home_guard.py checks they agree).
* Refusal by a "not possible" answer (ECHONET Lite Part II 4.2.3: SetI_SNA, SetC_SNA,
  Get_SNA, INF_SNA, SetGet_SNA; a property it cannot read comes back with PDC 0, one it
  will not write with the EDT it was sent), as declared (``refusal: not-possible``).
* Discarded without an answer: a frame that is not a well-formed ECHONET Lite request, a
  request for an object the node does not hold (Part II ch. 4: a node serves its own
  objects), and a request from a source that is not a unicast address on the home link
  (the twin's home link is link-local only).
* Not a router: datagrams handed to the home interface for other destinations are
  discarded, and IoT-route packets addressed to others, or to ports the terminal does not
  serve, are dropped (``route_packet``). The terminal talks to the smart meter only in its
  own name, in DLMS/COSEM; nothing from the home network is relayed.

Faulty variants (twin/faults/home.py) override one policy method each.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from conformance.protocols import echonet
from conformance.protocols.errors import ProtocolError
from conformance.sim.home_network import HomeDatagram
from conformance.twin.home.metering_device import property_map
from conformance.twin.link import Inbound
from conformance.twin.terminal.functions import TerminalFunction

# The twin is not a registered product: a placeholder manufacturer code (0x8A, 3 octets).
MANUFACTURER_CODE = b"\xff\xff\xff"
REFUSAL = "not-possible"  # as the reference declaration says (home_side.refusal)


@dataclass(slots=True)
class ServedObject:
    """An ECHONET Lite object of the terminal: its readable values and writable EPCs."""

    eoj: echonet.Eoj
    values: dict[int, bytes]
    settable: frozenset[int] = field(default_factory=frozenset)


def _node_profile(eui64: bytes) -> ServedObject:
    """Node profile (Part II 6.11.1) of a node holding one device object, the controller."""
    instances = b"\x01" + bytes(echonet.CONTROLLER)
    values = {
        0x80: b"\x30",  # operating status: booting
        0x82: b"\x01\x0e\x01\x00",  # version 1.14, specified message format
        0x83: b"\xfe" + MANUFACTURER_CODE + eui64 + bytes(5),  # identification number, 17 octets
        0x8A: MANUFACTURER_CODE,
        0x9D: property_map((0x80, 0xD5)),  # status change announcement property map
        0xD3: (1).to_bytes(3, "big"),  # number of self-node instances
        0xD4: (2).to_bytes(2, "big"),  # number of self-node classes, the node profile's included
        0xD5: instances,  # instance list notification
        0xD6: instances,  # self-node instance list S
        0xD7: b"\x01" + bytes(echonet.CONTROLLER)[:2],  # self-node class list S
    }
    return _with_maps(ServedObject(echonet.NODE_PROFILE, values))


def _controller() -> ServedObject:
    """Controller class 0x05FF (APPENDIX, device object super class properties)."""
    values = {
        0x80: echonet.OPERATION_STATUS_ON,
        0x81: b"\x00",  # installation location not specified
        0x82: b"\x00\x00R\x00",  # standard version: APPENDIX Release R
        0x88: b"\x42",  # fault status: no fault
        0x8A: MANUFACTURER_CODE,
        0x9D: property_map((0x80, 0x81, 0x88)),
    }
    return _with_maps(ServedObject(echonet.CONTROLLER, values))


def _with_maps(served: ServedObject) -> ServedObject:
    """Add the Set and Get property maps (0x9E, 0x9F; Part II Appendix 1) of the object."""
    served.values[0x9E] = property_map(tuple(sorted(served.settable)))
    gettable = (*served.values, 0x9F)
    served.values[0x9F] = property_map(tuple(sorted(gettable)))
    return served


class HomeGuard(TerminalFunction):
    refusal = REFUSAL

    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        self.objects = [_node_profile(terminal.config.address), _controller()]
        self._attached_at: str | None = None

    # -- the home interface ------------------------------------------------------------

    def powered_on(self) -> None:
        home = self.terminal.home
        if home is not None:
            self._attached_at = self.terminal.metering.address
            home.attach(self._attached_at, self.not_for_me)

    def powered_off(self) -> None:
        if self.terminal.home is not None and self._attached_at is not None:
            self.terminal.home.detach(self._attached_at)
            self._attached_at = None

    def not_for_me(self, datagram: HomeDatagram) -> None:
        """A datagram handed to the home interface for another destination: the terminal is
        not a router (「IPパケットの転送機能は持たせず」), so it is discarded."""

    def route_packet(self, inbound: Inbound) -> bool:
        """An IoT-route packet for another node or an unserved port: dropped, never routed to
        the home side (「IoTルートから他のドメインへIPルーティングで接続することは行わない」)."""
        return False

    def send_home(
        self, dst: str, dst_port: int, payload: bytes, *, src_port: int = echonet.ECHONET_PORT
    ) -> None:
        assert self.terminal.home is not None
        self.terminal.home.send(
            src=self.terminal.metering.address, src_port=src_port, dst=dst, dst_port=dst_port, payload=payload
        )

    # -- the ECHONET Lite server ---------------------------------------------------------

    def home_request(self, datagram: HomeDatagram) -> bool:
        if datagram.dst_port != echonet.ECHONET_PORT or not self.accepts_source(datagram.src):
            return False
        try:
            frame = echonet.decode(datagram.payload)
        except ProtocolError:
            return False  # not a frame it can interpret: discarded
        if not frame.esv.is_request:
            return False
        served = self.object_for(frame.deoj)
        if served is None:
            return False
        answer = self.serve(served, frame)
        if answer is not None:
            self.send_home(datagram.src, datagram.src_port, echonet.encode(answer))
        return True

    def accepts_source(self, src: str) -> bool:
        """Only a unicast address on the home link may ask (「必要な通信のみを許可」)."""
        try:
            address = ipaddress.IPv6Address(src)
        except ValueError:
            return False
        return address.is_link_local and src != self.terminal.metering.address

    def object_for(self, deoj: echonet.Eoj) -> ServedObject | None:
        """The object a request is for; instance 0 addresses every instance of a class."""
        for served in self.objects:
            eoj = served.eoj
            same_class = (deoj.class_group, deoj.class_code) == (eoj.class_group, eoj.class_code)
            if same_class and deoj.instance in (0, eoj.instance):
                return served
        return None

    def read(self, served: ServedObject, epc: int) -> bytes | None:
        return served.values.get(epc)

    def write(self, served: ServedObject, epc: int, edt: bytes) -> bool:
        if epc not in served.settable or not edt:
            return False
        served.values[epc] = edt
        return True

    def serve(self, served: ServedObject, frame: echonet.Frame) -> echonet.Frame | None:
        """Part II 4.2.3: the answer to a request, or None when none is due."""
        esv = frame.esv
        get_part: tuple[echonet.Property, ...] = ()
        if esv in (echonet.Esv.GET, echonet.Esv.INF_REQ):
            part, ok = self._reads(served, frame.properties)
        elif esv in (echonet.Esv.SETC, echonet.Esv.SETI):
            part, ok = self._writes(served, frame.properties)
        elif esv is echonet.Esv.SETGET:
            part, set_ok = self._writes(served, frame.properties)
            get_part, get_ok = self._reads(served, frame.get_properties)
            ok = set_ok and get_ok
        else:
            return None
        if ok:
            answer_esv = echonet.response_esv(esv)
        elif self.refusal == "silence":
            answer_esv = None
        else:
            answer_esv = echonet.not_possible_esv(esv)
        if answer_esv is None:  # SetI done, or refused in silence
            return None
        return echonet.Frame(
            tid=frame.tid,
            seoj=served.eoj,
            deoj=frame.seoj,
            esv=answer_esv,
            properties=part,
            get_properties=get_part if answer_esv.is_set_get else (),
        )

    def _reads(
        self, served: ServedObject, asked: tuple[echonet.Property, ...]
    ) -> tuple[tuple[echonet.Property, ...], bool]:
        values = [(p.epc, self.read(served, p.epc)) for p in asked]
        answered = tuple(echonet.Property(epc=epc, edt=value or b"") for epc, value in values)
        return answered, all(value is not None for _, value in values)

    def _writes(
        self, served: ServedObject, asked: tuple[echonet.Property, ...]
    ) -> tuple[tuple[echonet.Property, ...], bool]:
        done = [(p, self.write(served, p.epc, p.edt)) for p in asked]
        # Written: PDC 0; refused: the EDT comes back as it was sent (Part II 4.2.3.1).
        answered = tuple(echonet.Property(epc=p.epc) if ok else p for p, ok in done)
        return answered, all(ok for _, ok in done)


FUNCTION = HomeGuard
