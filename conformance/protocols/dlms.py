"""DLMS/COSEM application codec of the IoT route, on top of ``dlms-cosem``.

NAT guideline 2-5: 「電力SMに送信する際はDLMS/COSEMに従ったフォーマットに変換し、積算電力量をkWh単位
（小数点以下第三位が1Wh単位となる）で送信すること」. The IoT-route application specification that
fixes the exact objects is not public, so the bench models it with standard DLMS/COSEM:

* xDLMS APDUs of IEC 62056-5-3 (the Green Book), unciphered: GET-Request-Normal (with the
  range_descriptor selective access of the load profile), GET-Response-Normal, SET-Request-Normal,
  SET-Response-Normal and Data-Notification, A-XDR encoded from the standard's xDLMS ASN.1;
* a pre-established application association, so no AARQ/AARE is exchanged;
* COSEM objects of IEC 62056-6-2 (the Blue Book) named by IEC 62056-6-1 OBIS codes (the
  constants below);
* the IEC 62056-47 UDP wrapper (version 1, source wPort, destination wPort, length) on UDP 4059.

Not modelled, and rejected with ``DlmsError`` naming them: block transfer, GET/SET-With-List,
ACTION, ciphered APDUs, compact-array, and selective access other than range_descriptor over the
clock. The bench's metering profile on top (the push body, the load-profile buffer, kWh from
scaler_unit) lives in ``dlms_profile``; its names are also reachable from this module.

What comes from ``dlms-cosem`` (25.1) and what is written here:

* from dlms-cosem: the encoders of GET-Request-Normal with its RangeDescriptor, of the
  GET-Response carrying a Data-Access-Result, of SET-Request-Normal and SET-Response-Normal,
  Invoke-Id-And-Priority and Long-Invoke-Id-And-Priority, the wrapper header, the A-XDR length
  encoding, the fixed-width integer Data types, and the COSEM date-time encoder;
* written here, each with the reason at the place: the Data values (dlms-cosem's classes are
  mutable and cannot encode null-data, boolean or octet strings of 128 octets and more), the
  decoders (dlms-cosem's accept truncated and trailing octets, loop forever on some truncated
  Data, and raise a dozen exception types), the GET-Response with data and the Data-Notification
  encoders (bugs described there), and the date-time parser (it turns deviation 0 into a naive
  datetime and crashes on unspecified fields).

Decoding is strict about structure (every octet accounted for) and says what was wrong;
``DlmsError`` is the only exception it raises for any input octets. Encodings are canonical;
decoding accepts the equivalent forms the standards allow (a given or unspecified day of week,
unspecified hundredths, any non-zero boolean), so ``decode(encode(x)) == x`` always and
``encode(decode(b)) == b`` for canonical ``b``.
"""

from __future__ import annotations

import contextlib
import math
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from enum import IntEnum, IntFlag
from typing import Any, Final, TypeAlias

from dlms_cosem import cosem as _cosem
from dlms_cosem import dlms_data as _dlms_data
from dlms_cosem import enumerations as _enumerations
from dlms_cosem import time as _time
from dlms_cosem.cosem.capture_object import CaptureObject as _CaptureObject
from dlms_cosem.cosem.selective_access import RangeDescriptor as _RangeDescriptor
from dlms_cosem.protocol import wrappers as _wrappers
from dlms_cosem.protocol import xdlms as _xdlms
from dlms_cosem.protocol.xdlms.data_notification import LongInvokeIdAndPriority as _LongInvokeIdAndPriority

from conformance.protocols.errors import BenchUsageError, ProtocolError

DLMS_PORT: Final = 4059  # IANA "dlms-cosem", the IEC 62056-47 UDP/TCP port

# OBIS codes the bench uses (IEC 62056-6-1), as "A.B.C.D.E.F".
IMPORT_ENERGY: Final = "1.0.1.8.0.255"  # register: active energy import (forward, ECHONET 0xE0)
EXPORT_ENERGY: Final = "1.0.2.8.0.255"  # register: active energy export (reverse, ECHONET 0xE2)
CLOCK: Final = "0.0.1.0.0.255"
METER_ID: Final = "0.0.96.1.0.255"  # data: the metering device's ID (ECHONET 0xD1), octet-string
TERMINAL_ID: Final = "0.0.96.1.1.255"  # data: the terminal's authentication ID, read-only
LOAD_PROFILE: Final = "1.0.99.1.0.255"  # profile generic
AUTH_PASSWORD: Final = "0.128.96.1.0.255"  # manufacturer-specific data: the PANA password, write-only
UPLOAD_INTERVAL: Final = "0.128.25.9.0.255"  # manufacturer-specific data: upload interval, seconds


class InterfaceClass(IntEnum):
    """The COSEM interface classes the bench uses (IEC 62056-6-2 section 4.3)."""

    DATA = 1
    REGISTER = 3
    PROFILE_GENERIC = 7
    CLOCK = 8


VALUE_ATTRIBUTE: Final = 2  # Data/Register value, Clock time
SCALER_UNIT_ATTRIBUTE: Final = 3  # Register scaler_unit
BUFFER_ATTRIBUTE: Final = 2  # Profile generic buffer
CAPTURE_PERIOD_ATTRIBUTE: Final = 4  # Profile generic capture_period, seconds


class DlmsError(ProtocolError):
    """DLMS/COSEM octets or values from the peer that the standards or the bench's profile forbid."""


@contextlib.contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turns what dlms-cosem or a dataclass check raises on peer data into ``DlmsError``."""
    try:
        yield
    except BenchUsageError as exc:
        raise DlmsError(f"{what}: {exc}") from None
    except (
        ValueError,
        TypeError,
        IndexError,
        KeyError,
        AssertionError,
        OverflowError,
        NotImplementedError,
    ) as exc:
        raise DlmsError(f"{what}: {type(exc).__name__}: {exc}") from None


class _Reader:
    """Strict cursor over received octets: running short is an error, never a silent slice."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def take(self, count: int, what: str) -> bytes:
        if count > self.remaining:
            raise DlmsError(f"{what} needs {count} octets, {self.remaining} left")
        chunk = self._data[self._pos : self._pos + count]
        self._pos += count
        return chunk

    def octet(self, what: str) -> int:
        return self.take(1, what)[0]

    def length(self, what: str) -> int:
        """An A-XDR length or quantity: one octet below 0x80, else 0x80 + n and n octets."""
        first = self.octet(what)
        if first < 0x80:
            return first
        size = first & 0x7F
        if not 1 <= size <= 4:
            raise DlmsError(f"{what}: a length of {size} octets (0x{first:02x}) is not allowed")
        return int.from_bytes(self.take(size, what), "big")

    def end(self, what: str) -> None:
        if self.remaining:
            raise DlmsError(f"{self.remaining} octets after the end of the {what}")


