"""Modbus front end of the metering device twin, for terminals that read their meter over a bus.

Some terminals reach their meter over a wired interface, not ECHONET Lite (THK ch. 7:
「各メーター等と接続するため、Uバス・Nライン・Aライン・接点等の有線インターフェースを搭載すること」).
The bench models that wire as Modbus RTU over RS-485, and as Modbus TCP for rigs. No public
register map exists for such meters, so this module defines one (``MODBUS_REGISTER_MAP.md``
next to it explains each choice); it carries the same data as the ECHONET Lite class 0x028E
the bench uses elsewhere: device ID (0xD1), cumulative energy AC input (0xE0, forward) and
AC output (0xE2, reverse), and the meter's clock.

Theory of operation. :class:`MeterRegisterMap` turns a live meter model
(:class:`MeterRegisters`) into registers by address, and checks writes; it knows no
framing. :class:`ModbusMeterFrontEnd` is the meter's RS-485 port, sans-IO: one RTU frame in
(the bytes between two silent intervals of 3.5 characters, Modbus over Serial Line V1.02
§2.5.1.1), one RTU frame or silence out. :func:`datastore_for` hands the same map to a real
pymodbus server (TCP on a rig or in tests). :func:`read_request`, :func:`set_clock_request`,
:func:`parse_reading` and :func:`parse_set_clock_response` are the terminal's side. Framing,
CRC and PDU encoding and decoding are pymodbus's (``FramerRTU``, ``DecodePDU``, the PDU
classes); the checks a server makes on a request follow the state diagrams of the MODBUS
Application Protocol Specification V1.1b3 §6.3, §6.4 and §6.12, in their order: function
code (exception 01), quantity and byte count (03), address range (02).

Errors. The bytes a terminal sends are never trusted: :meth:`ModbusMeterFrontEnd.handle_rtu`
answers them with an exception response or with silence, and raises nothing for any
content. Bytes that break the protocol in a response raise :class:`ProtocolError`
(:class:`DecodeError`, or :class:`ModbusExceptionReply` for an exception response). A meter
model with values outside the map's ranges, or a bench call with wrong arguments, raises
:class:`BenchUsageError`: that is a bug in the bench, not a finding about the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import tzinfo as TzInfo
from enum import IntEnum, IntFlag
from typing import Protocol

from pymodbus.constants import ExcCodes
from pymodbus.framer import FramerRTU
from pymodbus.pdu import DecodePDU, ExceptionResponse, ModbusPDU
from pymodbus.pdu.register_message import (
    ReadHoldingRegistersRequest,
    ReadHoldingRegistersResponse,
    ReadInputRegistersRequest,
    ReadInputRegistersResponse,
    WriteMultipleRegistersRequest,
    WriteMultipleRegistersResponse,
)
from pymodbus.simulator import DataType, SimData, SimDevice

from conformance.protocols.errors import BenchUsageError, DecodeError, ProtocolError

__all__ = [
    "CLOCK",
    "COUNTER_MODULUS",
    "DEVICE_ID",
    "DEVICE_ID_CAPACITY",
    "DEVICE_ID_LENGTH",
    "EXPORT_WH",
    "IMPORT_WH",
    "MAP_REVISION",
    "READING_BLOCK",
    "REGISTER_MAP",
    "REGISTER_MAP_REVISION",
    "STATUS",
    "ExcCodes",
    "FunctionCode",
    "MeterRegisterMap",
    "MeterRegisters",
    "MeterStatus",
    "ModbusExceptionReply",
    "ModbusMeterFrontEnd",
    "ModbusReading",
    "RegisterField",
    "datastore_for",
    "parse_reading",
    "parse_set_clock_response",
    "read_request",
    "reading_from_registers",
    "set_clock_request",
]

COUNTER_MODULUS = 1_000_000_000  # 9-digit Wh counters: 999_999_999 rolls over to 0
DEVICE_ID_CAPACITY = 32  # octets, two per register
REGISTER_MAP_REVISION = 1

# Modbus over Serial Line V1.02 §2.2: 0 is broadcast, 1..247 individual addresses,
# 248..255 reserved. §2.5.1.1: an RTU frame is at most 256 octets, at least address,
# function code and the 2-octet CRC.
BROADCAST = 0
_UNIT_RANGE = range(1, 248)
_RTU_MIN, _RTU_MAX = 4, 256
# Application Protocol V1.1b3 §6.3/§6.4: 1..125 registers per read; §6.12: 1..123 per write.
_MAX_READ, _MAX_WRITE = 125, 123
# The model meter's calendar: a terminal writing a two-digit year (26 for 2026) is refused
# rather than setting the meter to the year 26.
_CLOCK_YEARS = range(2000, 2100)


# The meter's address on the RS-485 bus of the twin (any of 1..247 would do).
DEFAULT_UNIT = 1


class FunctionCode(IntEnum):
    """The public function codes the meter serves (Application Protocol V1.1b3 §5.1)."""

    READ_HOLDING_REGISTERS = 0x03
    READ_INPUT_REGISTERS = 0x04
    WRITE_MULTIPLE_REGISTERS = 0x10


class MeterStatus(IntFlag):
    """Bits of the STATUS register; the other bits are reserved and read as 0."""

    CLOCK_NOT_SET = 0x0001  # no terminal has set the clock since the meter powered up
    CLOCK_WRITE_REFUSED = 0x0002  # the last clock write was refused (exception 03)


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterField:
    """One row of the register map: where a value lives and how many registers it takes."""

    name: str
    address: int
    length: int
    writable: bool = False

    @property
    def end(self) -> int:
        return self.address + self.length


MAP_REVISION = RegisterField(name="MAP_REVISION", address=0x0000, length=1)
STATUS = RegisterField(name="STATUS", address=0x0001, length=1)
IMPORT_WH = RegisterField(name="IMPORT_WH", address=0x0002, length=2)
EXPORT_WH = RegisterField(name="EXPORT_WH", address=0x0004, length=2)
CLOCK = RegisterField(name="CLOCK", address=0x0006, length=6, writable=True)
DEVICE_ID_LENGTH = RegisterField(name="DEVICE_ID_LENGTH", address=0x000C, length=1)
DEVICE_ID = RegisterField(name="DEVICE_ID", address=0x000D, length=DEVICE_ID_CAPACITY // 2)
REGISTER_MAP: tuple[RegisterField, ...] = (
    MAP_REVISION,
    STATUS,
    IMPORT_WH,
    EXPORT_WH,
    CLOCK,
    DEVICE_ID_LENGTH,
    DEVICE_ID,
)
# The whole map, read in one request so that counters, clock and status come from one instant.
READING_BLOCK = RegisterField(name="READING_BLOCK", address=0x0000, length=DEVICE_ID.end)


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


class ModbusExceptionReply(ProtocolError):
    """The meter answered with a Modbus exception response (Application Protocol §7)."""

    def __init__(self, *, function_code: int, exception_code: int) -> None:
        self.function_code = function_code
        self.exception_code = exception_code
        try:
            name = ExcCodes(exception_code).name
        except ValueError:
            name = "not a defined exception code"
        super().__init__(
            f"exception response to function 0x{function_code:02X}: code 0x{exception_code:02X} ({name})"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ModbusReading:
    """One reading of the whole register map, as the terminal decodes it."""

    unit: int
    status: MeterStatus
    device_id: bytes
    import_wh: int
    export_wh: int
    meter_time: datetime

    def __post_init__(self) -> None:
        _check_int(self.unit, "unit", 0, 255)
        _check_int(self.import_wh, "import_wh", 0, COUNTER_MODULUS - 1)
        _check_int(self.export_wh, "export_wh", 0, COUNTER_MODULUS - 1)
        if not isinstance(self.device_id, bytes) or len(self.device_id) > DEVICE_ID_CAPACITY:
            raise BenchUsageError(f"device_id must be at most {DEVICE_ID_CAPACITY} octets")
        if not isinstance(self.meter_time, datetime):
            raise BenchUsageError("meter_time must be a datetime")


def _check_int(value: object, what: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BenchUsageError(f"{what} must be an integer in {low}..{high}, got {value!r}")


def _split32(value: int) -> list[int]:
    # 32-bit values: high-order word at the lower address ("big-endian word order"), each
    # register big-endian on the wire as every Modbus register is (Application Protocol §4.2).
    return [value >> 16, value & 0xFFFF]


def _join32(high: int, low: int) -> int:
    return (high << 16) | low


def _clock_registers(when: datetime) -> list[int]:
    return [when.year, when.month, when.day, when.hour, when.minute, when.second]


def _clock_from_registers(values: Sequence[int], tzinfo: TzInfo | None) -> datetime | None:
    year, month, day, hour, minute, second = values
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tzinfo)
    except ValueError:
        return None


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
        padded = bytes(device_id).ljust(DEVICE_ID_CAPACITY, b"\x00")
        registers = [
            REGISTER_MAP_REVISION,
            int(self.status),
            *_split32(import_wh),
            *_split32(export_wh),
            *_clock_registers(now),
            len(device_id),
            *(int.from_bytes(padded[i : i + 2], "big") for i in range(0, DEVICE_ID_CAPACITY, 2)),
        ]
        assert len(registers) == READING_BLOCK.length
        return registers

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
        when = _clock_from_registers(values, self.tzinfo)
        if when is None or when.year not in _CLOCK_YEARS:
            self.status |= MeterStatus.CLOCK_WRITE_REFUSED
            return ExcCodes.ILLEGAL_VALUE
        self.meter.set_clock(when)
        self.status &= ~(MeterStatus.CLOCK_NOT_SET | MeterStatus.CLOCK_WRITE_REFUSED)
        return None


def _rtu_framer(*, is_server: bool) -> FramerRTU:
    return FramerRTU(DecodePDU(is_server))


def _crc_ok(frame: bytes) -> bool:
    # Modbus over Serial Line §2.5.1.2: CRC-16 over address..data, low-order octet first;
    # pymodbus's compute_CRC returns it already swapped for a big-endian read.
    return FramerRTU.check_CRC(frame[:-2], int.from_bytes(frame[-2:], "big"))


def _as_bytes(value: object, what: str) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise BenchUsageError(f"{what} must be bytes, not {type(value).__name__}")


_READ_REQUESTS: dict[int, tuple[type[ModbusPDU], type[ModbusPDU]]] = {
    FunctionCode.READ_HOLDING_REGISTERS: (ReadHoldingRegistersRequest, ReadHoldingRegistersResponse),
    FunctionCode.READ_INPUT_REGISTERS: (ReadInputRegistersRequest, ReadInputRegistersResponse),
}


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
        if isinstance(device_id, bool) or not isinstance(device_id, int) or device_id not in _UNIT_RANGE:
            raise BenchUsageError(f"device_id must be a unit address in 1..247, got {device_id!r}")
        self.device_id = device_id
        self.registers = MeterRegisterMap(meter, tzinfo=tzinfo)
        self._framer = _rtu_framer(is_server=True)

    def handle_rtu(self, request_adu: bytes) -> bytes | None:
        """Answer one RTU request frame.

        Returns the response frame, or ``None`` where the meter must stay silent: a frame
        too short or too long to be one, a bad CRC, another unit's address, or a broadcast
        (Application Protocol §7; Serial Line §2.1: broadcasts are never answered, and only
        writes act on them).
        """
        adu = _as_bytes(request_adu, "request_adu")
        if not _RTU_MIN <= len(adu) <= _RTU_MAX or not _crc_ok(adu):
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
        if function_code in _READ_REQUESTS:
            # §6.3/§6.4: Starting Address (2) and Quantity of Registers (2), nothing else.
            if len(data) != 4:
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            request = self._framer.decoder.decode(pdu)
            if request is None:  # pymodbus refuses a quantity outside 1..125
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            values = self.registers.read(request.address, request.count)
            if isinstance(values, ExcCodes):
                return ExceptionResponse(function_code, values)
            return _READ_REQUESTS[function_code][1](registers=values)
        if function_code == FunctionCode.WRITE_MULTIPLE_REGISTERS:
            # §6.12: Starting Address (2), Quantity (2), Byte Count (1) = 2 x Quantity, values.
            if len(data) < 5:
                return ExceptionResponse(function_code, ExcCodes.ILLEGAL_VALUE)
            quantity, byte_count = int.from_bytes(data[2:4], "big"), data[4]
            if not 1 <= quantity <= _MAX_WRITE or byte_count != 2 * quantity or len(data) != 5 + byte_count:
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
        if function_code in _READ_REQUESTS:
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


# --------------------------------------------------------------------------- terminal side


def read_request(unit: int, *, function_code: int = FunctionCode.READ_HOLDING_REGISTERS) -> bytes:
    """The RTU request frame reading the whole map (READING_BLOCK) from ``unit``."""
    _check_int(unit, "unit", 1, 247)
    if function_code not in _READ_REQUESTS:
        raise BenchUsageError(f"function_code must be 0x03 or 0x04, got {function_code!r}")
    request_class = _READ_REQUESTS[function_code][0]
    request = request_class(address=READING_BLOCK.address, count=READING_BLOCK.length, dev_id=unit)
    return _rtu_framer(is_server=False).buildFrame(request)


def set_clock_request(unit: int, when: datetime) -> bytes:
    """The RTU request frame setting the meter's clock to ``when`` (seconds truncated).

    ``unit`` 0 broadcasts it: every meter on the bus sets its clock and none answers.
    The registers carry the wall-clock fields of ``when`` as they are, without a zone.
    """
    _check_int(unit, "unit", 0, 247)
    if not isinstance(when, datetime):
        raise BenchUsageError(f"when must be a datetime, got {when!r}")
    request = WriteMultipleRegistersRequest(
        address=CLOCK.address, registers=_clock_registers(when), dev_id=unit
    )
    return _rtu_framer(is_server=False).buildFrame(request)


def is_clock_write(frame: bytes) -> bool:
    """Whether an RTU frame is a request writing the clock registers (function 16 at the
    clock's address): what a bus analyser sees when a terminal sets the meter's clock."""
    return (
        len(frame) > 8  # the request carries data; its answer is 8 octets
        and _crc_ok(frame)
        and frame[1] == FunctionCode.WRITE_MULTIPLE_REGISTERS
        and int.from_bytes(frame[2:4], "big") == CLOCK.address
    )


def _response_pdu(response: object, unit: int | None) -> tuple[int, bytes]:
    """Check an RTU response frame; return its address and PDU, or raise ProtocolError."""
    frame = _as_bytes(response, "response")
    if unit is not None:
        _check_int(unit, "unit", 1, 247)
    if not _RTU_MIN + 1 <= len(frame) <= _RTU_MAX:
        raise DecodeError(f"an RTU response is 5..256 octets, got {len(frame)}")
    if not _crc_ok(frame):
        raise DecodeError(f"bad CRC in RTU response {frame.hex(' ')}")
    if unit is not None and frame[0] != unit:
        raise DecodeError(f"response from unit {frame[0]}, the request went to unit {unit}")
    pdu = frame[1:-2]
    if pdu[0] & 0x80:
        if len(pdu) != 2:
            raise DecodeError(f"an exception response has 1 data octet, got {len(pdu) - 1}")
        raise ModbusExceptionReply(function_code=pdu[0] & 0x7F, exception_code=pdu[1])
    return frame[0], pdu


def parse_reading(response: bytes, *, unit: int | None = None, tzinfo: TzInfo | None = None) -> ModbusReading:
    """Decode the meter's response to :func:`read_request`.

    Args:
        response: the RTU response frame.
        unit: the unit the request went to; the response must come from it.
        tzinfo: attached to the meter's clock in the reading.

    Raises:
        ModbusExceptionReply: the meter answered with an exception response.
        DecodeError: anything else that is not a valid reading of this map.
    """
    address, pdu = _response_pdu(response, unit)
    if pdu[0] not in _READ_REQUESTS:
        raise DecodeError(f"function 0x{pdu[0]:02X} does not answer a read request")
    expected = 2 * READING_BLOCK.length
    if len(pdu) != 2 + expected or pdu[1] != expected:
        raise DecodeError(
            f"a reading carries byte count {expected} and {expected} octets, got {pdu[1:].hex(' ')}"
        )
    decoded = _rtu_framer(is_server=False).decoder.decode(pdu)
    if decoded is None:
        raise DecodeError(f"pymodbus cannot decode {pdu.hex(' ')}")
    return reading_from_registers(decoded.registers, unit=address, tzinfo=tzinfo)


def reading_from_registers(
    registers: Sequence[int], *, unit: int, tzinfo: TzInfo | None = None
) -> ModbusReading:
    """Decode READING_BLOCK's registers, however they were read (RTU here, TCP on a rig)."""
    values = list(registers)
    if len(values) != READING_BLOCK.length or not all(
        isinstance(v, int) and 0 <= v <= 0xFFFF for v in values
    ):
        raise DecodeError(f"a reading is {READING_BLOCK.length} registers of 16 bits, got {values!r}")

    def field(entry: RegisterField) -> list[int]:
        return values[entry.address : entry.end]

    (revision,) = field(MAP_REVISION)
    if revision != REGISTER_MAP_REVISION:
        raise DecodeError(f"register map revision {revision}; the bench knows {REGISTER_MAP_REVISION}")
    import_wh, export_wh = _join32(*field(IMPORT_WH)), _join32(*field(EXPORT_WH))
    for name, counter in (("IMPORT_WH", import_wh), ("EXPORT_WH", export_wh)):
        if counter >= COUNTER_MODULUS:
            raise DecodeError(f"{name} {counter} is more than 9 digits")
    meter_time = _clock_from_registers(field(CLOCK), tzinfo)
    if meter_time is None:
        raise DecodeError(f"CLOCK {field(CLOCK)} is not a date and time")
    (length,) = field(DEVICE_ID_LENGTH)
    if length > DEVICE_ID_CAPACITY:
        raise DecodeError(f"DEVICE_ID_LENGTH {length} is over {DEVICE_ID_CAPACITY} octets")
    octets = b"".join(register.to_bytes(2, "big") for register in field(DEVICE_ID))
    if any(octets[length:]):
        raise DecodeError(f"DEVICE_ID octets after the first {length} must be 0x00: {octets.hex(' ')}")
    (status,) = field(STATUS)
    return ModbusReading(
        unit=unit,
        status=MeterStatus(status),
        device_id=octets[:length],
        import_wh=import_wh,
        export_wh=export_wh,
        meter_time=meter_time,
    )


def parse_set_clock_response(response: bytes, *, unit: int | None = None) -> None:
    """Check the meter's response to :func:`set_clock_request` (§6.12: address and quantity echoed).

    Raises:
        ModbusExceptionReply: the meter refused the write.
        DecodeError: anything else that is not the expected echo.
    """
    _, pdu = _response_pdu(response, unit)
    expected = (
        bytes([FunctionCode.WRITE_MULTIPLE_REGISTERS])
        + CLOCK.address.to_bytes(2, "big")
        + CLOCK.length.to_bytes(2, "big")
    )
    if pdu != expected:
        raise DecodeError(f"expected the echo {expected.hex(' ')}, got {pdu.hex(' ')}")
