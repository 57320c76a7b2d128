"""6LoWPAN (RFC 4944 / RFC 6282) for UDP and ICMPv6 over IEEE 802.15.4: IPHC and the UDP NHC.

Theory of operation. :func:`encode_udp` turns a :class:`UdpDatagram` into the MAC payload
of an 802.15.4 data frame: the LOWPAN_IPHC header (RFC 6282 §3.1) with the Traffic Class
and Flow Label elided, Next Header compressed as the UDP NHC (§4.3), the hop limit
compressed when it is 1, 64 or 255, and the addresses compressed statelessly as far as the
link-layer addresses allow (§3.2.2). The UDP checksum is always carried: RFC 6282 §4.3.2
allows eliding it only when an upper layer says so, and none of the IoT-route protocols
does. :func:`encode_icmpv6` does the same for an :class:`Icmpv6Message` (RFC 4443), with
Next Header carried inline (RFC 6282 has no NHC for ICMPv6) and the ICMPv6 message
uncompressed. :func:`decode_ipv6` accepts any stateless IPHC form and the uncompressed
IPv6 dispatch (RFC 4944 §5.1), verifies the UDP or ICMPv6 checksum over the IPv6
pseudo-header (RFC 8200 §8.1, RFC 4443 §2.3), and rejects what the bench does not model
(fragmentation, mesh headers, context based compression, other next headers) with
DecodeError; :func:`decode_udp` is the same decoder taking UDP only.

MAC addresses are given as the wpan codec gives them: an ``int`` for a short address, 8
``bytes`` in natural order for an extended address.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError

UDP = 17
ICMPV6 = 58
ECHO_REQUEST = 128  # RFC 4443 §4.1
ECHO_REPLY = 129  # RFC 4443 §4.2
_LINK_LOCAL_PREFIX = bytes.fromhex("fe80000000000000")
_SHORT_IID_PREFIX = bytes.fromhex("000000fffe00")  # RFC 6282 §3.2.2: 0000:00ff:fe00:XXXX
_UNSPECIFIED = bytes(16)

_DISPATCH_IPV6 = 0x41  # RFC 4944 §5.1: uncompressed IPv6 header follows
_HOP_LIMITS = {1: 0b01, 64: 0b10, 255: 0b11}  # RFC 6282 §3.1.1, HLIM
_HOP_LIMIT_OF = {code: limit for limit, code in _HOP_LIMITS.items()}
_NHC_UDP = 0b11110000  # RFC 6282 §4.3.3: 11110CPP
_DEFAULT_HOP_LIMIT = 64  # IANA's default IPv6 hop limit (RFC 8200 §3 leaves it to the node)
_NAMES = {UDP: "UDP", ICMPV6: "ICMPv6"}


def link_local_from_eui64(ext_addr: bytes) -> bytes:
    """fe80::/64 with the EUI-64 as IID, Universal/Local bit inverted (RFC 4944 §6)."""
    if not isinstance(ext_addr, bytes) or len(ext_addr) != 8:
        raise BenchUsageError("an EUI-64 has 8 octets")
    return _LINK_LOCAL_PREFIX + bytes([ext_addr[0] ^ 0x02]) + ext_addr[1:]


_LINK_LOCAL_MEMO = 256
_LINK_LOCAL_OF: dict[bytes, bytes] = {}  # EUI-64 -> its link-local address (see mac_to_link_local)


def mac_to_link_local(mac: bytes | int) -> bytes:
    """The link-local address a MAC address stands for when IPHC elides it.

    A short address gives the IID 0000:00ff:fe00:XXXX without the PAN ID, as RFC 6282
    §3.2.2 defines it for address derivation (RFC 4944 §6 mixed the PAN ID in).
    """
    if isinstance(mac, bytes):
        # Every datagram compressed or decompressed derives both addresses from the MACs, and a
        # bench has a handful of nodes: each EUI-64's address is worked out once. Addresses are
        # public (they are on the air), and the memo is bounded.
        found = _LINK_LOCAL_OF.get(mac)
        if found is None:
            found = link_local_from_eui64(mac)
            if len(_LINK_LOCAL_OF) >= _LINK_LOCAL_MEMO:
                _LINK_LOCAL_OF.clear()
            _LINK_LOCAL_OF[mac] = found
        return found
    if isinstance(mac, bool) or not isinstance(mac, int) or not 0 <= mac <= 0xFFFF:
        raise BenchUsageError(f"a MAC address is 8 octets or a 16-bit short address, got {mac!r}")
    return _LINK_LOCAL_PREFIX + _SHORT_IID_PREFIX + mac.to_bytes(2, "big")


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpDatagram:
    """A UDP datagram in IPv6; traffic class and flow label are not modelled (always 0)."""

    src: bytes
    dst: bytes
    src_port: int
    dst_port: int
    payload: bytes
    hop_limit: int = 255

    def __post_init__(self) -> None:
        # A datagram is built for every one sent and every one decoded, nearly always from
        # exact bytes and ints: those pass with a type test, the rest get the full check.
        for name in ("src", "dst"):
            value = getattr(self, name)
            if type(value) is not bytes or len(value) != 16:
                _set_address(self, name, value)
        for name, high in (("src_port", 0xFFFF), ("dst_port", 0xFFFF), ("hop_limit", 0xFF)):
            value = getattr(self, name)
            if type(value) is not int or not 0 <= value <= high:
                _require_uint(name, value, high)
        if type(self.payload) is not bytes:
            if not isinstance(self.payload, bytes | bytearray | memoryview):
                raise BenchUsageError("payload must be bytes")
            object.__setattr__(self, "payload", bytes(self.payload))
        if len(self.payload) > 0xFFFF - 8:
            raise BenchUsageError("a UDP payload has at most 65527 octets")


@dataclass(frozen=True, slots=True, kw_only=True)
class Icmpv6Message:
    """An ICMPv6 message in IPv6 (RFC 4443 §2.1); ``body`` is all that follows the checksum.

    Traffic class and flow label are not modelled (always 0). The checksum is not a field:
    the encoder computes it and the decoder verifies it.
    """

    src: bytes
    dst: bytes
    type: int
    code: int = 0
    body: bytes = b""
    hop_limit: int = 255

    def __post_init__(self) -> None:
        for name in ("src", "dst"):
            value = getattr(self, name)
            if not isinstance(value, bytes | bytearray) or len(value) != 16:
                raise BenchUsageError(f"{name} must be a 16-octet IPv6 address")
            object.__setattr__(self, name, bytes(value))
        for name in ("type", "code", "hop_limit"):
            _require_uint(name, getattr(self, name), 0xFF)
        if not isinstance(self.body, bytes | bytearray | memoryview):
            raise BenchUsageError("body must be bytes")
        object.__setattr__(self, "body", bytes(self.body))
        if len(self.body) > 0xFFFF - 4:
            raise BenchUsageError("an ICMPv6 body has at most 65531 octets (no jumbograms)")


def _set_address(message: UdpDatagram | Icmpv6Message, name: str, value: object) -> None:
    """Check an IPv6 address field given as other than exact bytes, and store it as bytes."""
    if not isinstance(value, bytes | bytearray) or len(value) != 16:
        raise BenchUsageError(f"{name} must be a 16-octet IPv6 address")
    object.__setattr__(message, name, bytes(value))


def _require_uint(name: str, value: object, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise BenchUsageError(f"{name} must be in 0..{high}, got {value!r}")


def echo_request(
    *,
    src: bytes,
    dst: bytes,
    identifier: int,
    sequence: int,
    data: bytes = b"",
    hop_limit: int = _DEFAULT_HOP_LIMIT,
) -> Icmpv6Message:
    """An Echo Request (RFC 4443 §4.1): identifier, sequence number, then arbitrary data."""
    _require_uint("identifier", identifier, 0xFFFF)
    _require_uint("sequence", sequence, 0xFFFF)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BenchUsageError("data must be bytes")
    body = struct.pack(">HH", identifier, sequence) + bytes(data)
    return Icmpv6Message(src=src, dst=dst, type=ECHO_REQUEST, body=body, hop_limit=hop_limit)


def echo_reply_to(request: Icmpv6Message, *, src: bytes | None = None) -> Icmpv6Message:
    """The Echo Reply RFC 4443 §4.2 demands: addresses swapped, identifier, sequence and data echoed.

    Args:
        request: an Echo Request, as decoded or as built by :func:`echo_request`.
        src: the replier's unicast address, by default the request's destination. Required
            when the request went to a multicast address, which §4.2 forbids replying
            from; otherwise only for an anycast destination.

    Raises:
        BenchUsageError: ``request`` is not an Echo Request, or went to a multicast
            address and ``src`` is missing or multicast too.
        DecodeError: the request's body is too short to hold identifier and sequence.
    """
    if not isinstance(request, Icmpv6Message) or request.type != ECHO_REQUEST:
        raise BenchUsageError(f"echo_reply_to() takes an Echo Request, got {request!r}")
    echo_fields(request)  # a request too short to echo is the peer's fault: DecodeError
    reply = Icmpv6Message(
        src=request.dst if src is None else src,
        dst=request.src,
        type=ECHO_REPLY,
        body=request.body,
        hop_limit=_DEFAULT_HOP_LIMIT,
    )
    if request.dst[0] == 0xFF and (src is None or reply.src[0] == 0xFF):
        raise BenchUsageError("a reply to a multicast Echo Request needs a unicast src (RFC 4443 §4.2)")
    return reply


def echo_fields(message: Icmpv6Message) -> tuple[int, int, bytes]:
    """Identifier, sequence number and data of an Echo Request or Reply (RFC 4443 §4.1/4.2)."""
    if not isinstance(message, Icmpv6Message) or message.type not in (ECHO_REQUEST, ECHO_REPLY):
        raise BenchUsageError(f"echo_fields() takes an Echo Request or Reply, got {message!r}")
    if len(message.body) < 4:
        raise DecodeError(f"Echo message body of {len(message.body)} octets lacks identifier and sequence")
    identifier, sequence = struct.unpack_from(">HH", message.body)
    return identifier, sequence, message.body[4:]


def _checksum(src: bytes, dst: bytes, upper: bytes, next_header: int = UDP) -> int:
    """One's complement sum over the IPv6 pseudo-header (RFC 8200 §8.1) and the upper-layer octets."""
    data = src + dst + struct.pack(">IxxxB", len(upper), next_header) + upper
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def udp_checksum(datagram: UdpDatagram) -> int:
    """The checksum field value; a computed 0 is sent as 0xFFFF (RFC 768, RFC 8200 §8.1)."""
    header = struct.pack(">HHHH", datagram.src_port, datagram.dst_port, 8 + len(datagram.payload), 0)
    value = 0xFFFF - _checksum(datagram.src, datagram.dst, header + datagram.payload)
    return value or 0xFFFF


