"""Real endpoints on loopback for the rig tests: a pymodbus server for the I/O module, and
TCP endpoints that pyserial opens as ``socket://`` ports.

They stand where hardware would be, over real sockets: the drivers under test cannot
tell them from a Modbus TCP I/O module or a serial server.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable, Iterator

from pymodbus.framer import FramerType
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from pymodbus.simulator.simutils import SimUtils

START_TIMEOUT_S = 5.0
POINTS = 16  # one 16-bit block of coils and one of discrete inputs


class ModbusIoServer:
    """A Modbus TCP I/O module on 127.0.0.1 and an ephemeral port, served from a thread.

    ``inputs`` are the module's discrete inputs as the test sets them (the LED sensor);
    ``coils`` record what the bench wrote to its relays.
    """

    def __init__(self, *, device_id: int = 1, framer: FramerType = FramerType.SOCKET) -> None:
        self.device_id, self.framer = device_id, framer
        self.inputs = [False] * POINTS
        self.coils = [False] * POINTS
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: ModbusTcpServer | None = None
        self.port = 0

    async def _access(self, function_code, start_address, address, count, registers, set_values):
        if function_code == 2:  # Read Discrete Inputs: serve the inputs as the test set them
            registers[:] = SimUtils.bitsToRegisters(self.inputs)
        elif function_code in (5, 15) and set_values is not None:  # Write Single / Multiple Coils
            self.coils[address : address + len(set_values)] = [bool(v) for v in set_values]
        return None

    def _device(self) -> SimDevice:
        def bits() -> list[SimData]:
            return [SimData(0, count=POINTS // 16, values=0, datatype=DataType.BITS)]

        def registers() -> list[SimData]:
            return [SimData(0, count=1, values=0, datatype=DataType.REGISTERS)]

        return SimDevice(
            id=self.device_id, simdata=(bits(), bits(), registers(), registers()), action=self._access
        )

    def start(self) -> int:
        self._thread.start()

        async def serve() -> ModbusTcpServer:
            server = ModbusTcpServer(self._device(), framer=self.framer, address=("127.0.0.1", 0))
            await server.serve_forever(background=True)
            return server

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(START_TIMEOUT_S)
        self.port = self._server.transport.sockets[0].getsockname()[1]
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            asyncio.run_coroutine_threadsafe(server.shutdown(), self._loop).result(START_TIMEOUT_S)

    def close(self) -> None:
        self.stop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(START_TIMEOUT_S)
        self._loop.close()


@contextlib.contextmanager
def modbus_io_server(
    *, device_id: int = 1, framer: FramerType = FramerType.SOCKET
) -> Iterator[ModbusIoServer]:
    """A running :class:`ModbusIoServer`; ``FramerType.RTU`` serves RTU frames over TCP, as a
    serial server in front of an RS-485 module would."""
    server = ModbusIoServer(device_id=device_id, framer=framer)
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
