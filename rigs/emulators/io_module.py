"""The rig's digital I/O module, emulated: coils are relays, discrete inputs are sensors
(Modbus Application Protocol V1.1b3, function codes 01, 02, 05, 15), served by pymodbus on
127.0.0.1 from a thread of its own.

The emulated rig (``terminal_rig``) wires coil 0 to the terminal twin's supply and a
discrete input to the photodiode on its LED; the driver tests (``tests/rigs``) talk to it
as the bench's ``ModbusIoModule`` talks to a real one, over Modbus TCP or RTU frames over
TCP (a serial server in front of an RS-485 module).
"""

from __future__ import annotations

import asyncio
import queue
import threading

from pymodbus.framer import FramerType
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType, SimData, SimDevice
from pymodbus.simulator.simutils import SimUtils

IO_POINTS = 16  # one 16-bit block of coils and one of discrete inputs
START_TIMEOUT_S = 5.0


class IoModule:
    """The I/O module on ``host`` and ``port`` (0: a free one, known after ``start``).

    ``inputs`` are its discrete inputs as the rig or the test sets them; ``coils`` hold what
    a host wrote to its relays, and ``coil_writes`` queues each write as (coil, on) for the
    emulator's loop, in the order they came.
    """

    def __init__(
        self,
        *,
        device_id: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        framer: FramerType = FramerType.SOCKET,
    ) -> None:
        self.device_id, self.host, self.port, self.framer = device_id, host, port, framer
        self.inputs = [False] * IO_POINTS
        self.coils = [False] * IO_POINTS
        self.coil_writes: queue.SimpleQueue[tuple[int, bool]] = queue.SimpleQueue()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="modbus io", daemon=True)
        self._server: ModbusTcpServer | None = None

    async def _access(self, function_code, start_address, address, count, registers, set_values):
        if function_code == 2:  # Read Discrete Inputs: the sensors as they stand
            registers[:] = SimUtils.bitsToRegisters(self.inputs)
        elif function_code in (5, 15) and set_values is not None:  # Write Single / Multiple Coils
            written = [bool(value) for value in set_values]
            self.coils[address : address + len(written)] = written
            for offset, on in enumerate(written):
                self.coil_writes.put((address + offset, on))
        return None

    def _device(self) -> SimDevice:
        def bits() -> list[SimData]:
            return [SimData(0, count=IO_POINTS // 16, values=0, datatype=DataType.BITS)]

        def registers() -> list[SimData]:
            return [SimData(0, count=1, values=0, datatype=DataType.REGISTERS)]

        return SimDevice(
            id=self.device_id, simdata=(bits(), bits(), registers(), registers()), action=self._access
        )

    def start(self) -> int:
        """Serve; returns the port."""
        self._thread.start()

        async def serve() -> ModbusTcpServer:
            server = ModbusTcpServer(self._device(), framer=self.framer, address=(self.host, self.port))
            await server.serve_forever(background=True)
            return server

        self._server = asyncio.run_coroutine_threadsafe(serve(), self._loop).result(START_TIMEOUT_S)
        self.port = self._server.transport.sockets[0].getsockname()[1]
        return self.port

    def stop(self) -> None:
        """Stop answering (a module that went away); ``close`` still follows."""
        if self._server is not None:
            server, self._server = self._server, None
            asyncio.run_coroutine_threadsafe(server.shutdown(), self._loop).result(START_TIMEOUT_S)

    def close(self) -> None:
        self.stop()
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(START_TIMEOUT_S)
        self._loop.close()
