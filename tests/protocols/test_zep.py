"""ZEP v2 (conformance/protocols/zep.py): golden vectors from Wireshark's layout, exact
inverses, random octets only ever a ``DecodeError``, and tshark's ``zep`` dissector as the
oracle of the encoder.

The layout, as epan/dissectors/packet-zep.c (Exegin Technologies, 2009) states it:

    ZEP v2 Header will have the following format (if type=1/Data):
    |Preamble|Version| Type |Channel ID|Device ID|CRC/LQI Mode|LQI Val|NTP Timestamp|Sequence#|Reserved|Length|
    |2 bytes |1 byte |1 byte|  1 byte  | 2 bytes |   1 byte   |1 byte |   8 bytes   | 4 bytes |10 bytes|1 byte|
    ZEP v2 Header will have the following format (if type=2/Ack):
    |Preamble|Version| Type |Sequence#|
    |2 bytes |1 byte |1 byte| 4 bytes |
"""  # noqa: E501 (the layout as the dissector's source draws it)

from __future__ import annotations

import contextlib
import dataclasses
import struct
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import sixlowpan, wpan, zep
from conformance.protocols.errors import BenchUsageError, DecodeError
from tests.tshark import run_tshark

METER = bytes.fromhex("02123400000000C1")
TERMINAL = bytes.fromhex("001D129F35000A01")
KEY = bytes(range(16))
UNIX_2023_11_14 = 1_700_000_000  # 22:13:20 UTC


def _secured_echo() -> bytes:
    request = sixlowpan.echo_request(
        src=sixlowpan.link_local_from_eui64(METER),
        dst=sixlowpan.link_local_from_eui64(TERMINAL),
        identifier=7,
        sequence=9,
        data=b"abc",
    )
    frame = wpan.data_frame(
        sequence_number=5,
        pan_id=0x1000,
        src_addr=METER,
        dst_addr=TERMINAL,
        payload=sixlowpan.encode_icmpv6(request, src_mac=METER, dst_mac=TERMINAL),
        ack_request=True,
    )
    header = wpan.AuxSecurityHeader(frame_counter=3, key_index=1)
    return wpan.secure(dataclasses.replace(frame, security=header), KEY)


FRAME = _secured_echo()


def test_a_data_packet_in_crc_mode_is_the_header_then_the_frame_as_it_is():
    packet = zep.ZepFrame(channel=33, frame=FRAME, timestamp=UNIX_2023_11_14 + 0.5, sequence=42, device_id=7)
    encoded = zep.encode(packet, lqi_mode=False)
    ntp = (UNIX_2023_11_14 + 2_208_988_800) << 32 | 1 << 31  # RFC 5905 §6: 32.32 from 1900
    expected = (
        b"EX\x02\x01" + bytes([33]) + b"\x00\x07" + b"\x01" + b"\xff" + struct.pack(">Q", ntp)
        + struct.pack(">I", 42) + bytes(10) + bytes([len(FRAME)]) + FRAME
    )  # fmt: skip
    assert encoded == expected
    assert zep.decode(encoded) == packet


def test_lqi_mode_carries_the_rssi_and_crc_ok_in_place_of_the_fcs():
    packet = zep.ZepFrame(channel=40, frame=FRAME, rssi_dbm=-61.4, lqi=200)
    encoded = zep.encode(packet)
    assert encoded[7] == 0  # LQI mode
    assert encoded[-2:] == struct.pack(">bB", -61, 0x80 | 0x7F)  # CC24xx: RSSI, CRC OK | correlation
    decoded = zep.decode(encoded)
    assert decoded.frame == FRAME  # the FCS computed again
    assert (decoded.rssi_dbm, decoded.crc_ok, decoded.channel, decoded.lqi) == (-61.0, True, 40, 200)


def test_a_frame_heard_with_a_bad_crc_says_so():
    raw = bytearray(zep.encode(zep.ZepFrame(channel=33, frame=FRAME, rssi_dbm=-70, crc_ok=False)))
    assert zep.decode(bytes(raw)).crc_ok is False


def test_an_ack_is_eight_octets_both_ways():
    assert zep.encode_ack(zep.ZepAck(0x01020304)) == b"EX\x02\x02\x01\x02\x03\x04"
    assert zep.decode(b"EX\x02\x02\x01\x02\x03\x04") == zep.ZepAck(0x01020304)


