"""Loopback plumbing of the emulated rig: where a host's driver reaches an emulated part.

``TcpEndpoint`` is a TCP listener on 127.0.0.1 that one host at a time talks to, read in
the emulator's selector loop (``terminal_rig.serve``): pyserial opens it as a
``socket://`` port, pyvisa-py as a ``TCPIP::...::SOCKET`` resource. Emulated parts on TCP
use it rather than their own sockets. ``PtyEndpoint`` is a pty pair for a part a host opens as
a serial device path (the radio module, the maintenance port).
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import tty
from collections.abc import Callable

MAX_OUTPUT = 1 << 20  # octets held for a host that is not reading; beyond that they are lost


class TcpEndpoint:
    """A loopback TCP listener; one host at a time (a new connection replaces the old one,
    as a host that reconnects after a crash needs).

    In the selector, each key's data is a callable that returns what the host sent (b""
    for nothing). With ``receive``, the endpoint hands that to ``receive`` instead and
    returns b"": a part that answers by itself. ``hung_up`` is told when the host goes,
    so the part can forget a half-received line.
    """

    def __init__(
        self,
        port: int = 0,
        *,
        receive: Callable[[bytes], None] | None = None,
        hung_up: Callable[[], None] = lambda: None,
    ) -> None:
        self._listener = socket.create_server(("127.0.0.1", port))
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self.address = f"socket://127.0.0.1:{self.port}"
        self._receive = receive
        self._hung_up = hung_up
        self._client: socket.socket | None = None
        self._selector: selectors.BaseSelector | None = None
        self._pending = bytearray()

    def register(self, selector: selectors.BaseSelector) -> None:
        self._selector = selector
        selector.register(self._listener, selectors.EVENT_READ, self._accept)

    def _accept(self) -> bytes:
        assert self._selector is not None
        try:
            client, _ = self._listener.accept()
        except BlockingIOError:
            return b""
        self._drop_client()
        client.setblocking(False)
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._client = client
        self._selector.register(client, selectors.EVENT_READ, self._read)
        return b""

    def _read(self) -> bytes:
        if self._client is None:
            return b""
        try:
            data = self._client.recv(4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError:
            data = b""
        if not data:
            self._drop_client()
        if self._receive is None:
            return data
        if data:
            self._receive(data)
        return b""

    def _drop_client(self) -> None:
        if self._client is not None:
            assert self._selector is not None
            # At shutdown the emulator's loop has closed its selector already.
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(self._client)
            self._client.close()
            self._client = None
            self._pending.clear()
            self._hung_up()

    def write(self, data: bytes) -> None:
        if self._client is None:
            return  # no host connected: the line is idle, output is lost
        self._pending += data
        while self._pending:
            try:
                sent = self._client.send(self._pending[:4096])
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self._drop_client()
                return
            del self._pending[:sent]
        if len(self._pending) > MAX_OUTPUT:
            self._pending.clear()

    def close(self) -> None:
        self._drop_client()
        self._listener.close()


class PtyEndpoint:
    """A pty pair: the emulator holds the master, the host opens the slave's path.

    The slave is put in raw mode (no echo, no CR/LF translation), as a UART passes bytes,
    and kept open here, so the master does not read EIO while no host has it open.
    """

    def __init__(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.address = os.ttyname(self._slave)
        self._pending = bytearray()
        self._selector: selectors.BaseSelector | None = None

    def register(self, selector: selectors.BaseSelector) -> None:
        self._selector = selector
        selector.register(self._master, selectors.EVENT_READ, self._read)

    def _read(self) -> bytes:
        self._drain()  # writable again: the rest of a long answer goes out now, not with the next one
        try:
            return os.read(self._master, 4096)
        except (BlockingIOError, InterruptedError):
            return b""
        except OSError as exc:
            if exc.errno == errno.EIO:
                return b""
            raise

    def write(self, data: bytes) -> None:
        self._pending += data
        self._drain()
        if len(self._pending) > MAX_OUTPUT:  # nobody reads: drop, as a UART would
            self._pending.clear()
            self._watch_writable(False)

    def _drain(self) -> None:
        """Write what the pty takes now. A pty holds a few KiB: the rest of a long answer (a
        log of 1,000 entries) waits for the host to read, and the selector, watching the
        master for room while anything waits, calls ``_read`` to send it then."""
        while self._pending:
            try:
                written = os.write(self._master, self._pending[:4096])
            except (BlockingIOError, InterruptedError):
                break
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                break  # no host has the slave open: the line is idle
            del self._pending[:written]
        self._watch_writable(bool(self._pending))

    def _watch_writable(self, watch: bool) -> None:
        if self._selector is None:
            return
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if watch else 0)
        with contextlib.suppress(KeyError, ValueError):  # closed at shutdown
            if self._selector.get_key(self._master).events != events:
                self._selector.modify(self._master, events, self._read)

    def close(self) -> None:
        os.close(self._master)
        os.close(self._slave)
