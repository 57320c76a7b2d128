"""Real endpoints on loopback for the rig tests: the emulated rig's I/O module (a pymodbus
server), its RF instruments (SCPI on TCP), and TCP endpoints that pyserial opens as
``socket://`` ports.

They stand where hardware would be, over real sockets: the drivers under test cannot
tell them from a Modbus TCP I/O module or a serial server.
"""

from __future__ import annotations

import contextlib
import random
import selectors
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from pymodbus.framer import FramerType

from conformance.sim.radio import RadioMedium
from conformance.sim.scheduler import Scheduler
from rigs.emulators.io_module import IoModule
from rigs.emulators.rf_instruments import EmulatedAttenuator, EmulatedSignalGenerator


@contextlib.contextmanager
def modbus_io_server(*, device_id: int = 1, framer: FramerType = FramerType.SOCKET) -> Iterator[IoModule]:
    """A running I/O module, the emulated rig's (``rigs/emulators/io_module.py``) on an
    ephemeral port; ``FramerType.RTU`` serves RTU frames over TCP, as a serial server in
    front of an RS-485 module would."""
    server = IoModule(device_id=device_id, framer=framer)
    server.start()
    try:
        yield server
    finally:
        server.close()


Responder = Callable[[bytes], bytes]  # one received line (CRLF stripped) -> bytes to send back


def skstack_version_responder(line: bytes) -> bytes:
    """Answers SKVER as an SKSTACK-IP module does with echo-back on (register SFE = 1)."""
    if line == b"SKVER":
        return b"SKVER\r\nEVER 1.5.2\r\nOK\r\n"
    return line + b"\r\nFAIL ER04\r\n"


def silent(line: bytes) -> bytes:
    return b""


class LineEndpoint:
    """A TCP listener on 127.0.0.1 that answers each CRLF line through ``responder``."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.url = f"socket://127.0.0.1:{self.port}"
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                self._talk(connection)

    def _talk(self, connection: socket.socket) -> None:
        connection.settimeout(0.2)
        pending = b""
        while not self._stopping.is_set():
            try:
                data = connection.recv(1024)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            pending += data
            while b"\r\n" in pending:
                line, pending = pending.split(b"\r\n", 1)
                answer = self.responder(line)
                if answer:
                    connection.sendall(answer)

    def close(self) -> None:
        self._stopping.set()
        self._listener.close()
        self._thread.join(2)


@contextlib.contextmanager
def line_endpoint(responder: Responder) -> Iterator[LineEndpoint]:
    endpoint = LineEndpoint(responder)
    try:
        yield endpoint
    finally:
        endpoint.close()


@contextlib.contextmanager
def mute_listener() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a hung peer."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for connection in accepted:
            connection.close()
        listener.close()


@dataclass
class RfInstruments:
    """The emulated rig's signal generator and attenuator, served in a thread of their own."""

    medium: RadioMedium
    generator: EmulatedSignalGenerator
    attenuator: EmulatedAttenuator
    levels: list[float]  # what the attenuator told its module, in order


@contextlib.contextmanager
def rf_instruments(*, wanted_rssi_dbm: float = -60.0) -> Iterator[RfInstruments]:
    """``rigs.emulators.rf_instruments`` on ephemeral loopback ports, with a twin medium of
    their own, until the block ends."""
    medium = RadioMedium(Scheduler(), random.Random(1))
    levels: list[float] = []
    generator = EmulatedSignalGenerator(medium, lambda: wanted_rssi_dbm)
    attenuator = EmulatedAttenuator(levels.append, rssi_at_0_db_dbm=-40.0, attenuation_db=20.0)
    selector = selectors.DefaultSelector()
    generator.register(selector)
    attenuator.register(selector)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            for key, _ in selector.select(timeout=0.01):
                try:
                    key.data()
                except OSError:  # a test closed an instrument under the loop: it is gone
                    with contextlib.suppress(KeyError, ValueError):
                        selector.unregister(key.fileobj)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield RfInstruments(medium, generator, attenuator, levels)
    finally:
        stop.set()
        thread.join(timeout=2)
        generator.close()
        attenuator.close()
        selector.close()