def icmpv6_checksum(message: Icmpv6Message) -> int:
    """The checksum field value (RFC 4443 §2.3); unlike UDP's, a computed 0 is sent as 0."""
    header = struct.pack(">BBH", message.type, message.code, 0)
    return 0xFFFF - _checksum(message.src, message.dst, header + message.body, ICMPV6)


# --------------------------------------------------------------------------- encoding


def _compress_unicast(addr: bytes, mac: bytes | int) -> tuple[int, bytes]:
    """SAM/DAM bits and inline octets for a stateless unicast address (RFC 6282 §3.1.1)."""
    if addr[:8] != _LINK_LOCAL_PREFIX:
        return 0b00, addr
    if addr == mac_to_link_local(mac):
        return 0b11, b""
    if addr[8:14] == _SHORT_IID_PREFIX:
        return 0b10, addr[14:]
    return 0b01, addr[8:]


def _compress_multicast(addr: bytes) -> tuple[int, bytes]:
    """DAM bits and inline octets for a multicast destination (RFC 6282 §3.1.1, M=1)."""
    if addr[1] == 0x02 and addr[2:15] == bytes(13):
        return 0b11, addr[15:]  # ff02::00XX
    if addr[2:13] == bytes(11):
        return 0b10, addr[1:2] + addr[13:]  # ffXX::00XX:XXXX
    if addr[2:11] == bytes(9):
        return 0b01, addr[1:2] + addr[11:]  # ffXX::00XX:XXXX:XXXX
    return 0b00, addr


