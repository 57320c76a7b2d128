"""A Modbus TCP hop between the bench and the emulated I/O module that makes the module
stop answering: it swallows the first request that switches a coil on (function 05,
value FF00, Modbus Application Protocol V1.1b3 §6.5) and passes everything else, both
ways, byte for byte. The bench sees what a hung I/O module looks like: no answer.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from collections.abc import Iterator

MBAP_LENGTH = 7  # transaction (2), protocol (2), length (2), unit (1): Modbus TCP §3.1.3
WRITE_SINGLE_COIL = 0x05
COIL_ON = 0xFF00


class SwallowingProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream = ("127.0.0.1", upstream_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.swallowed: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        self.listener.setblocking(False)
        selector.register(self.listener, selectors.EVENT_READ, None)
        pending: dict[socket.socket, bytes] = {}
        peers: dict[socket.socket, socket.socket] = {}
        while not self._stop.is_set():
            for key, _ in selector.select(0.05):
                if key.data is None:
                    client, _ = self.listener.accept()
                    server = socket.create_connection(self.upstream)
                    for end, other, role in ((client, server, "client"), (server, client, "server")):
                        peers[end] = other
                        pending[end] = b""
                        selector.register(end, selectors.EVENT_READ, role)
                    continue
                end: socket.socket = key.fileobj  # type: ignore[assignment]
                try:
                    data = end.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    for closing in (end, peers.pop(end, None)):
                        if closing is not None and closing in pending:
                            selector.unregister(closing)
                            pending.pop(closing)
                            peers.pop(closing, None)
                            closing.close()
                    continue
                if key.data == "server":
                    peers[end].sendall(data)
                    continue
                pending[end] += data
                while len(pending[end]) >= MBAP_LENGTH:
                    length = struct.unpack(">H", pending[end][4:6])[0]
                    size = 6 + length
                    if len(pending[end]) < size:
                        break
                    frame, pending[end] = pending[end][:size], pending[end][size:]
                    if self._swallows(frame):
                        self.swallowed.append(frame)
                    else:
                        peers[end].sendall(frame)
        selector.close()

    def _swallows(self, frame: bytes) -> bool:
        if self.swallowed or len(frame) < MBAP_LENGTH + 5:
            return False
        function, _, value = struct.unpack(">BHH", frame[MBAP_LENGTH : MBAP_LENGTH + 5])
        return function == WRITE_SINGLE_COIL and value == COIL_ON

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.listener.close()


@contextlib.contextmanager
def swallowing_proxy(upstream_port: int) -> Iterator[SwallowingProxy]:
    proxy = SwallowingProxy(upstream_port)
    try:
        yield proxy
    finally:
        proxy.close()
