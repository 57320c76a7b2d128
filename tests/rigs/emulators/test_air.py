"""The emulated rig's air (rigs/emulators/air.py) over real OS devices: the pcap feed on a
named pipe reads back as the transmissions, header first for each new reader; the ZEP feed
leaves out what ZEP cannot carry; the bridge puts a ZEP packet's frame on the medium on the
packet's channel and refuses the rest. The bench's own drivers read these feeds in
tests/rigs/drivers/test_sniffers.py against captures the emulator did not write."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from conformance.protocols import wpan, zep
from conformance.protocols.pcap import read_pcap
from conformance.sim.radio import AirRecord, RadioMedium
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler
from rigs.emulators.air import PcapPipeFeed, ZepBridge, ZepFeed

FRAME = wpan.encode(wpan.ack(sequence_number=3))
EPOCH = 1_700_000_000.0


def _read_all(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with path.open("rb") as pipe:
            into.append(pipe.read())

    thread = threading.Thread(target=read)
    thread.start()
    return thread


def _until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def test_the_pipe_feed_writes_pcap_once_the_bench_reads_and_again_for_a_new_reader(tmp_path: Path):
    path = tmp_path / "sniffer.pcap"
    feed = PcapPipeFeed(str(path), epoch=EPOCH)
    try:
        feed.record(AirRecord(time=0.5, channel=40, rssi_dbm=-55.0, frame=FRAME))  # nobody reads: dropped
        for reader in range(2):
            read: list[bytes] = []
            thread = _read_all(path, read)
            _until(lambda: feed.flush() or feed.reading)
            feed.record(AirRecord(time=1.0 + reader, channel=40, rssi_dbm=-55.0, frame=FRAME))
            feed.flush()
            feed.end()
            thread.join(5)
            linktype, records = read_pcap(read[0])
            assert linktype == 283 and len(records) == 1
            (record,) = records
            assert (record.frame, record.channel, record.rssi_dbm) == (FRAME, 40, -55.0)
            assert record.timestamp == EPOCH + 1.0 + reader
    finally:
        feed.close()
    assert not path.exists()


def test_the_zep_feed_sends_lqi_mode_and_counts_what_zep_cannot_carry():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as bench:
        bench.bind(("127.0.0.1", 0))
        bench.settimeout(2)
        feed = ZepFeed(bench.getsockname(), epoch=EPOCH)
        try:
            feed.record(AirRecord(time=2.0, channel=33, rssi_dbm=-71.0, frame=FRAME))
            feed.record(AirRecord(time=3.0, channel=33, rssi_dbm=-71.0, frame=bytes(130)))
            packet = zep.decode(bench.recv(2048))
        finally:
            feed.close()
    assert (packet.frame, packet.channel, packet.rssi_dbm, packet.timestamp) == (
        FRAME,
        33,
        -71.0,
        EPOCH + 2.0,
    )
    assert (feed.written, feed.too_long) == (1, 1)


def test_the_bridge_transmits_on_the_packet_s_channel_and_refuses_the_rest():
    scheduler = Scheduler()
    medium = RadioMedium(scheduler, stream(1, "radio"))
    heard: list[tuple[bytes, int]] = []
    medium.attach("terminal", lambda frame, rssi, channel: heard.append((frame, channel)), channel=45)
    bridge = ZepBridge(medium)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as bench:
            for channel in (45, 61, 33):  # 61 is outside the band: refused
                bench.sendto(
                    zep.encode(zep.ZepFrame(channel=channel, frame=FRAME), lqi_mode=False),
                    ("127.0.0.1", bridge.port),
                )
            bench.sendto(b"garbage", ("127.0.0.1", bridge.port))
            _until(lambda: (bridge.read() or True) and bridge.transmitted + bridge.refused == 4)
        scheduler.run_until(1.0)
    finally:
        bridge.close()
    assert (bridge.transmitted, bridge.refused) == (2, 2)
    assert heard == [(FRAME, 45)]  # the terminal listens on 45; the frame on 33 is not for it
