"""Modbus front end of the metering device twin, for terminals that read their meter over a bus.

Some terminals reach their meter over a wired interface, not ECHONET Lite (THK ch. 7:
「各メーター等と接続するため、Uバス・Nライン・Aライン・接点等の有線インターフェースを搭載すること」).
The bench models that wire as Modbus RTU over RS-485, and as Modbus TCP for rigs, with the
register map of ``conformance/protocols/modbus_register_map.py`` (``MODBUS_REGISTER_MAP.md``
beside it explains each choice). This module is the meter's side of that wire: what the
device does with a request.

Theory of operation. :class:`MeterRegisterMap` serves a live meter model
(:class:`MeterRegisters`) as registers by address, and checks writes; it knows no
framing. :class:`ModbusMeterFrontEnd` is the meter's RS-485 port, sans-IO: one RTU frame in
(the bytes between two silent intervals of 3.5 characters, Modbus over Serial Line V1.02
§2.5.1.1), one RTU frame or silence out. :func:`datastore_for` hands the same map to a real
pymodbus server (TCP on a rig or in tests). The checks a server makes on a request follow
the state diagrams of the MODBUS Application Protocol Specification V1.1b3 §6.3, §6.4 and
§6.12, in their order: function code (exception 01), quantity and byte count (03), address
range (02). The terminal's side of the wire (requests, parsing the answers) is the codec's.

Errors. The bytes a terminal sends are never trusted: :meth:`ModbusMeterFrontEnd.handle_rtu`
answers them with an exception response or with silence, and raises nothing for any
content. A meter model with values outside the map's ranges, or a bench call with wrong
arguments, raises :class:`BenchUsageError`: that is a bug in the bench, not a finding about
the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from datetime import tzinfo as TzInfo
from typing import Protocol

from pymodbus.constants import ExcCodes
from pymodbus.pdu import ExceptionResponse, ModbusPDU
from pymodbus.pdu.register_message import WriteMultipleRegistersResponse
from pymodbus.simulator import DataType, SimData, SimDevice

from conformance.protocols.errors import BenchUsageError
from conformance.protocols.modbus_register_map import (
    BROADCAST,
    CLOCK,
    COUNTER_MODULUS,
    DEVICE_ID_CAPACITY,
    MAX_WRITE_REGISTERS,
    READ_FUNCTIONS,
    READING_BLOCK,
    RTU_MAX_LENGTH,
    RTU_MIN_LENGTH,
    UNIT_ADDRESSES,
    FunctionCode,
    MeterStatus,
    _as_bytes,
    _check_int,
    clock_from_registers,
    crc_ok,
    encode_registers,
    rtu_framer,
)

__all__ = [
    "DEFAULT_UNIT",
    "MeterRegisterMap",
    "MeterRegisters",
    "ModbusMeterFrontEnd",
    "datastore_for",
]

# The model meter's calendar: a terminal writing a two-digit year (26 for 2026) is refused
# rather than setting the meter to the year 26.
_CLOCK_YEARS = range(2000, 2100)


# The meter's address on the RS-485 bus of the twin (any of 1..247 would do).
DEFAULT_UNIT = 1


class MeterRegisters(Protocol):
    """What the front end needs from a meter model."""

    @property
    def device_id(self) -> bytes: ...  # ECHONET 0xD1, at most DEVICE_ID_CAPACITY octets

    @property
    def import_wh(self) -> int: ...  # ECHONET 0xE0, 0..999_999_999

    @property
    def export_wh(self) -> int: ...  # ECHONET 0xE2, 0..999_999_999

    def now(self) -> datetime:
        """The meter's clock, local wall-clock time."""
        ...

    def set_clock(self, when: datetime) -> None:
        """Set the meter's clock (a terminal's time synchronisation, NAT 2-5)."""
        ...


