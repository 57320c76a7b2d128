"""The emulated rig's air parts: a sniffer feed from the twins' radio medium and an
injector's radio bridge into it (issue 13).

* :class:`PcapPipeFeed` writes every transmission on the medium as classic pcap with
  LINKTYPE_IEEE802_15_4_TAP (channel and RSSI in TLVs) to a named pipe the emulator
  creates, as Wireshark's extcap sniffers do. It opens the pipe once the bench reads it;
  what goes on the air before that is not written, and a reader that goes away and comes
  back gets a new capture, header first.
* :class:`ZepFeed` sends each transmission as a ZEP v2 datagram (LQI mode: the RSSI in the
  CC24xx metadata) to the bench's UDP port on loopback. ZEP's length field has 7 bits:
  a frame longer than 127 octets cannot travel in it and is counted in ``too_long``, as a
  ZEP sniffer on a Wi-SUN channel would lose it.
* :class:`ZepBridge` is the injector's radio bridge as the README defines it: it takes ZEP
  v2 data packets on a loopback UDP port and transmits each frame as it is, on the ZEP
  header's channel, from a radio port of its own ("bench injector").

Timestamps are the twins' time (``scheduler.now``) after an epoch (the wall clock when the
emulator started): at ``--time-scale S`` they run S times faster than the wall clock, as
rig time does, which is what the bench maps them onto (``rigs/profile/air.py``).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import socket

from conformance.errors import BenchError
from conformance.protocols import zep
from conformance.protocols.errors import ProtocolError
from conformance.protocols.pcap import PcapWriter
from conformance.sim.radio import AirRecord, RadioMedium, RadioPort

MAX_PENDING = 4 << 20  # octets held for a pipe the bench is not reading; beyond that, dropped
INJECTOR_PORT_NAME = "bench injector"  # the twin profile's name for its injector (twin/bench.py)


class PcapPipeFeed:
    """Writes the medium's transmissions as pcap (TAP) to a named pipe at ``path``."""

    def __init__(self, path: str, *, epoch: float) -> None:
        self.path = path
        self.epoch = epoch
        os.mkfifo(path, 0o600)
        self._fd: int | None = None
        self._pending = bytearray()
        self.written = 0
        self.dropped = 0

    def record(self, record: AirRecord) -> None:
        if self._fd is None and not self._open():
            return
        stream = io.BytesIO()
        PcapWriter(stream, epoch=self.epoch).write(
            timestamp=record.time, frame=record.frame, channel=record.channel, rssi_dbm=record.rssi_dbm
        )
        self._queue(stream.getvalue()[24:])  # the record alone: the header went out on open
        self.written += 1

    def _open(self) -> bool:
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno == errno.ENXIO:  # nobody reads the pipe yet
                return False
            raise
        header = io.BytesIO()
        PcapWriter(header)
        self._pending = bytearray(header.getvalue())
        return True

    def _queue(self, data: bytes) -> None:
        if len(self._pending) + len(data) > MAX_PENDING:
            self.dropped += 1
            return
        self._pending += data
        self.flush()

    def flush(self) -> None:
        """Write what the pipe takes now (the header as soon as a reader opened it); a
        reader that left closes the pipe for the next one."""
        if self._fd is None:
            self._open()
        while self._fd is not None and self._pending:
            try:
                written = os.write(self._fd, self._pending)
            except BlockingIOError:
                return
            except BrokenPipeError:
                os.close(self._fd)
                self._fd, self._pending = None, bytearray()
                return
            del self._pending[:written]

    @property
    def reading(self) -> bool:
        """Whether a reader has the pipe open (the capture's header went out)."""
        return self._fd is not None

    def end(self) -> None:
        """End the capture: the reader sees the end of the stream; the next one gets a new capture."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd, self._pending = None, bytearray()

    def close(self) -> None:
        self.end()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


class ZepFeed:
    """Sends the medium's transmissions as ZEP v2 datagrams to ``address``."""

    def __init__(self, address: tuple[str, int], *, epoch: float) -> None:
        self.address = address
        self.epoch = epoch
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sequence = 0
        self.written = 0
        self.too_long = 0

    def record(self, record: AirRecord) -> None:
        if len(record.frame) > zep.MAX_FRAME:
            self.too_long += 1
            return
        self._sequence = (self._sequence + 1) & 0xFFFFFFFF
        packet = zep.ZepFrame(
            channel=record.channel,
            frame=record.frame,
            timestamp=self.epoch + record.time,
            sequence=self._sequence,
            rssi_dbm=record.rssi_dbm,
        )
        with contextlib.suppress(OSError):  # nobody listens yet: dropped, as UDP does
            self._socket.sendto(zep.encode(packet), self.address)
            self.written += 1

    def flush(self) -> None:
        """Nothing is held back: UDP sends at once."""

    def close(self) -> None:
        self._socket.close()


class ZepBridge:
    """The injector's radio bridge: ZEP v2 datagrams in, frames on the medium out."""

    def __init__(self, medium: RadioMedium, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._medium = medium
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind((host, port))
        self.socket.setblocking(False)
        self.port = self.socket.getsockname()[1]
        self._radio: RadioPort | None = None
        self.transmitted = 0
        self.refused = 0

    def read(self) -> None:
        while True:
            try:
                datagram = self.socket.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self._transmit(datagram)

    def _transmit(self, datagram: bytes) -> None:
        try:
            packet = zep.decode(datagram)
        except ProtocolError:
            self.refused += 1
            return
        if not isinstance(packet, zep.ZepFrame):
            return
        if self._radio is None or not self._radio.attached:
            self._radio = self._medium.attach(INJECTOR_PORT_NAME, lambda *frame: None)
        try:
            self._radio.tune(packet.channel)
        except BenchError:  # a channel outside the band: the bridge cannot transmit there
            self.refused += 1
            return
        self._radio.transmit(packet.frame)
        self.transmitted += 1

    def close(self) -> None:
        self.socket.close()


class EmulatedAir:
    """The emulated rig's sniffer feeds (both served: the rig file picks one) and its
    injector's bridge, on one twin medium."""

    def __init__(self, medium: RadioMedium, *, pipe: str, zep_port: int, epoch: float) -> None:
        self.pipe = PcapPipeFeed(pipe, epoch=epoch)
        self.zep = ZepFeed(("127.0.0.1", zep_port), epoch=epoch)
        self.bridge = ZepBridge(medium)
        medium.add_monitor(self.pipe.record)
        medium.add_monitor(self.zep.record)

    def flush(self) -> None:
        self.pipe.flush()

    def close(self) -> None:
        self.pipe.close()
        self.zep.close()
        self.bridge.close()


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port nobody holds now, for the bench's ZEP listener."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
