"""6LoWPAN IPHC + UDP NHC: golden vectors both ways, checksum, rejections, properties."""

from __future__ import annotations

import contextlib
import ipaddress
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError, ProtocolError
from conformance.protocols.sixlowpan import (
    ECHO_REPLY,
    ECHO_REQUEST,
    ICMPV6,
    Icmpv6Message,
    UdpDatagram,
    decode_ipv6,
    decode_udp,
    echo_fields,
    echo_reply_to,
    echo_request,
    encode_icmpv6,
    encode_udp,
    icmpv6_checksum,
    link_local_from_eui64,
    mac_to_link_local,
    udp_checksum,
)

METER = bytes.fromhex("001d129f35c1a2b3")
TERMINAL = bytes.fromhex("001d129f35c1c4d5")
PANA_PCI = bytes.fromhex("0000 0010 0000 0001 00000000 00000001")  # RFC 5191 header, 16 octets
ECHONET_GET = bytes.fromhex("1081 0001 05ff01 028801 62 01 e0 00")


def ip(text: str) -> bytes:
    return ipaddress.IPv6Address(text).packed


def h(text: str) -> bytes:
    return bytes.fromhex("".join(line.split("#")[0] for line in text.splitlines()))


def test_link_local_from_eui64_inverts_the_universal_local_bit() -> None:
    # Wireshark shows 00:1d:12:9f:35:c1:c4:d5 as fe80::21d:129f:35c1:c4d5 (RFC 4944 §6).
    assert link_local_from_eui64(TERMINAL) == ip("fe80::21d:129f:35c1:c4d5")
    assert mac_to_link_local(TERMINAL) == ip("fe80::21d:129f:35c1:c4d5")


def test_short_address_iid_has_no_pan_id() -> None:
    assert mac_to_link_local(0x1234) == ip("fe80::ff:fe00:1234")  # RFC 6282 §3.2.2


@pytest.mark.parametrize("bad", [b"\x00" * 7, 0x10000, -1, True, "00:11"])
def test_bad_mac_addresses_are_bench_usage_errors(bad: object) -> None:
    with pytest.raises(BenchUsageError):
        mac_to_link_local(bad)  # type: ignore[arg-type]


# Golden vectors: (name, datagram, src MAC, dst MAC, octets). Every checksum here was
# verified by Wireshark 4.0 with udp.check_checksum enabled, and the addresses it
# reconstructed match (tests/protocols/test_tshark_decodes.py repeats the check). Ports are
# written as numbers (716 = 02 cc, 3610 = 0e 1a), not as the codecs' PANA_PORT/ECHONET_PORT:
# the vector's octets are the oracle, and its datagram must say the numbers they hold.
VECTORS: list[tuple[str, UdpDatagram, bytes | int, bytes | int, bytes]] = [
    (
        "link-local both elided, PANA port inline",
        UdpDatagram(
            src=ip("fe80::21d:129f:35c1:c4d5"),
            dst=ip("fe80::21d:129f:35c1:a2b3"),
            src_port=716,
            dst_port=716,
            payload=PANA_PCI,
        ),
        TERMINAL,
        METER,
        h(
            """
            7f 33        # IPHC: TF=11 NH=1 HLIM=11 (255) | SAM=11 DAM=11
            f0           # UDP NHC, checksum inline, ports inline
            02 cc 02 cc  # 716 -> 716
            00 8f        # checksum
            """
        )
        + PANA_PCI,
    ),
    (
        "multicast ff02::1 in 8 bits (ECHONET Lite)",
        UdpDatagram(
            src=ip("fe80::21d:129f:35c1:a2b3"),
            dst=ip("ff02::1"),
            src_port=3610,
            dst_port=3610,
            payload=ECHONET_GET,
        ),
        METER,
        0xFFFF,
        h("7f 3b  01  f0 0e 1a 0e 1a 17 52") + ECHONET_GET,
    ),
    (
        "short-address IIDs, hop limit 64, 4-bit ports",
        UdpDatagram(
            src=ip("fe80::ff:fe00:1"),
            dst=ip("fe80::ff:fe00:2"),
            src_port=0xF0B1,
            dst_port=0xF0B2,
            payload=b"hi",
            hop_limit=64,
        ),
        0x0001,
        METER,
        h("7e 32  00 02  # dst 16 bits inline (not derivable from the MAC)\n f3 12 bb 07") + b"hi",
    ),
    (
        "global addresses inline, hop limit inline, 8-bit source port",
        UdpDatagram(
            src=ip("2001:db8::1"),
            dst=ip("2001:db8::2"),
            src_port=0xF005,
            dst_port=716,
            payload=b"x",
            hop_limit=17,
        ),
        TERMINAL,
        METER,
        h(
            """
            7c 00 11
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02
            f2 05 02 cc 39 95
            """
        )
        + b"x",
    ),
    (
        "unspecified source, ff02::1:2 in 32 bits, hop limit 1",
        UdpDatagram(src=bytes(16), dst=ip("ff02::1:2"), src_port=546, dst_port=547, payload=b"", hop_limit=1),
        TERMINAL,
        0xFFFF,
        h("7d 4a  02 01 00 02  f0 02 22 02 23 fc 93"),
    ),
    (
        "64-bit IID inline, ff05::1:3, 8-bit destination port",
        UdpDatagram(
            src=ip("fe80::1234:5678:9abc:def0"),
            dst=ip("ff05::1:3"),
            src_port=1,
            dst_port=0xF0FF,
            payload=b"\x00",
        ),
        TERMINAL,
        METER,
        h("7f 1a  12 34 56 78 9a bc de f0  05 01 00 03  f1 00 01 ff 2e f7 00"),
    ),
]


