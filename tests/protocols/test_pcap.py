"""pcap writer and reader: the TAP layout byte for byte, round trips, malformed files."""

from __future__ import annotations

import contextlib
import io
import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.pcap import (
    LINKTYPE_IEEE802_15_4_NOFCS,
    LINKTYPE_IEEE802_15_4_TAP,
    PcapRecord,
    PcapWriter,
    read_pcap,
)
from conformance.protocols.wpan import compute_fcs

ACK = bytes.fromhex("02006ae479")  # imm-ack, sequence 0x6A, with its FCS (802.15.4 7.2.10)
EPOCH = 1_700_000_000.0


def h(text: str) -> bytes:
    return bytes.fromhex("".join(line.split("#")[0] for line in text.splitlines()))


def _capture(linktype: int = LINKTYPE_IEEE802_15_4_TAP, epoch: float = EPOCH, **record: object) -> bytes:
    stream = io.BytesIO()
    writer = PcapWriter(stream, linktype=linktype, epoch=epoch)
    if record:
        writer.write(**record)  # type: ignore[arg-type]
    return stream.getvalue()


GLOBAL_HEADER_TAP = h(
    """
    d4 c3 b2 a1  # magic, microsecond timestamps, little-endian
    02 00 04 00  # version 2.4
    00 00 00 00  # thiszone
    00 00 00 00  # sigfigs
    ff ff 00 00  # snaplen 65535
    1b 01 00 00  # LINKTYPE_IEEE802_15_4_TAP (283)
    """
)


def test_tap_record_layout_follows_the_tap_specification() -> None:
    data = _capture(timestamp=1.5, frame=ACK, channel=33, rssi_dbm=-63.5)
    assert data == GLOBAL_HEADER_TAP + h(
        """
        01 f1 53 65  # 1700000001 s
        20 a1 07 00  # 500000 us
        21 00 00 00  # captured 33 octets
        21 00 00 00  # original 33 octets
        00 00 1c 00              # TAP header: version 0, reserved, length 28
        00 00 01 00 01 00 00 00  # TLV FCS type (0), length 1: 16-bit CRC, padded to 32 bits
        01 00 04 00 00 00 7e c2  # TLV RSS (1), length 4: float32 -63.5 dBm
        03 00 03 00 21 00 09 00  # TLV channel (3), length 3: channel 33, page 9, padding
        02 00 6a e4 79           # the MPDU with its FCS
        """
    )


def test_tap_header_is_only_the_fcs_type_without_metadata() -> None:
    data = _capture(timestamp=0.0, frame=ACK)
    assert data[24 + 16 :] == h("00 00 0c 00  00 00 01 00 01 00 00 00") + ACK


def test_nofcs_record_strips_the_fcs() -> None:
    data = _capture(LINKTYPE_IEEE802_15_4_NOFCS, epoch=0.0, timestamp=2.0, frame=ACK, channel=33)
    assert data[20:24] == struct.pack("<I", 230)
    assert data[24:] == h("02 00 00 00  00 00 00 00  03 00 00 00  03 00 00 00  02 00 6a")


def test_round_trip_through_the_reader() -> None:
    stream = io.BytesIO()
    writer = PcapWriter(stream, epoch=EPOCH)
    writer.write(timestamp=0.25, frame=ACK, channel=60, rssi_dbm=-80.0)
    writer.write(timestamp=1.0, frame=ACK)
    linktype, records = read_pcap(stream.getvalue())
    assert linktype == LINKTYPE_IEEE802_15_4_TAP
    assert records == [
        PcapRecord(timestamp=EPOCH + 0.25, frame=ACK, channel=60, rssi_dbm=-80.0, channel_page=9),
        PcapRecord(timestamp=EPOCH + 1.0, frame=ACK),
    ]


def test_reader_gives_nofcs_frames_a_computed_fcs() -> None:
    linktype, records = read_pcap(_capture(LINKTYPE_IEEE802_15_4_NOFCS, timestamp=0, frame=ACK))
    assert linktype == LINKTYPE_IEEE802_15_4_NOFCS
    assert records[0].frame == ACK and records[0].channel is None


def test_timestamps_round_to_the_microsecond_and_carry() -> None:
    data = _capture(epoch=0.0, timestamp=1.9999996, frame=ACK)
    assert struct.unpack_from("<II", data, 24) == (2, 0)
    data = _capture(epoch=0.0, timestamp=0.0000015, frame=ACK)
    assert struct.unpack_from("<II", data, 24) == (0, 2)


def test_reader_accepts_big_endian_and_nanosecond_files() -> None:
    header = struct.pack(">IHHiIII", 0xA1B23C4D, 2, 4, 0, 0, 65535, 230)
    record = struct.pack(">IIII", 7, 250_000_000, 3, 3) + ACK[:-2]
    linktype, records = read_pcap(header + record)
    assert linktype == 230
    assert records == [PcapRecord(timestamp=7.25, frame=ACK)]