def _compress_ports(src_port: int, dst_port: int) -> tuple[int, bytes]:
    """PP bits and inline port octets (RFC 6282 §4.3.3)."""
    if src_port & 0xFFF0 == 0xF0B0 and dst_port & 0xFFF0 == 0xF0B0:
        return 0b11, bytes([(src_port & 0xF) << 4 | dst_port & 0xF])
    if dst_port & 0xFF00 == 0xF000:
        return 0b01, struct.pack(">HB", src_port, dst_port & 0xFF)
    if src_port & 0xFF00 == 0xF000:
        return 0b10, struct.pack(">BH", src_port & 0xFF, dst_port)
    return 0b00, struct.pack(">HH", src_port, dst_port)


def _iphc(
    packet: UdpDatagram | Icmpv6Message, src_mac: bytes | int, dst_mac: bytes | int, next_header: int | None
) -> bytes:
    """LOWPAN_IPHC and its inline fields; ``next_header`` None means an NHC follows (NH=1)."""
    mac_to_link_local(src_mac)  # validates both MAC addresses, even when unused
    mac_to_link_local(dst_mac)
    # RFC 6282 §3.2: inline fields follow in the order Next Header, Hop Limit, addresses.
    inline = bytearray() if next_header is None else bytearray([next_header])
    hlim = _HOP_LIMITS.get(packet.hop_limit, 0b00)
    if hlim == 0b00:
        inline.append(packet.hop_limit)
    if packet.src == _UNSPECIFIED:
        sac, sam, src_inline = 1, 0b00, b""  # SAC=1, SAM=00: the unspecified address ::
    else:
        sac, (sam, src_inline) = 0, _compress_unicast(packet.src, src_mac)
    multicast = packet.dst[0] == 0xFF
    if multicast:
        dam, dst_inline = _compress_multicast(packet.dst)
    else:
        dam, dst_inline = _compress_unicast(packet.dst, dst_mac)
    inline += src_inline + dst_inline
    nh = next_header is None
    # 011 TF=11 (traffic class and flow label elided) NH HLIM | CID=0 SAC SAM M DAC=0 DAM
    return bytes([0b011_11_0_00 | nh << 2 | hlim, sac << 6 | sam << 4 | multicast << 3 | dam]) + inline