# --- Data (IEC 62056-6-2 4.1.5 common data types; the Data CHOICE of IEC 62056-5-3) -----------


class DataType(IntEnum):
    """Tags of the Data CHOICE."""

    NULL_DATA = 0
    ARRAY = 1
    STRUCTURE = 2
    BOOLEAN = 3
    BIT_STRING = 4
    DOUBLE_LONG = 5
    DOUBLE_LONG_UNSIGNED = 6
    OCTET_STRING = 9
    VISIBLE_STRING = 10
    UTF8_STRING = 12
    BCD = 13
    INTEGER = 15
    LONG = 16
    UNSIGNED = 17
    LONG_UNSIGNED = 18
    COMPACT_ARRAY = 19  # not modelled
    LONG64 = 20
    LONG64_UNSIGNED = 21
    ENUM = 22
    FLOAT32 = 23
    FLOAT64 = 24
    DATE_TIME = 25
    DATE = 26
    TIME = 27
    DONT_CARE = 255


# dlms-cosem's classes for these are correct (tag + fixed-width big-endian value) and do the work.
_INTEGER_CLASSES: Final[dict[DataType, Any]] = {
    DataType.INTEGER: _dlms_data.IntegerData,
    DataType.LONG: _dlms_data.LongData,
    DataType.DOUBLE_LONG: _dlms_data.DoubleLongData,
    DataType.LONG64: _dlms_data.Long64Data,
    DataType.UNSIGNED: _dlms_data.UnsignedIntegerData,
    DataType.LONG_UNSIGNED: _dlms_data.UnsignedLongData,
    DataType.DOUBLE_LONG_UNSIGNED: _dlms_data.DoubleLongUnsignedData,
    DataType.LONG64_UNSIGNED: _dlms_data.UnsignedLong64Data,
    DataType.ENUM: _dlms_data.EnumData,
}
_SIGNED: Final = frozenset({DataType.INTEGER, DataType.LONG, DataType.DOUBLE_LONG, DataType.LONG64})
# Fixed-size octet strings, kept as their octets.
_FIXED_OCTETS: Final = {DataType.DATE_TIME: 12, DataType.DATE: 5, DataType.TIME: 4}
_FLOATS: Final = {DataType.FLOAT32: ">f", DataType.FLOAT64: ">d"}
_MAX_DEPTH: Final = 16  # nesting the bench accepts; keeps hostile input away from the recursion limit

DataValue: TypeAlias = "bool | int | float | str | bytes | tuple[Data, ...] | None"


def _integer_range(kind: DataType) -> range:
    bits = 8 * _INTEGER_CLASSES[kind].LENGTH
    if kind in _SIGNED:
        return range(-(1 << (bits - 1)), 1 << (bits - 1))
    return range(1 << bits)


def _checked_value(kind: DataType, value: object) -> DataValue:
    if kind in (DataType.NULL_DATA, DataType.DONT_CARE):
        if value is not None:
            raise BenchUsageError(f"{kind.name} carries no value, not {value!r}")
        return None
    if kind in (DataType.ARRAY, DataType.STRUCTURE):
        if not isinstance(value, tuple | list) or not all(isinstance(item, Data) for item in value):
            raise BenchUsageError(f"{kind.name} holds a sequence of Data, not {value!r}")
        return tuple(value)
    if kind is DataType.BOOLEAN:
        if not isinstance(value, bool):
            raise BenchUsageError(f"boolean value must be a bool, not {value!r}")
        return value
    if kind in _INTEGER_CLASSES or kind is DataType.BCD:
        allowed = range(-128, 128) if kind is DataType.BCD else _integer_range(kind)
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise BenchUsageError(
                f"{kind.name} holds an integer in [{allowed.start}, {allowed.stop - 1}], not {value!r}"
            )
        return int(value)
    if kind is DataType.BIT_STRING:
        if not isinstance(value, str) or value.strip("01"):
            raise BenchUsageError(f"bit-string value is a str of '0' and '1', not {value!r}")
        return value
    if kind is DataType.OCTET_STRING:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise BenchUsageError(f"octet-string value must be bytes, not {value!r}")
        return bytes(value)
    if kind in (DataType.VISIBLE_STRING, DataType.UTF8_STRING):
        if not isinstance(value, str) or (kind is DataType.VISIBLE_STRING and not value.isascii()):
            raise BenchUsageError(
                f"{kind.name} value must be a str (ASCII for visible-string), not {value!r}"
            )
        return value
    if kind in _FLOATS:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BenchUsageError(f"{kind.name} value must be a float, not {value!r}")
        try:
            (exact,) = struct.unpack(_FLOATS[kind], struct.pack(_FLOATS[kind], value))
        except OverflowError:
            raise BenchUsageError(f"{value!r} does not fit {kind.name}") from None
        if exact != value and not math.isnan(value):
            raise BenchUsageError(f"{value!r} is not exactly representable as {kind.name}")
        return float(value)
    if kind in _FIXED_OCTETS:
        if not isinstance(value, bytes) or len(value) != _FIXED_OCTETS[kind]:
            raise BenchUsageError(f"{kind.name} value is {_FIXED_OCTETS[kind]} octets, not {value!r}")
        return value
    raise BenchUsageError(f"{kind.name} is not modelled by the bench")


