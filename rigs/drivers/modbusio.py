"""A Modbus I/O module: relays as coils, inputs as discrete inputs (Modbus Application
Protocol V1.1b3: function codes 01 Read Coils, 02 Read Discrete Inputs, 05 Write Single
Coil). On the rig a relay switches the terminal's supply and an input senses its LED.

Addresses are the protocol's (0-based), as in the module's register map. Each request
waits at most the unit's ``timeout_s`` and is not retried; a unit that does not answer,
refuses or goes away raises :class:`~rigs.RigError` and the next call connects again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.exceptions import ModbusException
from pymodbus.pdu import ModbusPDU

from rigs import RigError
from rigs.resources import ModbusRtu, ModbusTcp

if TYPE_CHECKING:
    from rigs.roles import DigitalIoEntry  # the table imports this driver


class ModbusIoModule:
    """Implements :class:`~rigs.protocols.DigitalIoProtocol`."""

    def __init__(
        self,
        name: str,
        unit: ModbusTcp | ModbusRtu,
        *,
        power_relay: int | None = None,
        led_input: int | None = None,
    ) -> None:
        self.name, self.unit = name, unit
        self.power_relay, self.led_input = power_relay, led_input
        self._client: ModbusTcpClient | ModbusSerialClient | None = None

    @classmethod
    def from_entry(cls, name: str, entry: DigitalIoEntry) -> ModbusIoModule:
        return cls(name, entry.modbus, power_relay=entry.power_relay, led_input=entry.led_input)

    def open(self) -> None:
        if self._client is not None:
            return
        unit = self.unit
        if isinstance(unit, ModbusTcp):
            client = ModbusTcpClient(unit.host, port=unit.port, timeout=unit.timeout_s, retries=0)
        else:
            client = ModbusSerialClient(
                unit.serial_port,
                baudrate=unit.baudrate,
                parity=unit.parity,
                stopbits=unit.stopbits,
                timeout=unit.timeout_s,
                retries=0,
            )
        if not client.connect():
            client.close()
            raise RigError(self.name, "connect", f"cannot reach {unit.describe()}")
        self._client = client

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def set_relay(self, n: int, on: bool) -> None:
        state = "on" if on else "off"
        self._request(f"write coil {n} {state}", lambda c: c.write_coil(n, on, device_id=self.unit.device_id))

    def read_relay(self, n: int) -> bool:
        answer = self._request(
            f"read coil {n}", lambda c: c.read_coils(n, count=1, device_id=self.unit.device_id)
        )
        return bool(answer.bits[0])

    def read_input(self, n: int) -> bool:
        answer = self._request(
            f"read discrete input {n}",
            lambda c: c.read_discrete_inputs(n, count=1, device_id=self.unit.device_id),
        )
        return bool(answer.bits[0])

    def _request(self, command: str, send) -> ModbusPDU:
        self.open()
        assert self._client is not None
        try:
            answer = send(self._client)
        except ModbusException as exc:
            # Connection lost or no answer within the timeout: start afresh next time.
            self.close()
            raise RigError(self.name, command, str(exc)) from exc
        if answer.isError():
            # An exception response (01 illegal function, 02 illegal data address ...).
            code = getattr(answer, "exception_code", None)
            raise RigError(self.name, command, f"unit {self.unit.device_id} answered exception code {code}")
        return answer

    def __enter__(self) -> ModbusIoModule:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
