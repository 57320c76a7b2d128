"""What the bench's attacker on the terminal's home side sends, the same on both profiles.

NAT seed 3-1 (無線端末 ②): 「悪意のあるIPパケット（コマンド）が宅内側から到達することを防ぐ
ことを目的に、無線端末が対応するECHONET Liteコマンドを限定すること。また、接続条件（ポート番号
等）を極小化するなど、必要な通信のみを許可すること」. The rogue device plays whoever sends
those packets: a compromised appliance or a visitor's laptop on the home network; each
profile provides one (``RogueDevice``; the twin's is ``conformance.twin.home.rogue_device``).

This module is the rogue's repertoire: the families of ECHONET Lite requests it sends the
terminal, built from the terminal's declared whitelist (ECHONET Lite Part II ch. 3 and 4),
and the payloads of its UDP port probe.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from conformance.ics import EchonetObject
from conformance.protocols import dlms, echonet

ROGUE_ADDRESS = "fe80::bad:0:0:1"  # a link-local address on the home link
ROGUE_PROBE_PORT = 49_160  # the source port of the port probe (IANA dynamic range)
FIRST_TID = 0xA000  # the rogue's transaction IDs, apart from the terminal's own
ROGUE_EOJ = echonet.CONTROLLER  # it poses as a HEMS controller
# Sources a terminal has no business answering on its home side: an off-link address (the
# twin's home link is link-local only: a global source came through a router, from
# outside the home), the unspecified address and a multicast address, which RFC 4291
# §2.5.2 and §2.7 forbid as a source.
UNEXPECTED_SOURCES = ("2001:db8:bad::1", "::", "ff02::1")


# -- the repertoire: ECHONET Lite requests -------------------------------------------------


def whitelisted_eoj(entry: EchonetObject) -> echonet.Eoj:
    return echonet.Eoj.from_bytes(bytes.fromhex(entry.object))


class RequestBuilder:
    """Numbers the rogue's requests with its own transaction IDs."""

    def __init__(self, first_tid: int = FIRST_TID) -> None:
        self._tid = first_tid - 1

    def tid(self) -> int:
        self._tid = (self._tid + 1) % 0x10000
        return self._tid

    def frame(
        self,
        deoj: echonet.Eoj,
        esv: echonet.Esv,
        properties: list[echonet.Property],
        get_properties: tuple[echonet.Property, ...] = (),
    ) -> bytes:
        frame = echonet.Frame(
            tid=self.tid(),
            seoj=ROGUE_EOJ,
            deoj=deoj,
            esv=esv,
            properties=tuple(properties),
            get_properties=get_properties,
        )
        return echonet.encode(frame)

    def get(self, deoj: echonet.Eoj, epcs: list[int], esv: echonet.Esv = echonet.Esv.GET) -> bytes:
        return self.frame(deoj, esv, [echonet.Property(epc=epc) for epc in epcs])


def outside(listed: list[int]) -> list[int]:
    """The EPCs 0x80-0xFF a declared list does not hold."""
    return [epc for epc in range(0x80, 0x100) if epc not in listed]


# The values the rogue tries to write: operation status OFF (0x80, super class), installation
# location "living room" (0x81: 0x08), and 0x01 for anything else.
_WRITES = {0x80: echonet.OPERATION_STATUS_OFF, 0x81: b"\x08"}


def _writes(entry: EchonetObject) -> list[echonet.Property]:
    """Properties outside the object's declared set list, preferring ones it lets be read,
    so that a read-back shows whether a write took effect."""
    candidates = [epc for epc in (0x80, 0x81, *entry.get) if epc not in entry.set]
    chosen = list(dict.fromkeys(candidates))[:3]
    return [echonet.Property(epc=epc, edt=_WRITES.get(epc, b"\x01")) for epc in chosen]


def _set_family(whitelist: list[EchonetObject], esv: echonet.Esv) -> list[bytes]:
    """A write outside the set list, between two reads of the same properties: before and
    after, so a write that took effect shows even when the terminal stays silent."""
    builder = RequestBuilder()
    frames = []
    for entry in whitelist:
        eoj, writes = whitelisted_eoj(entry), _writes(entry)
        if not writes:
            continue  # the object lets everything be written: nothing to refuse
        readable = [p.epc for p in writes if p.epc in entry.get]
        if readable:
            frames.append(builder.get(eoj, readable))
        if esv is echonet.Esv.SETGET:
            reads = tuple(echonet.Property(epc=epc) for epc in (readable or entry.get[:1]))
            frames.append(builder.frame(eoj, esv, writes, reads))
        else:
            frames.append(builder.frame(eoj, esv, writes))
        if readable:
            frames.append(builder.get(eoj, readable))
    return frames


def _whitelisted_gets(whitelist: list[EchonetObject]) -> list[bytes]:
    builder = RequestBuilder()
    return [builder.get(whitelisted_eoj(entry), entry.get) for entry in whitelist if entry.get]


def _gets_outside(whitelist: list[EchonetObject]) -> list[bytes]:
    """Every EPC outside the get list in one Get, then one allowed and one refused together
    (Part II 4.2.3.2: the answer is Get_SNA, the refused property with PDC 0)."""
    builder = RequestBuilder()
    frames = []
    for entry in whitelist:
        eoj, refused = whitelisted_eoj(entry), outside(entry.get)
        frames.append(builder.get(eoj, refused))
        frames.append(builder.get(eoj, [*entry.get[:1], refused[0]]))
    return frames


