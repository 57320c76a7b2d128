"""Reading a capture as a sniffer writes it (conformance/protocols/pcap.py, CaptureStream):
pcapng written by a tool the bench did not write (tshark converts the bench's pcap), fed in
pieces of every size, gives the same records as the whole file; classic pcap in either
byte order and each IEEE 802.15.4 link type; a broken stream is a ``DecodeError``.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.protocols import wpan
from conformance.protocols.errors import DecodeError
from conformance.protocols.pcap import (
    LINKTYPE_IEEE802_15_4_NOFCS,
    LINKTYPE_IEEE802_15_4_TAP,
    LINKTYPE_IEEE802_15_4_WITHFCS,
    CaptureStream,
    PcapWriter,
    read_pcap,
)

FRAMES = [
    wpan.encode(
        wpan.data_frame(
            sequence_number=n,
            pan_id=0x1000,
            src_addr=bytes.fromhex("02123400000000C1"),
            dst_addr=bytes.fromhex("001D129F35000A01"),
            payload=bytes(range(n * 7 % 90)),
            ack_request=True,
        )
    )
    for n in range(1, 9)
]


def _pcap(linktype: int = LINKTYPE_IEEE802_15_4_TAP) -> bytes:
    out = io.BytesIO()
    writer = PcapWriter(out, linktype=linktype, epoch=1_700_000_000)
    for n, frame in enumerate(FRAMES):
        writer.write(timestamp=n * 0.25, frame=frame, channel=33 + n, rssi_dbm=-50.0 - n)
    return out.getvalue()


def _stream(data: bytes, piece: int) -> list:
    stream, records = CaptureStream(), []
    for start in range(0, len(data), piece):
        stream.receive_data(data[start : start + piece])
        records += stream.next_records()
    return records


def _to_pcapng(tmp_path: Path, pcap: bytes) -> bytes:
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is not installed (the Makefile installs it)")
    source, target = tmp_path / "in.pcap", tmp_path / "out.pcapng"
    source.write_bytes(pcap)
    subprocess.run([tshark, "-r", str(source), "-w", str(target), "-F", "pcapng"], check=True, timeout=60)
    data = target.read_bytes()
    assert data[:4] == b"\x0a\x0d\x0d\x0a"  # a pcapng section header block
    return data


@pytest.mark.parametrize("linktype", [LINKTYPE_IEEE802_15_4_TAP, LINKTYPE_IEEE802_15_4_NOFCS])
@pytest.mark.parametrize("piece", [1, 7, 4096])
def test_tsharks_pcapng_streams_into_the_same_records_as_the_pcap(tmp_path: Path, linktype: int, piece: int):
    pcap = _pcap(linktype)
    _, expected = read_pcap(pcap)
    records = _stream(_to_pcapng(tmp_path, pcap), piece)
    assert [(r.frame, r.channel, r.rssi_dbm) for r in records] == [
        (r.frame, r.channel, r.rssi_dbm) for r in expected
    ]
    assert [round(r.timestamp, 6) for r in records] == [round(r.timestamp, 6) for r in expected]
    if linktype == LINKTYPE_IEEE802_15_4_TAP:
        assert records[0].channel == 33 and records[0].rssi_dbm == -50.0
    assert all(r.frame == f for r, f in zip(records, FRAMES, strict=True))  # the FCS as on the air


def test_classic_pcap_in_either_byte_order_and_with_its_fcs(tmp_path: Path):
    little = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_IEEE802_15_4_WITHFCS))
    big = bytearray(struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_IEEE802_15_4_WITHFCS))
    for n, frame in enumerate(FRAMES):
        little += struct.pack("<IIII", 100 + n, 500_000, len(frame), len(frame)) + frame
        big += struct.pack(">IIII", 100 + n, 500_000, len(frame), len(frame)) + frame
    for data in (bytes(little), bytes(big)):
        records = _stream(data, 5)
        assert [r.frame for r in records] == FRAMES
        assert records[1].timestamp == 101.5 and records[0].channel is None


def test_a_stream_that_is_no_capture_or_breaks_its_format_is_a_decode_error():
    with pytest.raises(DecodeError, match="neither pcap nor pcapng"):
        _stream(b"GET / HTTP/1.1\r\n\r\n" + bytes(16), 64)
    broken = bytearray(_pcap())
    broken[24 + 8 : 24 + 12] = struct.pack("<I", 1 << 30)  # a record of a gigaoctet
    with pytest.raises(DecodeError, match="bad pcap record header"):
        _stream(bytes(broken), 64)


def test_records_of_other_link_types_are_counted_and_left_out():
    ethernet = (
        struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1) + struct.pack("<IIII", 1, 0, 4, 4) + b"abcd"
    )
    stream = CaptureStream()
    stream.receive_data(ethernet)
    assert stream.next_records() == [] and stream.skipped == 1 and stream.linktypes == [1]


@settings(max_examples=300)
@given(st.binary(max_size=300), st.sampled_from([b"", b"\x0a\x0d\x0d\x0a", struct.pack("<I", 0xA1B2C3D4)]))
def test_random_octets_give_records_or_a_decode_error(data: bytes, start: bytes):
    with contextlib.suppress(DecodeError):
        _stream(start + data, 13)


def test_a_writer_that_restarts_on_the_pipe_before_the_reader_saw_it_go_starts_a_new_capture():
    """On a FIFO the reader sees no end of file when a new writer opens before it drained
    the old one: the new capture's header then comes where a record should."""
    assert [r.frame for r in _stream(_pcap() + _pcap(), 11)] == FRAMES + FRAMES


@pytest.mark.parametrize("piece", [1, 13, 4096])
def test_a_writer_that_restarts_in_the_other_format_starts_a_new_capture(tmp_path: Path, piece: int):
    """An extcap sniffer writes pcapng, a restarted one may write classic pcap (or the other
    way round): the new header comes where a block or a record should."""
    pcapng = _to_pcapng(tmp_path, _pcap())
    assert [r.frame for r in _stream(pcapng + _pcap(), piece)] == FRAMES + FRAMES
    assert [r.frame for r in _stream(_pcap() + pcapng, piece)] == FRAMES + FRAMES