class MeterRegisterMap:
    """The register map over a live meter: read and write by address, no framing.

    Both the RTU front end and the pymodbus datastore go through this class, so the two
    serve the same semantics. The status bits are the map's own state.
    """

    def __init__(self, meter: MeterRegisters, *, tzinfo: TzInfo | None = None) -> None:
        """Args:
        meter: the meter model whose values are served live.
        tzinfo: attached to the clock a terminal writes before it goes to ``set_clock``.
        """
        self.meter = meter
        self.tzinfo = tzinfo
        self.status = MeterStatus.CLOCK_NOT_SET

    def snapshot(self) -> list[int]:
        """The whole map, from the meter's values at this instant."""
        meter = self.meter
        import_wh, export_wh, device_id = meter.import_wh, meter.export_wh, meter.device_id
        _check_int(import_wh, "the meter's import_wh", 0, COUNTER_MODULUS - 1)
        _check_int(export_wh, "the meter's export_wh", 0, COUNTER_MODULUS - 1)
        if not isinstance(device_id, bytes | bytearray) or len(device_id) > DEVICE_ID_CAPACITY:
            raise BenchUsageError(f"the meter's device_id must be at most {DEVICE_ID_CAPACITY} octets")
        now = meter.now()
        if not isinstance(now, datetime):
            raise BenchUsageError(f"the meter's now() must return a datetime, got {now!r}")
        return encode_registers(
            status=self.status, import_wh=import_wh, export_wh=export_wh, meter_time=now, device_id=device_id
        )

    def read(self, address: int, count: int) -> list[int] | ExcCodes:
        """Registers ``address`` .. ``address + count - 1``, or ILLEGAL_ADDRESS outside the map."""
        if address < READING_BLOCK.address or address + count > READING_BLOCK.end:
            return ExcCodes.ILLEGAL_ADDRESS
        offset = address - READING_BLOCK.address
        return self.snapshot()[offset : offset + count]

    def write(self, address: int, values: Sequence[int]) -> ExcCodes | None:
        """Write registers; only the whole CLOCK field, in one request, is writable.

        A partial clock write would leave the meter's time half-set, so it is refused with
        ILLEGAL_ADDRESS like a write to a read-only register. A clock that is no calendar
        date or time, or outside the meter's years, is refused with ILLEGAL_VALUE.
        """
        if address != CLOCK.address or len(values) != CLOCK.length:
            return ExcCodes.ILLEGAL_ADDRESS
        when = clock_from_registers(values, self.tzinfo)
        if when is None or when.year not in _CLOCK_YEARS:
            self.status |= MeterStatus.CLOCK_WRITE_REFUSED
            return ExcCodes.ILLEGAL_VALUE
        self.meter.set_clock(when)
        self.status &= ~(MeterStatus.CLOCK_NOT_SET | MeterStatus.CLOCK_WRITE_REFUSED)
        return None