# Objects a wireless terminal does not hold: the metering device's own class (reading the
# meter through the terminal), the B route's smart meter class, an air conditioner, and
# instances of the terminal's classes other than its own.
FOREIGN_OBJECTS = (
    echonet.DG_METER,
    echonet.LV_SMART_METER,
    echonet.Eoj(0x01, 0x30, 0x01),
    echonet.Eoj(0x05, 0xFF, 0x02),
    echonet.Eoj(0x0E, 0xF0, 0x02),
)


def _foreign_objects(whitelist: list[EchonetObject]) -> list[bytes]:
    builder = RequestBuilder()
    served = {whitelisted_eoj(entry) for entry in whitelist}
    frames = []
    for eoj in (e for e in FOREIGN_OBJECTS if e not in served):
        frames.append(builder.get(eoj, [0x80, 0xE0]))
        frames.append(builder.frame(eoj, echonet.Esv.SETC, [echonet.Property(epc=0x80, edt=b"\x31")]))
    return frames


def _inf_requests(whitelist: list[EchonetObject]) -> list[bytes]:
    """INF_REQ of an allowed property, then of refused ones (Part II 4.2.3.3)."""
    builder = RequestBuilder()
    frames = []
    for entry in whitelist:
        eoj = whitelisted_eoj(entry)
        if entry.get:
            frames.append(builder.get(eoj, entry.get[:1], echonet.Esv.INF_REQ))
        frames.append(builder.get(eoj, outside(entry.get)[:8], echonet.Esv.INF_REQ))
    return frames


def _malformed(whitelist: list[EchonetObject]) -> list[bytes]:
    """Frames the codec rejects (conformance/protocols/echonet.py lists the rules)."""
    builder = RequestBuilder()
    eoj = whitelisted_eoj(whitelist[0]) if whitelist else echonet.NODE_PROFILE
    good = bytearray(builder.get(eoj, [0x80]))
    truncated_edt = bytearray(good)
    truncated_edt[13] = 40  # PDC 40 with no EDT behind it
    more_properties = bytearray(good)
    more_properties[11] = 3  # OPC 3, one property present
    wrong_ehd1 = bytearray(good)
    wrong_ehd1[0] = 0x11
    format_2 = bytearray(good)
    format_2[1] = echonet.EHD2_FORMAT_2
    unknown_esv = bytearray(good)
    unknown_esv[10] = 0x65
    no_property = bytearray(good[:12])
    no_property[11] = 0
    return [
        bytes(good[:9]),  # shorter than the header
        bytes(wrong_ehd1),
        bytes(format_2),
        bytes(unknown_esv),
        bytes(more_properties),
        bytes(truncated_edt),
        bytes(good) + b"\x00\x00",  # trailing octets
        bytes(no_property),  # OPC 0 on a Get
        bytes(good[:4]) + bytes(1200),  # a large frame of zeros after a valid TID
    ]


REQUEST_FAMILIES: dict[str, Callable[[list[EchonetObject]], list[bytes]]] = {
    "Get requests for its whitelisted properties": _whitelisted_gets,
    "Get requests for properties outside its whitelist": _gets_outside,
    "requests to objects it does not hold": _foreign_objects,
    "SetC requests": lambda whitelist: _set_family(whitelist, echonet.Esv.SETC),
    "SetI requests": lambda whitelist: _set_family(whitelist, echonet.Esv.SETI),
    "SetGet requests": lambda whitelist: _set_family(whitelist, echonet.Esv.SETGET),
    "INF_REQ requests": _inf_requests,
    "malformed frames": _malformed,
}


def requests_from_unexpected_sources(whitelist: list[EchonetObject]) -> list[tuple[str, bytes]]:
    """A Get the whitelist allows, from each source the terminal must not answer."""
    builder = RequestBuilder()
    eoj = whitelisted_eoj(whitelist[0]) if whitelist else echonet.NODE_PROFILE
    epcs = whitelist[0].get[:1] if whitelist and whitelist[0].get else [0x80]
    return [(source, builder.get(eoj, epcs)) for source in UNEXPECTED_SOURCES]


# -- the repertoire: UDP port probe ----------------------------------------------------------


def _coap_get_well_known_core() -> bytes:
    """RFC 7252 §3: CON GET, message ID 0x5A5A, no token, Uri-Path ".well-known" "core"."""
    header = struct.pack("!BBH", 0x40, 0x01, 0x5A5A)
    return header + bytes([0xBB]) + b".well-known" + bytes([0x04]) + b"core"


def probe_payload(port: int) -> bytes:
    """What the probe sends to ``port``: a valid request of the protocol registered there
    (a service answers only what it understands, as nmap's UDP payloads assume), else CRLF."""
    if port == echonet.ECHONET_PORT:
        return echonet.encode(
            echonet.request(FIRST_TID, ROGUE_EOJ, echonet.NODE_PROFILE, echonet.Esv.GET, 0x80)
        )
    if port == dlms.DLMS_PORT:  # DLMS/COSEM over UDP (IEC 62056-47): GET of the clock
        get = dlms.GetRequest(invoke_id=1, attribute=dlms.CosemAttribute(8, dlms.CLOCK, 2))
        return dlms.wrap(dlms.encode(get))
    if port == 5683:
        return _coap_get_well_known_core()
    return b"\r\n"


def parse_ports(text: str) -> list[int]:
    """The ports of a list such as ``1-1024, 3610, 4059``, in order, each once."""
    ports: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        low, _, high = part.partition("-")
        ports += range(int(low), int(high or low) + 1)
    return list(dict.fromkeys(ports))