@dataclass(frozen=True, slots=True, kw_only=True)
class Data:
    """One A-XDR Data value: the type tag and its Python value.

    Values: None (null-data, dont-care); tuple of Data (array, structure); bool; int (the
    integer types, enum, bcd); str of '0'/'1' (bit-string); bytes (octet-string, and the raw
    octets of the date-time, date and time types); str (visible-string, utf8-string); float.
    Build them with the helpers below (``long_unsigned(900)``, ``octet_string(b"...")``).
    """

    type: DataType
    value: DataValue = None

    def __post_init__(self) -> None:
        try:
            kind = DataType(self.type)
        except ValueError:
            raise BenchUsageError(f"unknown Data type {self.type!r}") from None
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "value", _checked_value(kind, self.value))


def _length(count: int) -> bytes:
    return _dlms_data.encode_variable_integer(count)


def _write_data(out: bytearray, data: Data) -> None:
    kind, value = data.type, data.value
    if kind in _INTEGER_CLASSES:
        out += _INTEGER_CLASSES[kind](value).to_bytes()
        return
    out.append(kind)
    if kind in (DataType.ARRAY, DataType.STRUCTURE):
        out += _length(len(value))
        for item in value:
            _write_data(out, item)
    elif kind is DataType.BOOLEAN:
        out.append(1 if value else 0)
    elif kind is DataType.BCD:
        out += struct.pack(">b", value)  # Integer8; dlms-cosem gives bcd a length prefix, wrongly
    elif kind is DataType.BIT_STRING:
        # A-XDR counts a bit-string in bits; dlms-cosem counts octets. Unused bits are zero.
        octets = (len(value) + 7) // 8
        out += _length(len(value))
        out += int(value.ljust(8 * octets, "0"), 2).to_bytes(octets, "big") if value else b""
    elif kind in (DataType.OCTET_STRING, DataType.VISIBLE_STRING, DataType.UTF8_STRING):
        # Own code: dlms-cosem writes the length as one raw octet, wrong from 128 octets on.
        raw = value if kind is DataType.OCTET_STRING else value.encode("utf-8")
        out += _length(len(raw)) + raw
    elif kind in _FLOATS:
        out += struct.pack(_FLOATS[kind], value)
    elif kind in _FIXED_OCTETS:
        out += value


def encode_data(data: Data) -> bytes:
    """The A-XDR encoding of ``data`` (tag, then length where the type has one, then the value)."""
    out = bytearray()
    _write_data(out, data)
    return bytes(out)


