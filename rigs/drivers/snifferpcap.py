"""A sniffer that writes pcap or pcapng to a named pipe or a file that grows.

Wireshark's extcap sniffers and TI's packet sniffer write to a FIFO; ``dumpcap -w`` and
many vendor tools to a file. The driver opens the path without blocking, reads what comes
and hands it to the sans-IO reader (``conformance.protocols.pcap.CaptureStream``). A pipe
whose writer goes away and comes back starts a new capture, header first; a file is read
on from where the driver stopped, as ``tail -f`` does.
"""

from __future__ import annotations

import os
import select
import stat
from typing import TYPE_CHECKING

from conformance.protocols.errors import ProtocolError
from conformance.protocols.pcap import CaptureStream
from rigs import RigError
from rigs.drivers.sniffer import POLL_S, RecordingSniffer

if TYPE_CHECKING:
    from rigs.resources import PcapFeed

READ_SIZE = 65536


class PcapSniffer(RecordingSniffer):
    """Implements :class:`~rigs.protocols.SnifferProtocol` on a pcap/pcapng pipe or file."""

    def __init__(self, name: str, path: str) -> None:
        self.path = path
        super().__init__(f"{name} on {path}")
        self._fd: int | None = None
        self.is_pipe = False

    @classmethod
    def from_feed(cls, name: str, feed: PcapFeed) -> PcapSniffer:
        return cls(name, feed.path)

    def open(self) -> str:
        try:
            self._fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
            self.is_pipe = stat.S_ISFIFO(os.fstat(self._fd).st_mode)
        except OSError as exc:
            raise RigError(self.resource, "open", exc.strerror or str(exc)) from exc
        self._record.start(self._read, f"sniffer {self.path}")
        return f"{self.resource}: {'named pipe' if self.is_pipe else 'file'}, pcap or pcapng"

    def _read(self) -> None:
        assert self._fd is not None
        stream, had_data = CaptureStream(), False
        while not self._record.closing.is_set():
            ready, _, _ = select.select([self._fd], [], [], POLL_S)
            try:
                data = os.read(self._fd, READ_SIZE) if ready else b""
            except BlockingIOError:
                # select saw the pipe at its end (no writer), and a new writer opened it
                # before the read: nothing to read yet, and no end either.
                continue
            if not data:
                if self.is_pipe and ready and had_data:
                    stream, had_data = CaptureStream(), False  # the writer left: a new one starts afresh
                if not self.is_pipe or ready:
                    self._record.closing.wait(POLL_S)  # at the end of a file, or no writer yet
                continue
            had_data = True
            stream.receive_data(data)
            try:
                records = stream.next_records()
            except ProtocolError as exc:
                raise RigError(self.resource, "read the capture", str(exc)) from exc
            for record in records:
                self._record.add(
                    record.frame, record.timestamp, channel=record.channel, rssi_dbm=record.rssi_dbm
                )

    def _close_feed(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