def test_reader_skips_unknown_tlvs_and_adds_a_missing_fcs() -> None:
    tap = h("00 00 0c 00  04 00 03 00 07 00 01 00") + ACK[:-2]  # SUN PHY info TLV, no FCS TLV
    data = GLOBAL_HEADER_TAP + struct.pack("<IIII", 0, 0, len(tap), len(tap)) + tap
    assert read_pcap(data)[1] == [PcapRecord(timestamp=0.0, frame=ACK)]


def _tap_file(tap: bytes) -> bytes:
    return GLOBAL_HEADER_TAP + struct.pack("<IIII", 0, 0, len(tap), len(tap)) + tap


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd4\xc3\xb2\xa1", "shorter"),
        (b"\x00" * 24, "magic"),
        (GLOBAL_HEADER_TAP[:20] + struct.pack("<I", 1), "linktype 1"),
        (GLOBAL_HEADER_TAP + b"\x00" * 15, "truncated record header"),
        (GLOBAL_HEADER_TAP + struct.pack("<IIII", 0, 0, 4, 4) + b"\x00", "truncated record data"),
        (GLOBAL_HEADER_TAP + struct.pack("<IIII", 0, 0, 4, 5) + b"\x00" * 4, "snap length"),
        (GLOBAL_HEADER_TAP + struct.pack("<IIII", 0, 10**6, 0, 0), "sub-second"),
        (_tap_file(b"\x00\x00"), "TAP packet shorter"),
        (_tap_file(h("01 00 04 00")), "TAP version"),
        (_tap_file(h("00 00 06 00 00 00")), "TAP header length"),
        (_tap_file(h("00 00 08 00 00 00 01 00")), "runs past"),
        (_tap_file(h("00 00 08 00 00 00 05 00")), "runs past"),
        (_tap_file(h("00 00 08 00 01 00 00 00")), "bad length"),
        (_tap_file(h("00 00 0c 00 00 00 01 00 02 00 00 00") + bytes(4)), "FCS type 2"),
        (_tap_file(h("00 00 0a 00 00 00 00 00 00 00")), "TAP header length"),
    ],
)
def test_malformed_captures_are_decode_errors(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        read_pcap(data)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda s: PcapWriter(s, linktype=1), "linktype"),
        (lambda s: PcapWriter(s, epoch=-1.0), "epoch"),
        (lambda s: PcapWriter(s).write(timestamp=0, frame=b"\x02"), "FCS"),
        (lambda s: PcapWriter(s).write(timestamp=-1, frame=ACK), "timestamp"),
        (lambda s: PcapWriter(s).write(timestamp=math.nan, frame=ACK), "timestamp"),
        (lambda s: PcapWriter(s).write(timestamp=0, frame=ACK, channel=70000), "channel"),
        (lambda s: PcapWriter(s).write(timestamp=0, frame=ACK, channel=1, channel_page=256), "page"),
        (lambda s: PcapWriter(s).write(timestamp=0, frame=ACK, rssi_dbm=math.inf), "rssi"),
        (lambda s: PcapWriter(s).write(timestamp=0, frame=bytes(70000)), "snap length"),
    ],
)
def test_writer_misuse_is_a_bench_usage_error(make, message: str) -> None:
    with pytest.raises(BenchUsageError, match=message):
        make(io.BytesIO())


_records = st.lists(
    st.tuples(
        st.integers(0, 10**9).map(lambda us: us / 1_000_000),
        st.binary(min_size=1, max_size=60).map(lambda body: body + compute_fcs(body)),
        st.none() | st.integers(0, 0xFFFF),
        st.none() | st.floats(-120, 10, width=32),
    ),
    max_size=5,
)


@given(_records)
def test_reader_inverts_writer(records: list[tuple[float, bytes, int | None, float | None]]) -> None:
    stream = io.BytesIO()
    writer = PcapWriter(stream)
    for timestamp, frame, channel, rssi in records:
        writer.write(timestamp=timestamp, frame=frame, channel=channel, rssi_dbm=rssi)
    _, read = read_pcap(stream.getvalue())
    assert [(r.timestamp, r.frame, r.channel, r.rssi_dbm) for r in read] == [
        (pytest.approx(t, abs=1e-6), f, c, r) for t, f, c, r in records
    ]


@given(st.binary(max_size=120))
def test_random_records_read_or_raise_decode_error(tail: bytes) -> None:
    for header in (GLOBAL_HEADER_TAP, _capture(LINKTYPE_IEEE802_15_4_NOFCS)):
        with contextlib.suppress(DecodeError):
            read_pcap(header + tail)
        with contextlib.suppress(DecodeError):
            read_pcap(header + struct.pack("<IIII", 0, 0, len(tail), len(tail)) + tail)