def _read_data(reader: _Reader, depth: int) -> Data:
    tag = reader.octet("Data tag")
    try:
        kind = DataType(tag)
    except ValueError:
        raise DlmsError(f"Data tag {tag} is not a DLMS/COSEM data type") from None
    name = kind.name.lower().replace("_", "-")
    if kind in (DataType.ARRAY, DataType.STRUCTURE):
        if depth >= _MAX_DEPTH:
            raise DlmsError(f"Data nested deeper than {_MAX_DEPTH} levels")
        count = reader.length(f"{name} quantity")
        if count > reader.remaining:  # every element takes at least its tag octet
            raise DlmsError(f"{name} of {count} elements in {reader.remaining} octets")
        return Data(type=kind, value=tuple(_read_data(reader, depth + 1) for _ in range(count)))
    if kind in _INTEGER_CLASSES:
        cls = _INTEGER_CLASSES[kind]
        return Data(type=kind, value=cls.from_bytes(reader.take(cls.LENGTH, name)).value)
    if kind in (DataType.NULL_DATA, DataType.DONT_CARE):
        return Data(type=kind)
    if kind is DataType.BOOLEAN:
        return Data(type=kind, value=reader.octet(name) != 0)  # A-XDR: any non-zero octet is TRUE
    if kind is DataType.BCD:
        return Data(type=kind, value=struct.unpack(">b", reader.take(1, name))[0])
    if kind is DataType.BIT_STRING:
        bits = reader.length(f"{name} length")
        raw = reader.take((bits + 7) // 8, name)
        return Data(type=kind, value="".join(f"{octet:08b}" for octet in raw)[:bits])
    if kind in (DataType.OCTET_STRING, DataType.VISIBLE_STRING, DataType.UTF8_STRING):
        raw = reader.take(reader.length(f"{name} length"), name)
        if kind is DataType.OCTET_STRING:
            return Data(type=kind, value=raw)
        try:
            text = raw.decode("ascii" if kind is DataType.VISIBLE_STRING else "utf-8")
        except UnicodeDecodeError as exc:
            raise DlmsError(f"{name} is not {exc.encoding}: {raw!r}") from None
        return Data(type=kind, value=text)
    if kind in _FLOATS:
        fmt = _FLOATS[kind]
        return Data(type=kind, value=struct.unpack(fmt, reader.take(struct.calcsize(fmt), name))[0])
    if kind in _FIXED_OCTETS:
        return Data(type=kind, value=reader.take(_FIXED_OCTETS[kind], name))
    raise DlmsError(f"{name} is not modelled by the bench")


def decode_data(octets: bytes) -> Data:
    """One Data value filling ``octets`` exactly.

    Raises:
        DlmsError: malformed, truncated, followed by more octets, or of a type not modelled.
    """
    reader = _Reader(bytes(octets))
    with _translated("Data"):
        data = _read_data(reader, 0)
    reader.end("Data")
    return data


# Builders (named after the Data CHOICE alternatives) and readers.


def null_data() -> Data:
    return Data(type=DataType.NULL_DATA)


def array(*items: Data) -> Data:
    return Data(type=DataType.ARRAY, value=items)


def structure(*items: Data) -> Data:
    return Data(type=DataType.STRUCTURE, value=items)


def boolean(value: bool) -> Data:
    return Data(type=DataType.BOOLEAN, value=value)


def integer(value: int) -> Data:
    return Data(type=DataType.INTEGER, value=value)


def long(value: int) -> Data:
    return Data(type=DataType.LONG, value=value)


def double_long(value: int) -> Data:
    return Data(type=DataType.DOUBLE_LONG, value=value)


def long64(value: int) -> Data:
    return Data(type=DataType.LONG64, value=value)


def unsigned(value: int) -> Data:
    return Data(type=DataType.UNSIGNED, value=value)


def long_unsigned(value: int) -> Data:
    return Data(type=DataType.LONG_UNSIGNED, value=value)


unsigned_long = long_unsigned


def double_long_unsigned(value: int) -> Data:
    return Data(type=DataType.DOUBLE_LONG_UNSIGNED, value=value)


def long64_unsigned(value: int) -> Data:
    return Data(type=DataType.LONG64_UNSIGNED, value=value)


def enum(value: int) -> Data:
    return Data(type=DataType.ENUM, value=value)


def octet_string(value: bytes) -> Data:
    return Data(type=DataType.OCTET_STRING, value=value)


def visible_string(value: str) -> Data:
    return Data(type=DataType.VISIBLE_STRING, value=value)


def date_time_data(dt: datetime, *, clock_status: ClockStatus | None = None) -> Data:
    """A date-time as the octet-string(12) of the clock's time attribute (IEC 62056-6-2 4.5.1)."""
    return octet_string(cosem_datetime(dt, clock_status=clock_status))


def _expect(data: Data, allowed: frozenset[DataType] | set[DataType], what: str) -> None:
    if not isinstance(data, Data):
        raise BenchUsageError(f"{what} must be Data, not {data!r}")
    if data.type not in allowed:
        names = "/".join(sorted(kind.name.lower().replace("_", "-") for kind in allowed))
        raise DlmsError(f"{what}: expected {names}, got {data.type.name.lower().replace('_', '-')}")


def as_int(data: Data, expected: DataType | None = None, *, what: str = "value") -> int:
    """The integer of an integer-typed or enum Data (of type ``expected`` when given)."""
    _expect(data, {expected} if expected is not None else set(_INTEGER_CLASSES), what)
    if data.type not in _INTEGER_CLASSES:
        raise BenchUsageError(f"{expected!r} is not an integer type")
    return data.value


def as_bytes(data: Data, *, what: str = "value") -> bytes:
    """The octets of an octet-string."""
    _expect(data, {DataType.OCTET_STRING}, what)
    return data.value


def as_items(
    data: Data, expected: DataType | None = None, *, length: int | None = None, what: str = "value"
) -> tuple[Data, ...]:
    """The elements of an array or structure (of type ``expected`` and ``length`` when given)."""
    _expect(data, {expected} if expected is not None else {DataType.ARRAY, DataType.STRUCTURE}, what)
    if length is not None and len(data.value) != length:
        raise DlmsError(f"{what}: expected {length} elements, got {len(data.value)}")
    return data.value


def as_datetime(data: Data, *, unspecified_deviation: tzinfo | None = None, what: str = "value") -> datetime:
    """The point in time of an octet-string(12) or date-time Data (see ``parse_cosem_datetime``)."""
    _expect(data, {DataType.OCTET_STRING, DataType.DATE_TIME}, what)
    try:
        return parse_cosem_datetime(data.value, unspecified_deviation=unspecified_deviation)
    except DlmsError as exc:
        raise DlmsError(f"{what}: {exc}") from None


# --- COSEM date-time (IEC 62056-6-2 section 4.1.6.1) -----------------------------------------


class ClockStatus(IntFlag):
    """The clock_status octet of a date-time."""

    INVALID_VALUE = 0x01
    DOUBTFUL_VALUE = 0x02
    DIFFERENT_CLOCK_BASE = 0x04
    INVALID_CLOCK_STATUS = 0x08
    DAYLIGHT_SAVING_ACTIVE = 0x80


DATE_TIME_LENGTH: Final = 12
DEVIATION_NOT_SPECIFIED: Final = -0x8000  # 0x8000 read as the signed long it is
_MAX_DEVIATION: Final = 720
JST: Final = timezone(timedelta(hours=9), "JST")  # deviation -540 on the wire


def _deviation(dt: datetime) -> int:
    """The date-time deviation of ``dt``: minutes from local time to UTC, so UTC+9 is -540.

    That is the Blue Book's sign (4.1.6.1, "deviation of local time to UTC"), the one IDIS and
    dlms-cosem use (UTC+01:00 is -60); some national companion specifications use the opposite.
    """
    if not isinstance(dt, datetime) or dt.utcoffset() is None:
        raise BenchUsageError(f"a COSEM date-time needs an aware datetime, not {dt!r}")
    offset = dt.utcoffset()
    if offset % timedelta(minutes=1):
        raise BenchUsageError(f"UTC offset {offset} is not a whole number of minutes")
    deviation = -int(offset / timedelta(minutes=1))
    if abs(deviation) > _MAX_DEVIATION:
        raise BenchUsageError(f"UTC offset {offset} is beyond the deviation range of ±720 minutes")
    return deviation


def cosem_datetime(dt: datetime, *, clock_status: ClockStatus | None = None) -> bytes:
    """The 12 date-time octets of an aware datetime.

    Canonical form: day of week not specified (0xFF), hundredths from the microseconds (finer
    resolution is truncated), deviation from the UTC offset, clock status 0 unless given.
    """
    _deviation(dt)
    status = ClockStatus(0) if clock_status is None else ClockStatus(clock_status)
    if not 0 <= status <= 0xFF:
        raise BenchUsageError(f"clock status {status!r} does not fit one octet")
    return _time.datetime_to_bytes(dt)[:11] + bytes([status])


def parse_cosem_datetime(octets: bytes, *, unspecified_deviation: tzinfo | None = None) -> datetime:
    """The aware datetime the 12 octets name (own parser, see the module docstring).

    A day of week (1 = Monday) must agree with the date; 0xFF hundredths read as 0. The
    deviation is taken as the whole UTC offset, daylight saving included; the clock status is
    not interpreted (``parse_clock_status`` reads it).

    Args:
        octets: year (2), month, day, day of week, hour, minute, second, hundredths,
            deviation (2, signed), clock status.
        unspecified_deviation: the zone to assume when the deviation is 0x8000; without it
            such a date-time is an error, since it names no point in time.

    Raises:
        DlmsError: not 12 octets, a field out of range or not specified, or an impossible date.
    """
    octets = bytes(octets)
    if len(octets) != DATE_TIME_LENGTH:
        raise DlmsError(f"a date-time has 12 octets, not {len(octets)}")
    year = int.from_bytes(octets[0:2], "big")
    month, day, weekday, hour, minute, second, hundredths = octets[2:9]
    deviation = int.from_bytes(octets[9:11], "big", signed=True)
    for name, value, top in (
        ("year", year, 0xFFFE),
        ("month", month, 12),
        ("day of month", day, 31),
        ("hour", hour, 23),
        ("minute", minute, 59),
        ("second", second, 59),
    ):
        if value == (0xFFFF if name == "year" else 0xFF):
            raise DlmsError(f"date-time {octets.hex()} leaves the {name} not specified: no point in time")
        if value > top:
            raise DlmsError(
                f"date-time {octets.hex()} has {name} {value:#x}: a wildcard or reserved, no value"
            )
    if hundredths == 0xFF:
        hundredths = 0
    elif hundredths > 99:
        raise DlmsError(f"date-time {octets.hex()} has hundredths {hundredths}")
    if deviation == DEVIATION_NOT_SPECIFIED:
        if unspecified_deviation is None:
            raise DlmsError(
                f"date-time {octets.hex()} has no deviation (0x8000): local time of no known zone"
            )
        zone = unspecified_deviation
    elif abs(deviation) > _MAX_DEVIATION:
        raise DlmsError(f"date-time {octets.hex()} has deviation {deviation}, beyond ±720 minutes")
    else:
        zone = timezone(timedelta(minutes=-deviation))
    try:
        result = datetime(year, month, day, hour, minute, second, hundredths * 10_000, tzinfo=zone)
    except ValueError as exc:
        raise DlmsError(f"date-time {octets.hex()} is no date: {exc}") from None
    if weekday != 0xFF and weekday != result.isoweekday():
        raise DlmsError(
            f"date-time {octets.hex()} says day of week {weekday}, the date is {result.isoweekday()}"
        )
    return result


def parse_clock_status(octets: bytes) -> ClockStatus | None:
    """The clock status of 12 date-time octets; None when it is 0xFF (not specified)."""
    if len(octets) != DATE_TIME_LENGTH:
        raise DlmsError(f"a date-time has 12 octets, not {len(octets)}")
    return None if octets[-1] == 0xFF else ClockStatus(octets[-1])


# --- COSEM attributes and selective access ---------------------------------------------------

_OBIS_PATTERN: Final = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){5}")