def _cases() -> list[object]:
    return [pytest.param(d, s, m, o, id=name) for name, d, s, m, o in VECTORS]


@pytest.mark.parametrize(("datagram", "src_mac", "dst_mac", "octets"), _cases())
def test_vectors_encode(datagram: UdpDatagram, src_mac, dst_mac, octets: bytes) -> None:
    assert encode_udp(datagram, src_mac=src_mac, dst_mac=dst_mac) == octets


@pytest.mark.parametrize(("datagram", "src_mac", "dst_mac", "octets"), _cases())
def test_vectors_decode(datagram: UdpDatagram, src_mac, dst_mac, octets: bytes) -> None:
    assert decode_udp(octets, src_mac=src_mac, dst_mac=dst_mac) == datagram


def test_checksum_follows_rfc_8200_pseudo_header() -> None:
    datagram = VECTORS[0][1]
    pseudo = datagram.src + datagram.dst + struct.pack(">IxxxB", 24, 17)
    udp = struct.pack(">HHHH", 716, 716, 24, 0) + datagram.payload  # VECTORS[0]'s ports, as numbers
    words = struct.unpack(">" + "H" * ((len(pseudo) + len(udp)) // 2), pseudo + udp)
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    assert udp_checksum(datagram) == 0xFFFF - total == 0x008F


def test_uncompressed_ipv6_dispatch_and_inline_next_header_decode() -> None:
    datagram = VECTORS[3][1]
    udp = struct.pack(">HHHH", 0xF005, 716, 9, udp_checksum(datagram)) + b"x"  # VECTORS[3]'s ports
    ipv6 = struct.pack(">IHBB", 6 << 28, len(udp), 17, 17) + datagram.src + datagram.dst
    assert decode_udp(b"\x41" + ipv6 + udp, src_mac=TERMINAL, dst_mac=METER) == datagram
    # IPHC with NH=0 (next header inline) and TF=00 (4 octets of traffic class/flow label).
    iphc = h("60 00  0a 00 00 01  11  11") + datagram.src + datagram.dst
    assert decode_udp(iphc + udp, src_mac=TERMINAL, dst_mac=METER) == datagram


def test_cid_extension_without_context_use_is_skipped() -> None:
    octets = VECTORS[0][4]
    with_cid = bytes([octets[0], octets[1] | 0x80, 0x00]) + octets[2:]
    assert decode_udp(with_cid, src_mac=TERMINAL, dst_mac=METER) == VECTORS[0][1]


def test_bad_checksum_is_an_integrity_error() -> None:
    octets = bytearray(VECTORS[0][4])
    octets[-1] ^= 0x01
    with pytest.raises(IntegrityError):
        decode_udp(bytes(octets), src_mac=TERMINAL, dst_mac=METER)
    # The same octets from another MAC address stand for another source IPv6 address.
    with pytest.raises(IntegrityError):
        decode_udp(VECTORS[0][4], src_mac=0x0001, dst_mac=METER)


def test_zero_checksum_is_not_allowed_over_ipv6() -> None:
    octets = bytearray(VECTORS[4][4])
    octets[-2:] = b"\x00\x00"
    with pytest.raises(IntegrityError):
        decode_udp(bytes(octets), src_mac=TERMINAL, dst_mac=0xFFFF)


def test_computed_zero_checksum_is_sent_as_all_ones() -> None:
    base = UdpDatagram(src=bytes(16), dst=ip("ff02::1"), src_port=1, dst_port=1, payload=b"\x00\x00")
    partial = udp_checksum(base)
    # Choose the payload so that the sum becomes 0xFFFF, i.e. a computed checksum of zero.
    fixed = UdpDatagram(
        src=base.src,
        dst=base.dst,
        src_port=1,
        dst_port=1,
        payload=(partial if partial != 0xFFFF else 0).to_bytes(2, "big"),
    )
    assert udp_checksum(fixed) == 0xFFFF
    octets = encode_udp(fixed, src_mac=TERMINAL, dst_mac=0xFFFF)
    assert decode_udp(octets, src_mac=TERMINAL, dst_mac=0xFFFF) == fixed


@pytest.mark.parametrize(
    ("octets", "message"),
    [
        ("", "empty"),
        ("7f", "IPHC header"),
        ("7f 33 e0", "not UDP"),  # IPv6 extension header NHC
        ("7b 33 3a", "not UDP"),  # NH=0, ICMPv6 inline
        ("7f 33 f4 02 cc 02 cc", "checksum elided"),
        ("7f 73 f0", "context-based source"),
        ("7f 37 f0", "context-based destination"),
        ("7f 33 f0 02", "ports"),
        ("7c 00", "hop limit"),
        ("7f 00 fe 80", "source address"),
        ("c0 10 00 01", "fragmentation"),
        ("e0 10 00 01 02", "fragmentation"),
        ("80 01 02", "mesh header"),
        ("42 00", "dispatch"),
        ("41 60 00 00 00 00 08 11 ff", "IPv6 header truncated"),
        ("7b 33 11 00 00 00", "UDP header truncated"),
    ],
)
def test_malformed_payloads_are_decode_errors(octets: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode_udp(bytes.fromhex(octets.replace(" ", "")), src_mac=TERMINAL, dst_mac=METER)


@pytest.mark.parametrize(
    "changes",
    [
        {"src": b"\x00" * 15},
        {"src_port": 65536},
        {"hop_limit": 256},
        {"payload": "text"},
        {"dst_port": True},
    ],
)
def test_bad_datagrams_are_bench_usage_errors(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "src": bytes(16),
        "dst": bytes(16),
        "src_port": 1,
        "dst_port": 2,
        "payload": b"",
    }
    with pytest.raises(BenchUsageError):
        UdpDatagram(**{**fields, **changes})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties

_macs = st.binary(min_size=8, max_size=8) | st.integers(0, 0xFFFF)


@st.composite
def _address(draw: st.DrawFn, mac: bytes | int, *, multicast_ok: bool) -> bytes:
    forms = [
        st.just(mac_to_link_local(mac)),
        st.binary(min_size=8, max_size=8).map(lambda iid: bytes.fromhex("fe80" + "00" * 6) + iid),
        st.integers(0, 0xFFFF).map(mac_to_link_local),
        # Any 16 octets, but ff00::/8 is multicast (RFC 4291 §2.7): only where it may be.
        st.binary(min_size=16, max_size=16).filter(lambda a: multicast_ok or a[0] != 0xFF),
        st.just(bytes(16)),
    ]
    if multicast_ok:
        forms += [
            st.binary(min_size=1, max_size=1).map(lambda x: b"\xff\x02" + bytes(13) + x),
            st.binary(min_size=4, max_size=4).map(lambda x: b"\xff" + x[:1] + bytes(11) + x[1:]),
            st.binary(min_size=6, max_size=6).map(lambda x: b"\xff" + x[:1] + bytes(9) + x[1:]),
            st.binary(min_size=15, max_size=15).map(lambda x: b"\xff" + x),
        ]
    return draw(st.one_of(forms))


_ports = st.integers(0, 0xFFFF) | st.integers(0xF000, 0xF0FF) | st.integers(0xF0B0, 0xF0BF)


@st.composite
def _case(draw: st.DrawFn) -> tuple[UdpDatagram, bytes | int, bytes | int]:
    src_mac, dst_mac = draw(_macs), draw(_macs)
    datagram = UdpDatagram(
        src=draw(_address(src_mac, multicast_ok=False)),
        dst=draw(_address(dst_mac, multicast_ok=True)),
        src_port=draw(_ports),
        dst_port=draw(_ports),
        payload=draw(st.binary(max_size=60)),
        hop_limit=draw(st.sampled_from([1, 64, 255]) | st.integers(0, 255)),
    )
    return datagram, src_mac, dst_mac


@given(_case())
def test_decode_inverts_encode(case: tuple[UdpDatagram, bytes | int, bytes | int]) -> None:
    datagram, src_mac, dst_mac = case
    octets = encode_udp(datagram, src_mac=src_mac, dst_mac=dst_mac)
    assert decode_udp(octets, src_mac=src_mac, dst_mac=dst_mac) == datagram


@given(st.binary(max_size=80), _macs, _macs)
def test_random_octets_decode_or_raise_protocol_errors(data: bytes, src_mac, dst_mac) -> None:
    for octets in (data, b"\x7f" + data, b"\x41" + data):
        with contextlib.suppress(DecodeError, IntegrityError):
            decode_udp(octets, src_mac=src_mac, dst_mac=dst_mac)


@given(_case(), st.integers(0, 100), st.integers(0, 255))
def test_mutated_payloads_raise_protocol_errors_or_decode(case, position: int, value: int) -> None:
    datagram, src_mac, dst_mac = case
    octets = bytearray(encode_udp(datagram, src_mac=src_mac, dst_mac=dst_mac))
    octets[position % len(octets)] = value
    with contextlib.suppress(DecodeError, IntegrityError):
        decode_udp(bytes(octets), src_mac=src_mac, dst_mac=dst_mac)


# --------------------------------------------------------------------------- ICMPv6

# Golden vectors: (name, message, src MAC, dst MAC, octets). Every checksum here was
# verified by Wireshark 4.0 (all "[Checksum Status: Good]", no expert info), and the
# addresses, hop limits, types and codes it reconstructed match; test_tshark_decodes.py
# repeats the check for an echo request and its reply.
INVOKING_UDP = h(
    """
    60 00 00 00  00 08 11 40                         # IPv6: payload 8, UDP, hop limit 64
    fe 80 00 00 00 00 00 00 12 34 56 78 9a bc de f0
    fe 80 00 00 00 00 00 00 02 1d 12 9f 35 c1 c4 d5
    0e 1a 0e 1a 00 08 f4 fb                          # UDP 3610 -> 3610, no payload
    """
)
ICMPV6_VECTORS: list[tuple[str, Icmpv6Message, bytes | int, bytes | int, bytes]] = [
    (
        "echo request, link-local both elided, hop limit 64",
        Icmpv6Message(
            src=ip("fe80::21d:129f:35c1:a2b3"),
            dst=ip("fe80::21d:129f:35c1:c4d5"),
            type=ECHO_REQUEST,
            body=h("4a 50 00 01") + b"IoT-route",
            hop_limit=64,
        ),
        METER,
        TERMINAL,
        h(
            """
            7a 33        # IPHC: TF=11 NH=0 HLIM=10 (64) | SAM=11 DAM=11
            3a           # Next Header inline: ICMPv6
            80 00 51 5c  # type 128, code 0, checksum
            4a 50 00 01  # identifier, sequence
            """
        )
        + b"IoT-route",
    ),
    (
        "echo reply, link-local both elided, hop limit 64",
        Icmpv6Message(
            src=ip("fe80::21d:129f:35c1:c4d5"),
            dst=ip("fe80::21d:129f:35c1:a2b3"),
            type=ECHO_REPLY,
            body=h("4a 50 00 01") + b"IoT-route",
            hop_limit=64,
        ),
        TERMINAL,
        METER,
        h("7a 33 3a  81 00 50 5c  4a 50 00 01") + b"IoT-route",
    ),
    (
        "echo request to ff02::1 from a short address, hop limit 255",
        Icmpv6Message(src=ip("fe80::ff:fe00:1"), dst=ip("ff02::1"), type=ECHO_REQUEST, body=h("00 01 ff ff")),
        0x0001,
        0xFFFF,
        h("7b 3b 3a 01  80 00 83 36  00 01 ff ff"),
    ),
    (
        "echo reply, global addresses and hop limit inline",
        Icmpv6Message(
            src=ip("2001:db8::1"),
            dst=ip("2001:db8::2"),
            type=ECHO_REPLY,
            body=h("00 07 00 2a") + b"abc",
            hop_limit=17,
        ),
        TERMINAL,
        METER,
        h(
            """
            78 00 3a 11  # IPHC: NH=0 HLIM=00 | SAM=00 DAM=00; next header, hop limit
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01
            20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02
            81 00 5e b1 00 07 00 2a
            """
        )
        + b"abc",
    ),
    (
        "port unreachable, 64-bit destination IID inline",
        Icmpv6Message(
            src=ip("fe80::21d:129f:35c1:c4d5"),
            dst=ip("fe80::1234:5678:9abc:def0"),
            type=1,
            code=4,
            body=bytes(4) + INVOKING_UDP,
            hop_limit=64,
        ),
        TERMINAL,
        METER,
        h("7a 31 3a  12 34 56 78 9a bc de f0  01 04 9e ab  00 00 00 00") + INVOKING_UDP,
    ),
    (
        "DAD neighbor solicitation from ::, solicited-node in 48 bits",
        Icmpv6Message(
            src=bytes(16),
            dst=ip("ff02::1:ff35:c1c4"),
            type=135,
            body=bytes(4) + ip("fe80::21d:129f:35c1:c4d5"),
        ),
        TERMINAL,
        0xFFFF,
        h("7b 49 3a  02 01 ff 35 c1 c4  87 00 aa da  00 00 00 00") + ip("fe80::21d:129f:35c1:c4d5"),
    ),
]


def _icmpv6_cases() -> list[object]:
    return [pytest.param(m, s, d, o, id=name) for name, m, s, d, o in ICMPV6_VECTORS]


@pytest.mark.parametrize(("message", "src_mac", "dst_mac", "octets"), _icmpv6_cases())
def test_icmpv6_vectors_encode(message: Icmpv6Message, src_mac, dst_mac, octets: bytes) -> None:
    assert encode_icmpv6(message, src_mac=src_mac, dst_mac=dst_mac) == octets


@pytest.mark.parametrize(("message", "src_mac", "dst_mac", "octets"), _icmpv6_cases())
def test_icmpv6_vectors_decode(message: Icmpv6Message, src_mac, dst_mac, octets: bytes) -> None:
    assert decode_ipv6(octets, src_mac=src_mac, dst_mac=dst_mac) == message


@pytest.mark.parametrize(("message", "src_mac", "dst_mac", "octets"), _icmpv6_cases())
def test_decode_udp_refuses_icmpv6_as_before(message: Icmpv6Message, src_mac, dst_mac, octets) -> None:
    with pytest.raises(DecodeError, match="not UDP"):
        decode_udp(octets, src_mac=src_mac, dst_mac=dst_mac)


@pytest.mark.parametrize(("datagram", "src_mac", "dst_mac", "octets"), _cases())
def test_decode_ipv6_reads_the_udp_vectors(datagram: UdpDatagram, src_mac, dst_mac, octets: bytes) -> None:
    assert decode_ipv6(octets, src_mac=src_mac, dst_mac=dst_mac) == datagram


def test_icmpv6_checksum_follows_rfc_4443_pseudo_header() -> None:
    message = ICMPV6_VECTORS[0][1]
    icmp = bytes([ECHO_REQUEST, 0, 0, 0]) + message.body
    pseudo = message.src + message.dst + struct.pack(">IxxxB", len(icmp), 58)
    data = pseudo + icmp + b"\x00" * (len(icmp) % 2)
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    assert ICMPV6 == 58
    assert icmpv6_checksum(message) == 0xFFFF - total == 0x515C


def test_icmpv6_computed_zero_checksum_is_sent_as_zero() -> None:
    # Unlike UDP (RFC 8200 §8.1), ICMPv6 gives 0 no special meaning: a computed 0 is sent.
    base = Icmpv6Message(src=bytes(16), dst=ip("ff02::1"), type=200, body=b"\x00\x00")
    partial = icmpv6_checksum(base)
    # The word that brings the sum to all ones is the checksum computed without it.
    fixed = Icmpv6Message(src=base.src, dst=base.dst, type=200, body=partial.to_bytes(2, "big"))
    assert icmpv6_checksum(fixed) == 0
    octets = encode_icmpv6(fixed, src_mac=TERMINAL, dst_mac=0xFFFF)
    assert octets[-4:-2] == b"\x00\x00"
    assert decode_ipv6(octets, src_mac=TERMINAL, dst_mac=0xFFFF) == fixed


def test_icmpv6_in_uncompressed_ipv6_and_in_iphc_with_every_field_inline() -> None:
    message = ICMPV6_VECTORS[3][1]
    icmp = ICMPV6_VECTORS[3][4][36:]
    ipv6 = struct.pack(">IHBB", 6 << 28, len(icmp), 58, 17) + message.src + message.dst
    assert decode_ipv6(b"\x41" + ipv6 + icmp, src_mac=TERMINAL, dst_mac=METER) == message
    # TF=00 (4 octets of traffic class and flow label), CID=1 with context 0 unused.
    iphc = h("60 80 00  0a 00 00 01  3a  11") + message.src + message.dst
    assert decode_ipv6(iphc + icmp, src_mac=TERMINAL, dst_mac=METER) == message


def test_bad_icmpv6_checksum_is_an_integrity_error() -> None:
    octets = bytearray(ICMPV6_VECTORS[0][4])
    octets[-1] ^= 0x01
    with pytest.raises(IntegrityError, match="ICMPv6 checksum"):
        decode_ipv6(bytes(octets), src_mac=METER, dst_mac=TERMINAL)
    # The same octets from another MAC address stand for another source IPv6 address
    # (swapping the two would not do: the one's complement sum does not see the order).
    with pytest.raises(IntegrityError):
        decode_ipv6(ICMPV6_VECTORS[0][4], src_mac=0x0001, dst_mac=TERMINAL)
    # A UDP datagram read through decode_ipv6 is verified as strictly as through decode_udp.
    udp = bytearray(VECTORS[0][4])
    udp[-1] ^= 0x01
    with pytest.raises(IntegrityError, match="UDP checksum"):
        decode_ipv6(bytes(udp), src_mac=TERMINAL, dst_mac=METER)


@pytest.mark.parametrize(
    ("octets", "message"),
    [
        ("", "empty"),
        ("7a 33", "next header"),
        ("7a 33 06 00 00 00 00", "not UDP or ICMPv6 \\(next header 6\\)"),
        ("7a 33 3a 80 00 51", "ICMPv6 header truncated"),
        ("7f 33 e0 3a 00", "not UDP or ICMPv6 \\(next header compression 0xe0\\)"),
        ("7f 33 f4 02 cc 02 cc", "checksum elided"),
        ("7a 73 3a", "context-based source"),
        ("7a 37 3a", "context-based destination"),
        ("78 00 3a", "hop limit"),
        ("78 00 3a 40 fe 80", "source address"),
        ("c0 10 00 01", "fragmentation"),
        ("80 01 02", "mesh header"),
        ("41 60 00 00 00 00 04 3a 40", "IPv6 header truncated"),
        ("41 50" + "00" * 39, "not an IPv6 header"),
        ("41 60 00 00 00 00 00 06 40" + "00" * 32, "not UDP or ICMPv6 \\(next header 6\\)"),
        ("41 60 00 00 00 00 05 3a 40" + "00" * 32 + "80 00 00 00", "payload length"),
        ("41 60 00 00 00 00 02 3a 40" + "00" * 32 + "80 00", "ICMPv6 header truncated"),
    ],
)
def test_malformed_ipv6_payloads_are_decode_errors(octets: str, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode_ipv6(bytes.fromhex(octets.replace(" ", "")), src_mac=METER, dst_mac=TERMINAL)


def test_decode_ipv6_rejects_non_bytes_as_a_bench_error() -> None:
    with pytest.raises(BenchUsageError, match="decode_ipv6"):
        decode_ipv6("7a33", src_mac=METER, dst_mac=TERMINAL)  # type: ignore[arg-type]
    with pytest.raises(BenchUsageError):
        decode_ipv6(ICMPV6_VECTORS[0][4], src_mac=b"\x00", dst_mac=TERMINAL)


def test_echo_request_and_reply_follow_rfc_4443_section_4() -> None:
    request = echo_request(
        src=mac_to_link_local(METER),
        dst=mac_to_link_local(TERMINAL),
        identifier=0x4A50,
        sequence=1,
        data=b"IoT-route",
    )
    assert request == ICMPV6_VECTORS[0][1]
    reply = echo_reply_to(request)
    assert reply == ICMPV6_VECTORS[1][1]
    assert echo_fields(request) == echo_fields(reply) == (0x4A50, 1, b"IoT-route")
    assert echo_request(src=bytes(16), dst=bytes(16), identifier=0, sequence=0).body == bytes(4)


def test_reply_to_a_multicast_echo_request_comes_from_a_unicast_address() -> None:
    request = ICMPV6_VECTORS[2][1]
    with pytest.raises(BenchUsageError, match="unicast src"):
        echo_reply_to(request)
    with pytest.raises(BenchUsageError, match="unicast src"):
        echo_reply_to(request, src=ip("ff02::2"))
    terminal = mac_to_link_local(TERMINAL)
    reply = echo_reply_to(request, src=terminal)
    assert (reply.src, reply.dst, reply.type, reply.body) == (terminal, request.src, ECHO_REPLY, request.body)


def test_echo_fields_of_a_short_body_is_a_decode_error() -> None:
    short = Icmpv6Message(src=bytes(16), dst=bytes(16), type=ECHO_REPLY, body=b"\x00\x01\x00")
    with pytest.raises(DecodeError, match="identifier and sequence"):
        echo_fields(short)
    with pytest.raises(DecodeError):
        echo_reply_to(Icmpv6Message(src=bytes(16), dst=bytes(16), type=ECHO_REQUEST))


@pytest.mark.parametrize(
    "call",
    [
        lambda: echo_fields(ICMPV6_VECTORS[4][1]),  # a Destination Unreachable
        lambda: echo_reply_to(ICMPV6_VECTORS[1][1]),  # a reply is not a request
        lambda: echo_request(src=bytes(16), dst=bytes(16), identifier=0x10000, sequence=0),
        lambda: echo_request(src=bytes(16), dst=bytes(16), identifier=0, sequence=-1),
        lambda: echo_request(src=bytes(16), dst=bytes(16), identifier=0, sequence=0, data="x"),
        lambda: echo_request(src=bytes(15), dst=bytes(16), identifier=0, sequence=0),
        lambda: encode_icmpv6(VECTORS[0][1], src_mac=TERMINAL, dst_mac=METER),
        lambda: encode_icmpv6(ICMPV6_VECTORS[0][1], src_mac=-1, dst_mac=METER),
    ],
)
def test_echo_helpers_misused_are_bench_usage_errors(call) -> None:
    with pytest.raises(BenchUsageError):
        call()


@pytest.mark.parametrize(
    "changes",
    [
        {"src": b"\x00" * 15},
        {"dst": "fe80::1"},
        {"type": 256},
        {"code": -1},
        {"type": True},
        {"hop_limit": 256},
        {"body": "text"},
        {"body": bytes(0xFFFF - 3)},
    ],
)
def test_bad_icmpv6_messages_are_bench_usage_errors(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {"src": bytes(16), "dst": bytes(16), "type": ECHO_REQUEST}
    with pytest.raises(BenchUsageError):
        Icmpv6Message(**{**fields, **changes})  # type: ignore[arg-type]


@st.composite
def _icmpv6_case(draw: st.DrawFn) -> tuple[Icmpv6Message, bytes | int, bytes | int]:
    src_mac, dst_mac = draw(_macs), draw(_macs)
    message = Icmpv6Message(
        src=draw(_address(src_mac, multicast_ok=False)),
        dst=draw(_address(dst_mac, multicast_ok=True)),
        type=draw(st.sampled_from([ECHO_REQUEST, ECHO_REPLY]) | st.integers(0, 255)),
        code=draw(st.integers(0, 255)),
        body=draw(st.binary(max_size=60)),
        hop_limit=draw(st.sampled_from([1, 64, 255]) | st.integers(0, 255)),
    )
    return message, src_mac, dst_mac


@given(_icmpv6_case())
def test_decode_ipv6_inverts_encode_icmpv6(case: tuple[Icmpv6Message, bytes | int, bytes | int]) -> None:
    message, src_mac, dst_mac = case
    octets = encode_icmpv6(message, src_mac=src_mac, dst_mac=dst_mac)
    assert decode_ipv6(octets, src_mac=src_mac, dst_mac=dst_mac) == message


@given(_case())
def test_decode_ipv6_inverts_encode_udp(case: tuple[UdpDatagram, bytes | int, bytes | int]) -> None:
    datagram, src_mac, dst_mac = case
    octets = encode_udp(datagram, src_mac=src_mac, dst_mac=dst_mac)
    assert decode_ipv6(octets, src_mac=src_mac, dst_mac=dst_mac) == datagram


@given(
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFF),
    st.binary(max_size=40),
    _address(TERMINAL, multicast_ok=False),
    _address(METER, multicast_ok=False),
)
def test_echo_round_trip(identifier: int, sequence: int, data: bytes, src: bytes, dst: bytes) -> None:
    request = echo_request(src=src, dst=dst, identifier=identifier, sequence=sequence, data=data)
    octets = encode_icmpv6(request, src_mac=TERMINAL, dst_mac=METER)
    received = decode_ipv6(octets, src_mac=TERMINAL, dst_mac=METER)
    assert isinstance(received, Icmpv6Message)
    reply = echo_reply_to(received)
    back = decode_ipv6(encode_icmpv6(reply, src_mac=METER, dst_mac=TERMINAL), src_mac=METER, dst_mac=TERMINAL)
    assert (back.src, back.dst, back.type) == (dst, src, ECHO_REPLY)
    assert echo_fields(back) == (identifier, sequence, data)


@given(st.binary(max_size=80), _macs, _macs)
def test_random_octets_into_decode_ipv6_raise_only_protocol_errors(data: bytes, src_mac, dst_mac) -> None:
    for prefix in (b"", b"\x7f", b"\x7a", b"\x7b\x33\x3a", b"\x78\x00\x3a", b"\x41", b"\x41\x60"):
        with contextlib.suppress(ProtocolError):
            decode_ipv6(prefix + data, src_mac=src_mac, dst_mac=dst_mac)


@given(_icmpv6_case(), st.integers(0, 100), st.integers(0, 255))
def test_mutated_icmpv6_raises_protocol_errors_or_decodes(case, position: int, value: int) -> None:
    message, src_mac, dst_mac = case
    octets = bytearray(encode_icmpv6(message, src_mac=src_mac, dst_mac=dst_mac))
    octets[position % len(octets)] = value
    with contextlib.suppress(ProtocolError):
        decode_ipv6(bytes(octets), src_mac=src_mac, dst_mac=dst_mac)
