"""The bench's Modbus register map of a metering device: layout, encoding, the terminal's requests.

Some terminals reach their meter over a wired interface, not ECHONET Lite (THK ch. 7:
「各メーター等と接続するため、Uバス・Nライン・Aライン・接点等の有線インターフェースを搭載すること」).
The bench models that wire as Modbus RTU over RS-485, and as Modbus TCP for rigs. No public
register map exists for such meters, so this module defines one (``MODBUS_REGISTER_MAP.md``
next to it explains each choice); it carries the same data as the ECHONET Lite class 0x028E
the bench uses elsewhere: device ID (0xD1), cumulative energy AC input (0xE0, forward) and
AC output (0xE2, reverse), and the meter's clock.

Theory of operation. ``REGISTER_MAP`` lays the values out by PDU address (MODBUS
Application Protocol Specification V1.1b3 §4.4); :func:`encode_registers` turns a meter's
values into the registers of ``READING_BLOCK`` and :func:`reading_from_registers` turns
them back, exact inverses. The terminal's side builds RTU frames (:func:`read_request`,
:func:`set_clock_request`) and checks the meter's answers (:func:`parse_reading`,
:func:`parse_set_clock_response`); :func:`is_clock_write` recognises a clock write on the
bus, as a bus analyser would. Framing, CRC and PDU encoding and decoding are pymodbus's
(``FramerRTU``, ``DecodePDU``, the PDU classes); an RTU frame is what lies between two
silent intervals of 3.5 characters (Modbus over Serial Line V1.02 §2.5.1.1). No I/O and no
clock: what a meter does with a request (serving the map, refusing writes) is the twin's,
``conformance/twin/home/modbus_meter.py``.

Errors. Bytes that break the protocol in a response raise :class:`ProtocolError`
(:class:`DecodeError`, or :class:`ModbusExceptionReply` for an exception response). Values
outside the map's ranges, or a bench call with wrong arguments, raise
:class:`BenchUsageError`: that is a bug in the bench, not a finding about the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from datetime import tzinfo as TzInfo
from enum import IntEnum, IntFlag

from pymodbus.constants import ExcCodes
from pymodbus.framer import FramerRTU
from pymodbus.pdu import DecodePDU, ModbusPDU
from pymodbus.pdu.register_message import (
    ReadHoldingRegistersRequest,
    ReadHoldingRegistersResponse,
    ReadInputRegistersRequest,
    ReadInputRegistersResponse,
    WriteMultipleRegistersRequest,
)

from conformance.protocols.errors import BenchUsageError, DecodeError, ProtocolError

__all__ = [
    "BROADCAST",
    "CLOCK",
    "COUNTER_MODULUS",
    "DEVICE_ID",
    "DEVICE_ID_CAPACITY",
    "DEVICE_ID_LENGTH",
    "EXPORT_WH",
    "IMPORT_WH",
    "MAP_REVISION",
    "MAX_READ_REGISTERS",
    "MAX_WRITE_REGISTERS",
    "READING_BLOCK",
    "READ_FUNCTIONS",
    "REGISTER_MAP",
    "REGISTER_MAP_REVISION",
    "RTU_MAX_LENGTH",
    "RTU_MIN_LENGTH",
    "STATUS",
    "UNIT_ADDRESSES",
    "ExcCodes",
    "FunctionCode",
    "MeterStatus",
    "ModbusExceptionReply",
    "ModbusReading",
    "RegisterField",
    "clock_from_registers",
    "clock_registers",
    "crc_ok",
    "encode_registers",
    "is_clock_write",
    "parse_reading",
    "parse_set_clock_response",
    "read_request",
    "reading_from_registers",
    "rtu_framer",
    "set_clock_request",
]

COUNTER_MODULUS = 1_000_000_000  # 9-digit Wh counters: 999_999_999 rolls over to 0
DEVICE_ID_CAPACITY = 32  # octets, two per register
REGISTER_MAP_REVISION = 1

# Modbus over Serial Line V1.02 §2.2: 0 is broadcast, 1..247 individual addresses,
# 248..255 reserved. §2.5.1.1: an RTU frame is at most 256 octets, at least address,
# function code and the 2-octet CRC.
BROADCAST = 0
UNIT_ADDRESSES = range(1, 248)
RTU_MIN_LENGTH, RTU_MAX_LENGTH = 4, 256
# Application Protocol V1.1b3 §6.3/§6.4: 1..125 registers per read; §6.12: 1..123 per write.
MAX_READ_REGISTERS, MAX_WRITE_REGISTERS = 125, 123


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

# The two read functions serve the same register space (see MODBUS_REGISTER_MAP.md):
# function code -> (request PDU, response PDU) of pymodbus.
READ_FUNCTIONS: dict[int, tuple[type[ModbusPDU], type[ModbusPDU]]] = {
    FunctionCode.READ_HOLDING_REGISTERS: (ReadHoldingRegistersRequest, ReadHoldingRegistersResponse),
    FunctionCode.READ_INPUT_REGISTERS: (ReadInputRegistersRequest, ReadInputRegistersResponse),
}


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


def _as_bytes(value: object, what: str) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise BenchUsageError(f"{what} must be bytes, not {type(value).__name__}")


def _split32(value: int) -> list[int]:
    # 32-bit values: high-order word at the lower address ("big-endian word order"), each
    # register big-endian on the wire as every Modbus register is (Application Protocol §4.2).
    return [value >> 16, value & 0xFFFF]


def _join32(high: int, low: int) -> int:
    return (high << 16) | low


def clock_registers(when: datetime) -> list[int]:
    """The six CLOCK registers of ``when``: its wall-clock fields, whole seconds, no zone."""
    return [when.year, when.month, when.day, when.hour, when.minute, when.second]


def clock_from_registers(values: Sequence[int], tzinfo: TzInfo | None) -> datetime | None:
    """The time six CLOCK registers name, with ``tzinfo`` attached; None if they name none."""
    year, month, day, hour, minute, second = values
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tzinfo)
    except ValueError:
        return None


def encode_registers(
    *, status: MeterStatus, import_wh: int, export_wh: int, meter_time: datetime, device_id: bytes
) -> list[int]:
    """The registers of ``READING_BLOCK`` holding these values (inverse of ``reading_from_registers``)."""
    _check_int(import_wh, "import_wh", 0, COUNTER_MODULUS - 1)
    _check_int(export_wh, "export_wh", 0, COUNTER_MODULUS - 1)
    if not isinstance(device_id, bytes | bytearray) or len(device_id) > DEVICE_ID_CAPACITY:
        raise BenchUsageError(f"device_id must be at most {DEVICE_ID_CAPACITY} octets")
    if not isinstance(meter_time, datetime):
        raise BenchUsageError(f"meter_time must be a datetime, got {meter_time!r}")
    padded = bytes(device_id).ljust(DEVICE_ID_CAPACITY, b"\x00")
    registers = [
        REGISTER_MAP_REVISION,
        int(status),
        *_split32(import_wh),
        *_split32(export_wh),
        *clock_registers(meter_time),
        len(device_id),
        *(int.from_bytes(padded[i : i + 2], "big") for i in range(0, DEVICE_ID_CAPACITY, 2)),
    ]
    assert len(registers) == READING_BLOCK.length
    return registers


def rtu_framer(*, is_server: bool) -> FramerRTU:
    """pymodbus's RTU framer, decoding requests (``is_server``) or responses."""
    return FramerRTU(DecodePDU(is_server))