def encode_udp(datagram: UdpDatagram, *, src_mac: bytes | int, dst_mac: bytes | int) -> bytes:
    """The 6LoWPAN MAC payload (IPHC + UDP NHC + payload) carrying ``datagram``."""
    iphc = _iphc(datagram, src_mac, dst_mac, next_header=None)
    pp, ports = _compress_ports(datagram.src_port, datagram.dst_port)
    nhc = bytes([_NHC_UDP | pp]) + ports + struct.pack(">H", udp_checksum(datagram))
    return iphc + nhc + datagram.payload


def encode_icmpv6(message: Icmpv6Message, *, src_mac: bytes | int, dst_mac: bytes | int) -> bytes:
    """The 6LoWPAN MAC payload (IPHC, Next Header 58 inline, ICMPv6 message) carrying ``message``."""
    if not isinstance(message, Icmpv6Message):
        raise BenchUsageError(f"encode_icmpv6() takes an Icmpv6Message, got {message!r}")
    iphc = _iphc(message, src_mac, dst_mac, next_header=ICMPV6)
    header = struct.pack(">BBH", message.type, message.code, icmpv6_checksum(message))
    return iphc + header + message.body


# --------------------------------------------------------------------------- decoding


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        if len(self.data) - self.pos < n:
            raise DecodeError(f"6LoWPAN payload ends inside the {what}")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk


def _unicast_address(mode: int, reader: _Reader, mac: bytes | int, what: str) -> bytes:
    if mode == 0b00:
        return reader.take(16, what)
    if mode == 0b01:
        return _LINK_LOCAL_PREFIX + reader.take(8, what)
    if mode == 0b10:
        return _LINK_LOCAL_PREFIX + _SHORT_IID_PREFIX + reader.take(2, what)
    return mac_to_link_local(mac)


