"""The air's drivers on real OS devices: the pcap sniffer on a named pipe (fed a pcapng that
tshark wrote) and on a growing file, the ZEP sniffer on a UDP socket, the ZEP injector
towards one. The oracles are tshark's pcapng and the ZEP codec that tshark checks
(tests/protocols/test_zep.py); the drivers are never checked against the emulator alone.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conformance.protocols import wpan, zep
from conformance.protocols.pcap import PcapWriter
from rigs import RigError
from rigs.drivers.injectorzep import ZepInjector
from rigs.drivers.snifferpcap import PcapSniffer
from rigs.drivers.snifferzep import ZepSniffer

FRAMES = [
    wpan.encode(
        wpan.data_frame(
            sequence_number=n,
            pan_id=0x1000,
            src_addr=bytes.fromhex("02123400000000C1"),
            dst_addr=bytes.fromhex("001D129F35000A01"),
            payload=bytes(range(n * 5)),
        )
    )
    for n in range(1, 7)
]
EPOCH = 1_700_000_000


def _pcap(frames: list[bytes] = FRAMES) -> bytes:
    out = io.BytesIO()
    writer = PcapWriter(out, epoch=EPOCH)
    for n, frame in enumerate(frames):
        writer.write(timestamp=n * 0.5, frame=frame, channel=35, rssi_dbm=-48.0)
    return out.getvalue()


def _pcapng(tmp_path: Path) -> bytes:
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is not installed (the Makefile installs it)")
    (tmp_path / "in.pcap").write_bytes(_pcap())
    out = tmp_path / "out.pcapng"
    subprocess.run([tshark, "-r", str(tmp_path / "in.pcap"), "-w", str(out), "-F", "pcapng"], check=True)
    return out.read_bytes()


def _until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@contextlib.contextmanager
def _open(sniffer):
    sniffer.open()
    try:
        yield sniffer
    finally:
        sniffer.close()


def _write_slowly(path: Path, data: bytes, piece: int = 37) -> threading.Thread:
    def write() -> None:
        with path.open("wb", buffering=0) as pipe:
            for start in range(0, len(data), piece):
                pipe.write(data[start : start + piece])
                time.sleep(0.001)

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_the_pcap_sniffer_reads_tsharks_pcapng_from_a_named_pipe_and_a_new_writer_after_it(tmp_path: Path):
    pipe = tmp_path / "sniffer.fifo"
    os.mkfifo(pipe)
    with _open(PcapSniffer("sniffer", str(pipe))) as sniffer:
        assert sniffer.is_pipe
        _write_slowly(pipe, _pcapng(tmp_path)).join()
        assert _until(lambda: len(sniffer.frames()) == len(FRAMES))
        heard = sniffer.frames()
        assert [h.frame for h in heard] == FRAMES
        assert {(h.channel, h.rssi_dbm) for h in heard} == {(35, -48.0)}
        assert heard[1].timestamp == pytest.approx(EPOCH + 0.5)
        arrivals = [h.arrived for h in heard]
        assert arrivals == sorted(arrivals)
        # The extcap sniffer restarts: a new writer, a new capture, header first.
        mark = sniffer.mark()
        _write_slowly(pipe, _pcap(FRAMES[:2])).join()
        assert _until(lambda: len(sniffer.frames(mark)) == 2)
        sniffer.check_alive()


def test_the_pcap_sniffer_follows_a_growing_file(tmp_path: Path):
    capture = tmp_path / "dumpcap.pcap"
    data = _pcap()
    capture.write_bytes(data[:24])  # the header: dumpcap has started, heard nothing yet
    with _open(PcapSniffer("sniffer", str(capture))) as sniffer:
        assert not sniffer.is_pipe
        with capture.open("ab") as growing:
            growing.write(data[24:100])
            growing.flush()
            assert _until(lambda: len(sniffer.frames()) >= 1)
            growing.write(data[100:])
        assert _until(lambda: len(sniffer.frames()) == len(FRAMES))


def test_a_stream_that_breaks_its_format_breaks_the_sniffer_naming_it(tmp_path: Path):
    capture = tmp_path / "garbage.pcap"
    capture.write_bytes(b"this is no capture at all, just a text file\n")
    with _open(PcapSniffer("air", str(capture))) as sniffer:
        assert _until(lambda: _broken(sniffer))
        with pytest.raises(
            RigError, match=r"air on .*garbage.pcap: read the capture: .*neither pcap nor pcapng"
        ):
            sniffer.check_alive()


def _broken(sniffer) -> bool:
    try:
        sniffer.check_alive()
    except RigError:
        return True
    return False


def test_a_missing_pipe_is_a_rig_error():
    with pytest.raises(RigError, match="No such file"):
        PcapSniffer("air", "/nonexistent/sniffer.fifo").open()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_zep_sniffer_takes_zep_v2_data_and_leaves_out_the_rest():
    port = _free_port()
    with _open(ZepSniffer("air", "127.0.0.1", port)) as sniffer, socket.socket(type=socket.SOCK_DGRAM) as out:
        for n, frame in enumerate(FRAMES[:3]):
            packet = zep.ZepFrame(channel=41, frame=frame, timestamp=EPOCH + n, sequence=n, rssi_dbm=-70.0)
            out.sendto(zep.encode(packet), ("127.0.0.1", port))
        out.sendto(b"not zep", ("127.0.0.1", port))
        damaged = zep.ZepFrame(channel=41, frame=FRAMES[3], rssi_dbm=-90.0, crc_ok=False)
        out.sendto(zep.encode(damaged), ("127.0.0.1", port))
        out.sendto(zep.encode(zep.ZepFrame(channel=42, frame=FRAMES[4]), lqi_mode=False), ("127.0.0.1", port))
        assert _until(lambda: len(sniffer.frames()) == 4 and sniffer.ignored == 1 and sniffer.bad_crc == 1)
        heard = sniffer.frames()
        assert [h.frame for h in heard] == [*FRAMES[:3], FRAMES[4]]
        assert [(h.channel, h.rssi_dbm) for h in heard] == [(41, -70.0)] * 3 + [(42, None)]
        assert heard[2].timestamp == pytest.approx(EPOCH + 2)


def test_the_zep_sniffer_names_a_port_it_cannot_bind():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        with pytest.raises(RigError, match=f"air on zep udp 127.0.0.1:{port}: bind"):
            ZepSniffer("air", "127.0.0.1", port).open()


def test_the_injector_sends_each_frame_as_zep_v2_in_crc_mode_to_the_bridge():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as bridge:
        bridge.bind(("127.0.0.1", 0))
        bridge.settimeout(2)
        injector = ZepInjector("injector", "127.0.0.1", bridge.getsockname()[1])
        try:
            injector.transmit(FRAMES[0], 33)
            injector.transmit(FRAMES[1], 60)
            first, second = (zep.decode(bridge.recv(2048)) for _ in range(2))
            with pytest.raises(RigError, match=r"2\.\.127"):
                injector.transmit(bytes(200), 33)
        finally:
            injector.close()
    assert (first.frame, first.channel, first.rssi_dbm) == (
        FRAMES[0],
        33,
        None,
    )  # CRC mode: the frame as it is
    assert (second.frame, second.channel, second.sequence) == (FRAMES[1], 60, first.sequence + 1)