def crc_ok(frame: bytes) -> bool:
    """Whether an RTU frame ends in the right CRC."""
    # Modbus over Serial Line §2.5.1.2: CRC-16 over address..data, low-order octet first;
    # pymodbus's compute_CRC returns it already swapped for a big-endian read.
    return FramerRTU.check_CRC(frame[:-2], int.from_bytes(frame[-2:], "big"))


# --------------------------------------------------------------------------- terminal side


def read_request(unit: int, *, function_code: int = FunctionCode.READ_HOLDING_REGISTERS) -> bytes:
    """The RTU request frame reading the whole map (READING_BLOCK) from ``unit``."""
    _check_int(unit, "unit", 1, 247)
    if function_code not in READ_FUNCTIONS:
        raise BenchUsageError(f"function_code must be 0x03 or 0x04, got {function_code!r}")
    request_class = READ_FUNCTIONS[function_code][0]
    request = request_class(address=READING_BLOCK.address, count=READING_BLOCK.length, dev_id=unit)
    return rtu_framer(is_server=False).buildFrame(request)


def set_clock_request(unit: int, when: datetime) -> bytes:
    """The RTU request frame setting the meter's clock to ``when`` (seconds truncated).

    ``unit`` 0 broadcasts it: every meter on the bus sets its clock and none answers.
    The registers carry the wall-clock fields of ``when`` as they are, without a zone.
    """
    _check_int(unit, "unit", 0, 247)
    if not isinstance(when, datetime):
        raise BenchUsageError(f"when must be a datetime, got {when!r}")
    request = WriteMultipleRegistersRequest(
        address=CLOCK.address, registers=clock_registers(when), dev_id=unit
    )
    return rtu_framer(is_server=False).buildFrame(request)


def is_clock_write(frame: bytes) -> bool:
    """Whether an RTU frame is a request writing the clock registers (function 16 at the
    clock's address): what a bus analyser sees when a terminal sets the meter's clock."""
    return (
        len(frame) > 8  # the request carries data; its answer is 8 octets
        and crc_ok(frame)
        and frame[1] == FunctionCode.WRITE_MULTIPLE_REGISTERS
        and int.from_bytes(frame[2:4], "big") == CLOCK.address
    )


def _response_pdu(response: object, unit: int | None) -> tuple[int, bytes]:
    """Check an RTU response frame; return its address and PDU, or raise ProtocolError."""
    frame = _as_bytes(response, "response")
    if unit is not None:
        _check_int(unit, "unit", 1, 247)
    if not RTU_MIN_LENGTH + 1 <= len(frame) <= RTU_MAX_LENGTH:
        raise DecodeError(f"an RTU response is 5..256 octets, got {len(frame)}")
    if not crc_ok(frame):
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
    if pdu[0] not in READ_FUNCTIONS:
        raise DecodeError(f"function 0x{pdu[0]:02X} does not answer a read request")
    expected = 2 * READING_BLOCK.length
    if len(pdu) != 2 + expected or pdu[1] != expected:
        raise DecodeError(
            f"a reading carries byte count {expected} and {expected} octets, got {pdu[1:].hex(' ')}"
        )
    decoded = rtu_framer(is_server=False).decoder.decode(pdu)
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
    meter_time = clock_from_registers(field(CLOCK), tzinfo)
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