@dataclass(frozen=True, slots=True)
class CosemAttribute:
    """Cosem-Attribute-Descriptor (IEC 62056-5-3): class-id, instance-id (OBIS), attribute-id."""

    class_id: int
    obis: str
    attribute: int

    def __post_init__(self) -> None:
        if (
            isinstance(self.class_id, bool)
            or not isinstance(self.class_id, int)
            or not 0 <= self.class_id <= 0xFFFF
        ):
            raise BenchUsageError(f"class-id {self.class_id!r} is not a Unsigned16")
        object.__setattr__(self, "class_id", int(self.class_id))
        if not isinstance(self.obis, str) or not _OBIS_PATTERN.fullmatch(self.obis):
            raise BenchUsageError(f"OBIS code {self.obis!r} is not six decimal groups A.B.C.D.E.F")
        if any(int(group) > 255 for group in self.obis.split(".")):
            raise BenchUsageError(f"OBIS code {self.obis!r} has a group above 255")
        # Integer8: negative attribute ids are manufacturer-specific.
        if (
            isinstance(self.attribute, bool)
            or not isinstance(self.attribute, int)
            or not -128 <= self.attribute <= 127
        ):
            raise BenchUsageError(f"attribute-id {self.attribute!r} is not an Integer8")
        object.__setattr__(self, "attribute", int(self.attribute))

    @property
    def obis_octets(self) -> bytes:
        return bytes(int(group) for group in self.obis.split("."))


RANGE_RESTRICTING_OBJECT: Final = CosemAttribute(InterfaceClass.CLOCK, CLOCK, VALUE_ATTRIBUTE)