class ModbusMeterFrontEnd:
    """The meter's RS-485 port: Modbus RTU requests in, responses (or silence) out.

    The map is one register space served alike by Read Holding Registers (03) and Read
    Input Registers (04): Application Protocol V1.1b3 §4.3 lets the four tables overlap,
    and many meters answer both. Only Write Multiple Registers (16) writes, and only the
    clock. Every other function code gets exception 01.
    """

    def __init__(self, meter: MeterRegisters, *, device_id: int, tzinfo: TzInfo | None = None) -> None:
        """Args:
        meter: the meter model served.
        device_id: the meter's Modbus unit address on the bus, 1..247.
        tzinfo: attached to clocks the terminal writes (see :class:`MeterRegisterMap`).
        """
        if isinstance(device_id, bool) or not isinstance(device_id, int) or device_id not in UNIT_ADDRESSES:
            raise BenchUsageError(f"device_id must be a unit address in 1..247, got {device_id!r}")
        self.device_id = device_id
        self.registers = MeterRegisterMap(meter, tzinfo=tzinfo)
        self._framer = rtu_framer(is_server=True)

    def handle_rtu(self, request_adu: bytes) -> bytes | None:
        """Answer one RTU request frame.

        Returns the response frame, or ``None`` where the meter must stay silent: a frame
        too short or too long to be one, a bad CRC, another unit's address, or a broadcast
        (Application Protocol §7; Serial Line §2.1: broadcasts are never answered, and only
        writes act on them).
        """
        adu = _as_bytes(request_adu, "request_adu")
        if not RTU_MIN_LENGTH <= len(adu) <= RTU_MAX_LENGTH or not crc_ok(adu):
            return None
        address = adu[0]
        if address not in (self.device_id, BROADCAST):
            return None
        response = self._serve(adu[1:-2])
        if address == BROADCAST:
            return None
        response.dev_id = self.device_id
        return self._framer.buildFrame(response)

    def _serve(self, pdu: bytes) -> ModbusPDU:
        function_code = pdu[0]
        data = pdu[1:]
        if function_code in READ_FUNCTIONS:
            # §6.3/§6.4: Starting Address (2) and Quantity of Registers (2), nothing else.
            if len(data) != 4:
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            request = self._framer.decoder.decode(pdu)
            if request is None:  # pymodbus refuses a quantity outside 1..125
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            values = self.registers.read(request.address, request.count)
            if isinstance(values, ExcCodes):
                return ExceptionResponse(function_code, values)
            return READ_FUNCTIONS[function_code][1](registers=values)
        if function_code == FunctionCode.WRITE_MULTIPLE_REGISTERS:
            # §6.12: Starting Address (2), Quantity (2), Byte Count (1) = 2 x Quantity, values.
            if len(data) < 5:
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            quantity, byte_count = int.from_bytes(data[2:4], "big"), data[4]
            if (
                not 1 <= quantity <= MAX_WRITE_REGISTERS
                or byte_count != 2 * quantity
                or len(data) != 5 + byte_count
            ):
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            request = self._framer.decoder.decode(pdu)
            if request is None:
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            refused = self.registers.write(request.address, list(request.registers))
            if refused is not None:
                return ExceptionResponse(function_code, refused)
            return WriteMultipleRegistersResponse(address=request.address, count=quantity)
        # Function codes 0x80 and up are the exception space, no request uses them.
        return ExceptionResponse(function_code & 0x7F, ExcCodes.ILLEGAL_FUNCTION)


def datastore_for(
    source: MeterRegisters | MeterRegisterMap, *, device_id: int, tzinfo: TzInfo | None = None
) -> SimDevice:
    """A pymodbus 3.16 device serving the register map, for a real pymodbus server.

    Pass it as the context of ``ModbusTcpServer`` (or the serial server). Every access
    goes through :class:`MeterRegisterMap`, so the values are live and writes are checked
    as on the RTU front end. Pass the ``registers`` of a :class:`ModbusMeterFrontEnd` to
    share its status bits. pymodbus checks a few things before the map is asked: 3.16
    answers a read quantity of 0 or over 125 with function code 0x80, exception 01 (it
    cannot decode such a request), where the RTU front end answers exception 03.

    Args:
        source: a meter model, or a map already built over one.
        device_id: the unit identifier served; 0 serves every unit identifier.
        tzinfo: as for :class:`MeterRegisterMap`, when ``source`` is a meter model.
    """
    _check_int(device_id, "device_id", 0, 247)
    registers = source if isinstance(source, MeterRegisterMap) else MeterRegisterMap(source, tzinfo=tzinfo)

    async def action(
        function_code: int,
        start_address: int,
        address: int,
        count: int,
        current_registers: list[int],
        set_values: list[int] | list[bool] | None,
    ) -> ExcCodes | None:
        # pymodbus's SimDevice callback: refresh the registers in place before a read,
        # check and apply a write before pymodbus stores it.
        if function_code in READ_FUNCTIONS:
            values = registers.read(address, count)
            if isinstance(values, ExcCodes):
                return values
            offset = address - start_address
            current_registers[offset : offset + count] = values
            return None
        if function_code == FunctionCode.WRITE_MULTIPLE_REGISTERS and set_values is not None:
            return registers.write(address, [int(value) for value in set_values])
        return ExcCodes.ILLEGAL_FUNCTION

    block = SimData(
        address=READING_BLOCK.address, values=[0] * READING_BLOCK.length, datatype=DataType.REGISTERS
    )
    return SimDevice(id=device_id, simdata=[block], action=action)