def _multicast_address(mode: int, reader: _Reader) -> bytes:
    what = "destination address"
    if mode == 0b00:
        return reader.take(16, what)
    if mode == 0b01:
        inline = reader.take(6, what)
        return b"\xff" + inline[:1] + bytes(9) + inline[1:]
    if mode == 0b10:
        inline = reader.take(4, what)
        return b"\xff" + inline[:1] + bytes(11) + inline[1:]
    return b"\xff\x02" + bytes(13) + reader.take(1, what)


def _refuse(next_header: int | str, accepted: frozenset[int]) -> DecodeError:
    """The error for a next header the caller did not ask for (``decode_udp``: "not UDP")."""
    names = " or ".join(_NAMES[value] for value in sorted(accepted))
    return DecodeError(f"not {names} (next header {next_header})")


def _decode_iphc(
    data: bytes, src_mac: bytes | int, dst_mac: bytes | int, accepted: frozenset[int]
) -> UdpDatagram | Icmpv6Message:
    reader = _Reader(data)
    first, second = reader.take(2, "IPHC header")
    tf, nh, hlim = first >> 3 & 3, first >> 2 & 1, first & 3
    cid, sac, sam = second >> 7, second >> 6 & 1, second >> 4 & 3
    multicast, dac, dam = second >> 3 & 1, second >> 2 & 1, second & 3
    if cid:
        reader.take(1, "context identifier")
    # Traffic class and flow label are not part of the checksums; they are read and
    # dropped (RFC 6282 §3.1.1 TF: 4, 3, 1 or 0 inline octets).
    reader.take((4, 3, 1, 0)[tf], "traffic class and flow label")
    next_header = None if nh else reader.take(1, "next header")[0]
    if next_header is not None and next_header not in accepted:
        raise _refuse(next_header, accepted)
    hop_limit = reader.take(1, "hop limit")[0] if hlim == 0 else _HOP_LIMIT_OF[hlim]
    if sac and sam:
        raise DecodeError("context-based source address compression is not supported")
    src = _UNSPECIFIED if sac else _unicast_address(sam, reader, src_mac, "source address")
    if dac:
        raise DecodeError("context-based destination address compression is not supported")
    if multicast:
        dst = _multicast_address(dam, reader)
    else:
        dst = _unicast_address(dam, reader, dst_mac, "destination address")
    if next_header == ICMPV6:
        return _decode_icmpv6(reader.rest(), src, dst, hop_limit)
    if next_header == UDP:
        return _decode_udp_header(reader.rest(), src, dst, hop_limit)
    (nhc,) = reader.take(1, "next header compression")
    if nhc & 0b11111000 != _NHC_UDP:
        raise _refuse(f"compression 0x{nhc:02x}", accepted)
    if nhc & 0b100:
        raise DecodeError("UDP checksum elided (RFC 6282 §4.3.2): the bench cannot verify it")
    pp = nhc & 0b11
    if pp == 0b11:
        (ports,) = reader.take(1, "compressed ports")
        src_port, dst_port = 0xF0B0 | ports >> 4, 0xF0B0 | ports & 0xF
    elif pp == 0b10:
        low, dst_port = struct.unpack(">BH", reader.take(3, "ports"))
        src_port = 0xF000 | low
    elif pp == 0b01:
        src_port, low = struct.unpack(">HB", reader.take(3, "ports"))
        dst_port = 0xF000 | low
    else:
        src_port, dst_port = struct.unpack(">HH", reader.take(4, "ports"))
    (checksum,) = struct.unpack(">H", reader.take(2, "UDP checksum"))
    payload = reader.rest()
    if len(payload) > 0xFFFF - 8:
        raise DecodeError("UDP payload too long for its length field")
    header = struct.pack(">HHHH", src_port, dst_port, 8 + len(payload), checksum)
    return _verified(src, dst, header, payload, hop_limit)


def _decode_udp_header(data: bytes, src: bytes, dst: bytes, hop_limit: int) -> UdpDatagram:
    """An uncompressed UDP header and payload (IPHC with NH=0, or the IPv6 dispatch)."""
    if len(data) < 8:
        raise DecodeError("UDP header truncated")
    length = struct.unpack_from(">H", data, 4)[0]
    if length != len(data):
        raise DecodeError(f"UDP length {length} does not match the {len(data)} octets carried")
    return _verified(src, dst, data[:8], data[8:], hop_limit)