@pytest.mark.parametrize(
    ("datagram", "problem"),
    [
        (b"EY\x02\x01" + bytes(40), "preamble"),
        (b"EX\x01\x01" + bytes(40), "version 1"),
        (b"EX\x02\x07" + bytes(40), "type 7"),
        (b"EX\x02\x01" + bytes(20), "shorter than its 32-octet header"),
        (b"EX\x02\x01" + bytes(27) + b"\x05" + bytes(4), "says 5 octets"),
    ],
)
def test_what_is_not_zep_v2_is_a_decode_error(datagram: bytes, problem: str):
    with pytest.raises(DecodeError, match=problem):
        zep.decode(datagram)


def test_the_bench_cannot_ask_for_a_frame_zep_cannot_carry():
    with pytest.raises(BenchUsageError, match=r"2\.\.127"):
        zep.ZepFrame(channel=33, frame=bytes(128))


@given(st.binary(max_size=200))
def test_random_octets_decode_or_raise_a_decode_error(data: bytes):
    with contextlib.suppress(DecodeError):
        zep.decode(data)


@given(
    st.integers(0, 255),
    st.binary(min_size=2, max_size=127),
    st.integers(0, 0xFFFFFFFF),
    st.integers(-128, 127),
)
def test_encode_and_decode_are_inverses(channel: int, frame: bytes, sequence: int, rssi: int):
    crc = zep.ZepFrame(channel=channel, frame=frame, sequence=sequence, timestamp=UNIX_2023_11_14)
    assert zep.decode(zep.encode(crc, lqi_mode=False)) == crc
    lqi = dataclasses.replace(crc, frame=frame[:-2] + wpan.compute_fcs(frame[:-2]), rssi_dbm=float(rssi))
    assert zep.decode(zep.encode(lqi)) == dataclasses.replace(lqi, lqi=0xFF)


def _ipv4_udp(payload: bytes, port: int = zep.ZEP_PORT) -> bytes:
    """An IPv4/UDP packet from and to loopback (UDP checksum 0: none, RFC 768)."""
    udp = struct.pack(">HHHH", 40000, port, 8 + len(payload), 0) + payload
    loopback = bytes([127, 0, 0, 1])
    header = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, loopback, loopback)
    total = sum(struct.unpack(">10H", header))
    total = (total & 0xFFFF) + (total >> 16)
    checksum = ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF
    return header[:10] + struct.pack(">H", checksum) + header[12:] + udp


def _raw_ip_pcap(packets: list[bytes], path: Path) -> None:
    linktype_raw = 101  # tcpdump.org LINKTYPE_RAW: IPv4 or IPv6 packets
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype_raw)
    for packet in packets:
        out += struct.pack("<IIII", UNIX_2023_11_14, 0, len(packet), len(packet)) + packet
    path.write_bytes(out)


def test_wireshark_reads_the_encoders_zep_and_decrypts_its_frame(tshark: str, tmp_path: Path):
    """The oracle: Wireshark's zep dissector (port 17754) and its wpan/wpan_cc24xx behind it."""
    lqi = zep.ZepFrame(channel=33, frame=FRAME, timestamp=UNIX_2023_11_14, sequence=42, rssi_dbm=-61, lqi=200)
    crc = dataclasses.replace(lqi, channel=60, sequence=43)
    capture = tmp_path / "zep.pcap"
    _raw_ip_pcap([_ipv4_udp(zep.encode(lqi)), _ipv4_udp(zep.encode(crc, lqi_mode=False))], capture)
    first, second = run_tshark(tshark, capture, keys=[(KEY, 1)], config_dir=tmp_path)
    for block, channel, sequence in ((first, 33, 42), (second, 60, 43)):
        assert "Malformed" not in block
        assert f"ZigBee Encapsulation Protocol, Channel: {channel}, Length: {len(FRAME)}" in block
        assert "Protocol Version: 2" in block and "Type: Data (1)" in block
        assert f"Sequence Number: {sequence}" in block
        assert "Timestamp: Nov 14, 2023 22:13:20.000000000 UTC" in block
        assert "Echo (ping) request" in block  # decrypted with the key: 6LoWPAN, IPv6, ICMPv6
    assert "LQI/CRC Mode: LQI" in first and "RSSI: -61 dB" in first and "FCS Valid: True" in first
    assert "LQI/CRC Mode: CRC" in second and "(Correct)" in second