@dataclass(frozen=True, slots=True)
class DateRange:
    """range_descriptor selective access (selector 1) over the clock column, all columns selected.

    Profile generic, IEC 62056-6-2 4.3.6: restricting_object = capture object (8, CLOCK, 2, 0),
    from_value/to_value = date-time octet-strings, selected_values = empty array.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _deviation(self.start)
        _deviation(self.end)


def _dlms_cosem_attribute(attribute: CosemAttribute) -> _cosem.CosemAttribute:
    # dlms-cosem writes the attribute-id with int.to_bytes(1) unsigned; the two's complement octet
    # of an Integer8 is the same. The class-id is passed as int: its enum has no manufacturer classes.
    return _cosem.CosemAttribute(
        interface=attribute.class_id,
        instance=_cosem.Obis(*attribute.obis_octets),
        attribute=attribute.attribute & 0xFF,
    )


def _read_attribute(reader: _Reader) -> CosemAttribute:
    # Own code: dlms-cosem's CosemAttribute.from_bytes rejects class-ids missing from its enum.
    raw = reader.take(9, "Cosem-Attribute-Descriptor")
    obis = ".".join(str(group) for group in raw[2:8])
    return CosemAttribute(int.from_bytes(raw[0:2], "big"), obis, struct.unpack(">b", raw[8:9])[0])


def _capture_object(data: Data, what: str) -> tuple[CosemAttribute, int]:
    """capture_object_definition: {class_id long-unsigned, logical_name octet-string(6),
    attribute_index integer, data_index long-unsigned} (IEC 62056-6-2 4.3.6)."""
    class_id, name, index, data_index = as_items(data, DataType.STRUCTURE, length=4, what=what)
    obis = as_bytes(name, what=f"{what} logical_name")
    if len(obis) != 6:
        raise DlmsError(f"{what} logical_name has {len(obis)} octets, not 6")
    attribute = CosemAttribute(
        as_int(class_id, DataType.LONG_UNSIGNED, what=f"{what} class_id"),
        ".".join(str(group) for group in obis),
        as_int(index, DataType.INTEGER, what=f"{what} attribute_index"),
    )
    return attribute, as_int(data_index, DataType.LONG_UNSIGNED, what=f"{what} data_index")


def _read_range(reader: _Reader) -> DateRange:
    selector = reader.octet("access-selector")
    if selector != 1:
        raise DlmsError(
            f"access-selector {selector} is not modelled: the bench reads by range_descriptor (1)"
        )
    parameters = _read_data(reader, 0)
    restricting, start, end, selected = as_items(
        parameters, DataType.STRUCTURE, length=4, what="range_descriptor"
    )
    if _capture_object(restricting, "restricting_object") != (RANGE_RESTRICTING_OBJECT, 0):
        raise DlmsError("range_descriptor restricting_object is not the clock time (8, 0.0.1.0.0.255, 2, 0)")
    if as_items(selected, DataType.ARRAY, what="selected_values"):
        raise DlmsError("range_descriptor selected_values picks columns: not modelled, the bench reads all")
    for bound in (start, end):
        _expect(bound, {DataType.OCTET_STRING}, "range_descriptor from_value/to_value")
    return DateRange(as_datetime(start, what="from_value"), as_datetime(end, what="to_value"))


# --- xDLMS APDUs (IEC 62056-5-3, the Green Book) ---------------------------------------------


class DataAccessResult(IntEnum):
    """Data-Access-Result (IEC 62056-5-3, the whole ENUMERATED)."""

    SUCCESS = 0
    HARDWARE_FAULT = 1
    TEMPORARY_FAILURE = 2
    READ_WRITE_DENIED = 3
    OBJECT_UNDEFINED = 4
    OBJECT_CLASS_INCONSISTENT = 9
    OBJECT_UNAVAILABLE = 11
    TYPE_UNMATCHED = 12
    SCOPE_OF_ACCESS_VIOLATED = 13
    DATA_BLOCK_UNAVAILABLE = 14
    LONG_GET_ABORTED = 15
    NO_LONG_GET_IN_PROGRESS = 16
    LONG_SET_ABORTED = 17
    NO_LONG_SET_IN_PROGRESS = 18
    DATA_BLOCK_NUMBER_INVALID = 19
    OTHER_REASON = 250


GET_REQUEST_TAG: Final = _xdlms.GetRequestNormal.TAG  # 192
SET_REQUEST_TAG: Final = _xdlms.SetRequestNormal.TAG  # 193
GET_RESPONSE_TAG: Final = _xdlms.GetResponseNormal.TAG  # 196
SET_RESPONSE_TAG: Final = _xdlms.SetResponseNormal.TAG  # 197
DATA_NOTIFICATION_TAG: Final = _xdlms.DataNotification.TAG  # 15
_NORMAL: Final = 1  # the -Normal choice of GET/SET request and response
_UNMODELLED_TAGS: Final = {
    0x60: "AARQ",
    0x61: "AARE",
    0x62: "RLRQ",
    0x63: "RLRE",
    0xC3: "ACTION-Request",
    0xC7: "ACTION-Response",
    0x0E: "ConfirmedServiceError",
    0xD8: "ExceptionResponse",
    0xDB: "general-glo-ciphering",
    0xDD: "general-ciphering",
    0xE0: "general-block-transfer",
}


def _access_result(value: object) -> DataAccessResult:
    try:
        return DataAccessResult(value)
    except ValueError:
        raise BenchUsageError(f"{value!r} is not a Data-Access-Result") from None


def _check_flags(apdu: object, *names: str) -> None:
    for name in names:
        if not isinstance(getattr(apdu, name), bool):
            raise BenchUsageError(f"{name} must be a bool")


def _check_invoke_id(invoke_id: int, top: int) -> None:
    if isinstance(invoke_id, bool) or not isinstance(invoke_id, int) or not 0 <= invoke_id <= top:
        raise BenchUsageError(f"invoke-id {invoke_id!r} is outside 0..{top}")


@dataclass(frozen=True, slots=True, kw_only=True)
class GetRequest:
    """GET-Request-Normal; Invoke-Id-And-Priority: invoke-id (4 bits), service class, priority."""

    invoke_id: int
    attribute: CosemAttribute
    range: DateRange | None = None
    confirmed: bool = True
    high_priority: bool = True

    def __post_init__(self) -> None:
        _check_invoke_id(self.invoke_id, 15)
        _check_flags(self, "confirmed", "high_priority")
        if not isinstance(self.attribute, CosemAttribute):
            raise BenchUsageError(f"attribute must be a CosemAttribute, not {self.attribute!r}")
        if self.range is not None and not isinstance(self.range, DateRange):
            raise BenchUsageError(f"range must be a DateRange, not {self.range!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class GetResponse:
    """GET-Response-Normal: Get-Data-Result is either ``data`` or ``error``, exactly one."""

    invoke_id: int
    data: Data | None = None
    error: DataAccessResult | None = None
    confirmed: bool = True
    high_priority: bool = True

    def __post_init__(self) -> None:
        _check_invoke_id(self.invoke_id, 15)
        _check_flags(self, "confirmed", "high_priority")
        if (self.data is None) == (self.error is None):
            raise BenchUsageError("a GetResponse carries exactly one of data and error")
        if self.data is not None and not isinstance(self.data, Data):
            raise BenchUsageError(f"data must be Data, not {self.data!r}")
        if self.error is not None:
            object.__setattr__(self, "error", _access_result(self.error))


@dataclass(frozen=True, slots=True, kw_only=True)
class SetRequest:
    """SET-Request-Normal, without selective access."""

    invoke_id: int
    attribute: CosemAttribute
    data: Data
    confirmed: bool = True
    high_priority: bool = True

    def __post_init__(self) -> None:
        _check_invoke_id(self.invoke_id, 15)
        _check_flags(self, "confirmed", "high_priority")
        if not isinstance(self.attribute, CosemAttribute):
            raise BenchUsageError(f"attribute must be a CosemAttribute, not {self.attribute!r}")
        if not isinstance(self.data, Data):
            raise BenchUsageError(f"data must be Data, not {self.data!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class SetResponse:
    """SET-Response-Normal."""

    invoke_id: int
    result: DataAccessResult
    confirmed: bool = True
    high_priority: bool = True

    def __post_init__(self) -> None:
        _check_invoke_id(self.invoke_id, 15)
        _check_flags(self, "confirmed", "high_priority")
        object.__setattr__(self, "result", _access_result(self.result))


@dataclass(frozen=True, slots=True, kw_only=True)
class DataNotification:
    """Data-Notification; Long-Invoke-Id-And-Priority: invoke-id (24 bits) and four flag bits."""

    invoke_id: int
    date_time: datetime | None
    body: Data
    high_priority: bool = False
    confirmed: bool = False
    break_on_error: bool = False
    self_descriptive: bool = False

    def __post_init__(self) -> None:
        _check_invoke_id(self.invoke_id, 0xFFFFFF)
        _check_flags(self, "high_priority", "confirmed", "break_on_error", "self_descriptive")
        if self.date_time is not None:
            _deviation(self.date_time)
        if not isinstance(self.body, Data):
            raise BenchUsageError(f"body must be Data, not {self.body!r}")


Apdu: TypeAlias = GetRequest | GetResponse | SetRequest | SetResponse | DataNotification


def _invoke_id_and_priority(
    apdu: GetRequest | GetResponse | SetRequest | SetResponse,
) -> _xdlms.InvokeIdAndPriority:
    return _xdlms.InvokeIdAndPriority(
        invoke_id=apdu.invoke_id, confirmed=apdu.confirmed, high_priority=apdu.high_priority
    )


def encode(apdu: Apdu) -> bytes:
    """The A-XDR octets of an APDU."""
    match apdu:
        case GetRequest():
            access = None
            if apdu.range is not None:
                # CaptureObject.to_bytes reads interface.value: this one must be dlms-cosem's enum.
                clock = _cosem.CosemAttribute(
                    interface=_enumerations.CosemInterface.CLOCK,
                    instance=_cosem.Obis(0, 0, 1, 0, 0, 255),
                    attribute=VALUE_ATTRIBUTE,
                )
                access = _RangeDescriptor(
                    restricting_object=_CaptureObject(cosem_attribute=clock),
                    from_value=apdu.range.start,
                    to_value=apdu.range.end,
                )
            return _xdlms.GetRequestNormal(
                cosem_attribute=_dlms_cosem_attribute(apdu.attribute),
                invoke_id_and_priority=_invoke_id_and_priority(apdu),
                access_selection=access,
            ).to_bytes()
        case GetResponse(error=None):
            # Own code: dlms-cosem 25.1 GetResponseNormal.to_bytes passes the invoke-id octets
            # to bytearray.append and raises TypeError.
            head = bytes([GET_RESPONSE_TAG, _NORMAL]) + _invoke_id_and_priority(apdu).to_bytes()
            return head + b"\x00" + encode_data(apdu.data)  # Get-Data-Result choice 0: data
        case GetResponse():
            return _xdlms.GetResponseNormalWithError(
                error=_enumerations.DataAccessResult(apdu.error),
                invoke_id_and_priority=_invoke_id_and_priority(apdu),
            ).to_bytes()
        case SetRequest():
            return _xdlms.SetRequestNormal(
                cosem_attribute=_dlms_cosem_attribute(apdu.attribute),
                data=encode_data(apdu.data),
                invoke_id_and_priority=_invoke_id_and_priority(apdu),
            ).to_bytes()
        case SetResponse():
            return _xdlms.SetResponseNormal(
                result=_enumerations.DataAccessResult(apdu.result),
                invoke_id_and_priority=_invoke_id_and_priority(apdu),
            ).to_bytes()
        case DataNotification():
            # Own code: the Data-Notification date-time is an OCTET STRING (IEC 62056-5-3), so A-XDR
            # writes its length, 0 when absent and 12 when present; dlms-cosem writes 0x01 instead (as
            # if it were an OPTIONAL flag), which other implementations read as a 1-octet date-time.
            flags = _LongInvokeIdAndPriority(
                long_invoke_id=apdu.invoke_id,
                prioritized=apdu.high_priority,
                confirmed=apdu.confirmed,
                self_descriptive=apdu.self_descriptive,
                break_on_error=apdu.break_on_error,
            )
            date_time = b"" if apdu.date_time is None else cosem_datetime(apdu.date_time)
            return (
                bytes([DATA_NOTIFICATION_TAG])
                + flags.to_bytes()
                + _length(len(date_time))
                + date_time
                + encode_data(apdu.body)
            )
    raise BenchUsageError(f"not a DLMS/COSEM APDU the bench encodes: {apdu!r}")


def _read_invoke_id_and_priority(reader: _Reader) -> dict[str, Any]:
    octet = reader.octet("Invoke-Id-And-Priority")
    if octet & 0x30:
        raise DlmsError(f"Invoke-Id-And-Priority {octet:#04x} sets the reserved bits 4-5")
    with _translated("Invoke-Id-And-Priority"):
        fields = _xdlms.InvokeIdAndPriority.from_bytes(bytes([octet]))
    return {
        "invoke_id": fields.invoke_id,
        "confirmed": fields.confirmed,
        "high_priority": fields.high_priority,
    }


def _read_choice(reader: _Reader, what: str) -> None:
    choice = reader.octet(f"{what} choice")
    if choice != _NORMAL:
        raise DlmsError(f"{what} choice {choice} is not modelled: the bench uses only -Normal (1)")


def _read_result(reader: _Reader) -> DataAccessResult:
    value = reader.octet("Data-Access-Result")
    try:
        return DataAccessResult(value)
    except ValueError:
        raise DlmsError(f"Data-Access-Result {value} is not defined by IEC 62056-5-3") from None


def _decode_get_request(reader: _Reader) -> GetRequest:
    _read_choice(reader, "GET-Request")
    invoke = _read_invoke_id_and_priority(reader)
    attribute = _read_attribute(reader)
    present = reader.octet("access-selection presence")
    if present not in (0, 1):
        raise DlmsError(f"access-selection presence octet {present:#04x} is neither 0 nor 1")
    date_range = _read_range(reader) if present else None
    reader.end("GET-Request-Normal")
    return GetRequest(attribute=attribute, range=date_range, **invoke)


def _decode_get_response(reader: _Reader) -> GetResponse:
    _read_choice(reader, "GET-Response")
    invoke = _read_invoke_id_and_priority(reader)
    choice = reader.octet("Get-Data-Result choice")
    if choice == 0:
        response = GetResponse(data=_read_data(reader, 0), **invoke)
    elif choice == 1:
        response = GetResponse(error=_read_result(reader), **invoke)
    else:
        raise DlmsError(f"Get-Data-Result choice {choice} is neither data (0) nor data-access-result (1)")
    reader.end("GET-Response-Normal")
    return response


def _decode_set_request(reader: _Reader) -> SetRequest:
    _read_choice(reader, "SET-Request")
    invoke = _read_invoke_id_and_priority(reader)
    attribute = _read_attribute(reader)
    present = reader.octet("access-selection presence")
    if present != 0:
        raise DlmsError(
            f"SET-Request-Normal access-selection octet {present:#04x}: selective SET is not modelled"
        )
    data = _read_data(reader, 0)
    reader.end("SET-Request-Normal")
    return SetRequest(attribute=attribute, data=data, **invoke)


def _decode_set_response(reader: _Reader) -> SetResponse:
    _read_choice(reader, "SET-Response")
    invoke = _read_invoke_id_and_priority(reader)
    result = _read_result(reader)
    reader.end("SET-Response-Normal")
    return SetResponse(result=result, **invoke)


def _decode_data_notification(reader: _Reader) -> DataNotification:
    raw = reader.take(4, "Long-Invoke-Id-And-Priority")
    if raw[0] & 0x0F:
        raise DlmsError(f"Long-Invoke-Id-And-Priority {raw.hex()} sets the reserved bits 24-27")
    with _translated("Long-Invoke-Id-And-Priority"):
        flags = _LongInvokeIdAndPriority.from_bytes(raw)
    size = reader.length("Data-Notification date-time length")
    if size not in (0, DATE_TIME_LENGTH):
        raise DlmsError(f"Data-Notification date-time of {size} octets: the bench models 0 (absent) or 12")
    date_time = parse_cosem_datetime(reader.take(size, "date-time")) if size else None
    if not reader.remaining:
        raise DlmsError("Data-Notification without a notification-body")
    body = _read_data(reader, 0)
    reader.end("Data-Notification")
    return DataNotification(
        invoke_id=flags.long_invoke_id,
        date_time=date_time,
        body=body,
        high_priority=flags.prioritized,
        confirmed=flags.confirmed,
        break_on_error=flags.break_on_error,
        self_descriptive=flags.self_descriptive,
    )


_DECODERS: Final = {
    GET_REQUEST_TAG: _decode_get_request,
    GET_RESPONSE_TAG: _decode_get_response,
    SET_REQUEST_TAG: _decode_set_request,
    SET_RESPONSE_TAG: _decode_set_response,
    DATA_NOTIFICATION_TAG: _decode_data_notification,
}


def decode(octets: bytes) -> Apdu:
    """The APDU the octets hold, which must be exactly one.

    Raises:
        DlmsError: empty, an APDU the bench does not model, malformed, truncated, or followed
            by more octets.
    """
    data = bytes(octets)
    if not data:
        raise DlmsError("empty APDU")
    decoder = _DECODERS.get(data[0])
    if decoder is None:
        name = _UNMODELLED_TAGS.get(data[0], "unknown")
        raise DlmsError(f"APDU tag {data[0]:#04x} ({name}) is not one the bench models")
    with _translated(f"APDU {data[0]:#04x}"):
        return decoder(_Reader(data[1:]))


# --- IEC 62056-47 UDP wrapper ----------------------------------------------------------------

WRAPPER_VERSION: Final = 1
WRAPPER_HEADER_LENGTH: Final = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Wrapped:
    """One wrapper PDU: wPorts name the application processes (1 = management, 16 = public client)."""

    source_wport: int
    destination_wport: int
    apdu: bytes

    def __post_init__(self) -> None:
        for name in ("source_wport", "destination_wport"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
                raise BenchUsageError(f"{name} {value!r} is not a Unsigned16")
        if not isinstance(self.apdu, bytes | bytearray | memoryview):
            raise BenchUsageError(f"apdu must be bytes, not {self.apdu!r}")
        object.__setattr__(self, "apdu", bytes(self.apdu))
        if len(self.apdu) > 0xFFFF:
            raise BenchUsageError(
                f"an APDU of {len(self.apdu)} octets does not fit the wrapper's length field"
            )


def wrap(apdu: bytes, *, source_wport: int = 1, destination_wport: int = 1) -> bytes:
    """The wrapper header (version 1, wPorts, length) followed by the APDU."""
    wrapped = Wrapped(source_wport=source_wport, destination_wport=destination_wport, apdu=apdu)
    header = _wrappers.WrapperHeader(
        source_wport=wrapped.source_wport,
        destination_wport=wrapped.destination_wport,
        length=len(wrapped.apdu),
    )
    return _wrappers.WrapperProtocolDataUnit(data=wrapped.apdu, wrapper_header=header).to_bytes()


def unwrap(data: bytes) -> Wrapped:
    """The wPorts and APDU of one wrapper PDU, whose length field must match exactly.

    Raises:
        DlmsError: shorter than the header, version other than 1, or a length mismatch.
    """
    data = bytes(data)
    if len(data) < WRAPPER_HEADER_LENGTH:
        raise DlmsError(f"wrapper of {len(data)} octets is shorter than its 8-octet header")
    with _translated("wrapper header"):
        header = _wrappers.WrapperHeader.from_bytes(data[:WRAPPER_HEADER_LENGTH])
    if header.version != WRAPPER_VERSION:
        raise DlmsError(f"wrapper version {header.version:#06x}, expected 0x0001")
    if header.length != len(data) - WRAPPER_HEADER_LENGTH:
        raise DlmsError(
            f"wrapper length field {header.length}, but {len(data) - WRAPPER_HEADER_LENGTH} octets follow"
        )
    return Wrapped(
        source_wport=header.source_wport,
        destination_wport=header.destination_wport,
        apdu=data[WRAPPER_HEADER_LENGTH:],
    )


# The metering profile lives in dlms_profile (it imports this module); reachable here too.
_PROFILE_NAMES: Final = frozenset(
    {
        "ProfileEntry",
        "MeterReport",
        "energy_kwh",
        "report_body",
        "parse_report",
        "profile_buffer",
        "parse_profile_buffer",
        "scaler_unit",
        "parse_scaler_unit",
        "UNIT_WH",
        "COUNTER_LIMIT",
        "PROFILE_CAPTURE_OBJECTS",
    }
)


def __getattr__(name: str) -> Any:
    if name in _PROFILE_NAMES:
        from conformance.protocols import dlms_profile

        return getattr(dlms_profile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