def _verified(src: bytes, dst: bytes, header: bytes, payload: bytes, hop_limit: int) -> UdpDatagram:
    src_port, dst_port, _length, checksum = struct.unpack(">HHHH", header)
    # RFC 8200 §8.1: a zero UDP checksum is not allowed over IPv6; a correct one makes
    # the one's complement sum over everything, checksum included, all ones.
    if checksum == 0 or _checksum(src, dst, header + payload) != 0xFFFF:
        raise IntegrityError("bad UDP checksum")
    return UdpDatagram(
        src=src, dst=dst, src_port=src_port, dst_port=dst_port, payload=payload, hop_limit=hop_limit
    )


def _decode_icmpv6(data: bytes, src: bytes, dst: bytes, hop_limit: int) -> Icmpv6Message:
    """An ICMPv6 message (RFC 4443 §2.1) whose checksum must verify (§2.3, §2.4 (a))."""
    if len(data) < 4:
        raise DecodeError("ICMPv6 header truncated")
    if len(data) > 0xFFFF:
        raise DecodeError("ICMPv6 message too long for the IPv6 payload length")
    # Any checksum value, 0 included, is valid when the sum over everything is all ones.
    if _checksum(src, dst, data, ICMPV6) != 0xFFFF:
        raise IntegrityError("bad ICMPv6 checksum")
    return Icmpv6Message(src=src, dst=dst, type=data[0], code=data[1], body=data[4:], hop_limit=hop_limit)


def _decode_uncompressed(data: bytes, accepted: frozenset[int]) -> UdpDatagram | Icmpv6Message:
    if len(data) < 40:
        raise DecodeError("IPv6 header truncated")
    version_etc, length, next_header, hop_limit = struct.unpack_from(">IHBB", data)
    if version_etc >> 28 != 6:
        raise DecodeError("not an IPv6 header")
    if next_header not in accepted:
        raise _refuse(next_header, accepted)
    if length != len(data) - 40:
        raise DecodeError("IPv6 payload length does not match the octets carried")
    decode = _decode_icmpv6 if next_header == ICMPV6 else _decode_udp_header
    return decode(data[40:], data[8:24], data[24:40], hop_limit)


def decode_ipv6(data: bytes, *, src_mac: bytes | int, dst_mac: bytes | int) -> UdpDatagram | Icmpv6Message:
    """The UDP datagram or ICMPv6 message in a 6LoWPAN MAC payload.

    Raises:
        IntegrityError: the UDP or ICMPv6 checksum does not verify.
        DecodeError: the payload is malformed, uses what the bench does not model, or
            carries another next header.
    """
    return _decode(data, src_mac, dst_mac, frozenset({UDP, ICMPV6}), "decode_ipv6")


def decode_udp(data: bytes, *, src_mac: bytes | int, dst_mac: bytes | int) -> UdpDatagram:
    """The UDP datagram in a 6LoWPAN MAC payload; bad checksum raises IntegrityError."""
    datagram = _decode(data, src_mac, dst_mac, frozenset({UDP}), "decode_udp")
    assert isinstance(datagram, UdpDatagram)  # only UDP was accepted
    return datagram


def _decode(
    data: bytes, src_mac: bytes | int, dst_mac: bytes | int, accepted: frozenset[int], caller: str
) -> UdpDatagram | Icmpv6Message:
    mac_to_link_local(src_mac)  # validates the bench's arguments before touching the data
    mac_to_link_local(dst_mac)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BenchUsageError(f"{caller}() takes bytes")
    data = bytes(data)
    if not data:
        raise DecodeError("empty 6LoWPAN payload")
    dispatch = data[0]
    if dispatch >> 5 == 0b011:
        return _decode_iphc(data, src_mac, dst_mac, accepted)
    if dispatch == _DISPATCH_IPV6:
        return _decode_uncompressed(data[1:], accepted)
    if dispatch >> 6 == 0b10:
        raise DecodeError("6LoWPAN mesh header is not supported")
    if dispatch >> 3 in (0b11000, 0b11100):
        raise DecodeError("6LoWPAN fragmentation is not supported")
    raise DecodeError(f"unsupported 6LoWPAN dispatch 0x{dispatch:02x}")
