"""6LoWPAN IPHC + UDP NHC: golden vectors both ways, checksum, rejections, properties."""

from __future__ import annotations

import contextlib
import ipaddress
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError
from conformance.protocols.sixlowpan import (
    UdpDatagram,
    decode_udp,
    encode_udp,
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
# reconstructed match (tests/protocols/test_tshark_decodes.py repeats the check).
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
    udp = struct.pack(">HHHH", 716, 716, 24, 0) + datagram.payload
    words = struct.unpack(">" + "H" * ((len(pseudo) + len(udp)) // 2), pseudo + udp)
    total = sum(words)
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    assert udp_checksum(datagram) == 0xFFFF - total == 0x008F


def test_uncompressed_ipv6_dispatch_and_inline_next_header_decode() -> None:
    datagram = VECTORS[3][1]
    udp = struct.pack(">HHHH", 0xF005, 716, 9, udp_checksum(datagram)) + b"x"
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
        st.binary(min_size=16, max_size=16),
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
