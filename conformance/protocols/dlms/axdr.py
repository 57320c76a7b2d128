"""A-XDR Data of DLMS/COSEM: the Data CHOICE of IEC 62056-5-3, with its own strict decoder.

Theory of operation. ``Data`` is one value: the type tag of the Data CHOICE and a Python
value checked against the type when built (IEC 62056-6-2 4.1.5 common data types).
``encode_data`` writes the tag, the A-XDR length where the type has one, and the value;
``decode_data`` reads one value that must fill the octets exactly. The fixed-width integer
types are written by dlms-cosem's classes (correct, and they do the work) and read with
``int.from_bytes`` as those classes read them; the rest is written here,
because dlms-cosem's classes are mutable and cannot encode null-data, boolean or octet
strings of 128 octets and more, and its decoders accept truncated and trailing octets,
loop forever on some truncated Data and raise a dozen exception types. ``DlmsError`` is
the only exception the decoders raise for any input octets (``_translated`` turns the
rest into it). The builders below are named after the CHOICE alternatives
(``long_unsigned(900)``), the readers (``as_int``, ``as_items`` ...) check the type first.
"""

from __future__ import annotations

import contextlib
import math
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Final, TypeAlias

from dlms_cosem import dlms_data as _dlms_data

from conformance.protocols.errors import BenchUsageError, ProtocolError


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


# Looked up once, not per value: a day of metering decodes thousands of Data values, and
# calling the enum (``DataType(tag)``), building a range and spelling the type's name for
# each was a third of the A-XDR decoder's cost. A tag missing here is not a Data type.
_KINDS: Final[dict[int, DataType]] = {kind.value: kind for kind in DataType}
_NAMES: Final[dict[DataType, str]] = {kind: kind.name.lower().replace("_", "-") for kind in DataType}
_RANGES: Final[dict[DataType, range]] = {
    DataType.BCD: range(-128, 128),
    **{kind: _integer_range(kind) for kind in _INTEGER_CLASSES},
}


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
    if kind in _RANGES:
        allowed = _RANGES[kind]
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
            kind = _KINDS.get(self.type)  # as DataType(self.type) finds it, by value
        except TypeError:  # unhashable: no Data type either
            kind = None
        if kind is None:
            raise BenchUsageError(f"unknown Data type {self.type!r}")
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


def _decoded(kind: DataType, value: DataValue = None) -> Data:
    """A Data the decoder read. Its value has the type's form by construction (an integer of
    the width and signedness read, the octets taken, a tuple of Data ...), so the checks of
    ``Data.__post_init__``, half of the decoder's cost, would only say so again."""
    data = object.__new__(Data)
    object.__setattr__(data, "type", kind)
    object.__setattr__(data, "value", value)
    return data


def _read_data(reader: _Reader, depth: int) -> Data:
    tag = reader.octet("Data tag")
    kind = _KINDS.get(tag)
    if kind is None:
        raise DlmsError(f"Data tag {tag} is not a DLMS/COSEM data type")
    name = _NAMES[kind]
    if kind in (DataType.ARRAY, DataType.STRUCTURE):
        if depth >= _MAX_DEPTH:
            raise DlmsError(f"Data nested deeper than {_MAX_DEPTH} levels")
        count = reader.length(f"{name} quantity")
        if count > reader.remaining:  # every element takes at least its tag octet
            raise DlmsError(f"{name} of {count} elements in {reader.remaining} octets")
        return _decoded(kind, tuple(_read_data(reader, depth + 1) for _ in range(count)))
    if kind in _INTEGER_CLASSES:
        # What dlms-cosem's from_bytes computes, without building its attrs object first.
        raw = reader.take(_INTEGER_CLASSES[kind].LENGTH, name)
        return _decoded(kind, int.from_bytes(raw, "big", signed=kind in _SIGNED))
    if kind in (DataType.NULL_DATA, DataType.DONT_CARE):
        return _decoded(kind)
    if kind is DataType.BOOLEAN:
        return _decoded(kind, reader.octet(name) != 0)  # A-XDR: any non-zero octet is TRUE
    if kind is DataType.BCD:
        return _decoded(kind, struct.unpack(">b", reader.take(1, name))[0])
    if kind is DataType.BIT_STRING:
        bits = reader.length(f"{name} length")
        raw = reader.take((bits + 7) // 8, name)
        return _decoded(kind, "".join(f"{octet:08b}" for octet in raw)[:bits])
    if kind in (DataType.OCTET_STRING, DataType.VISIBLE_STRING, DataType.UTF8_STRING):
        raw = reader.take(reader.length(f"{name} length"), name)
        if kind is DataType.OCTET_STRING:
            return _decoded(kind, raw)
        try:
            text = raw.decode("ascii" if kind is DataType.VISIBLE_STRING else "utf-8")
        except UnicodeDecodeError as exc:
            raise DlmsError(f"{name} is not {exc.encoding}: {raw!r}") from None
        return _decoded(kind, text)
    if kind in _FLOATS:
        fmt = _FLOATS[kind]
        return _decoded(kind, struct.unpack(fmt, reader.take(struct.calcsize(fmt), name))[0])
    if kind in _FIXED_OCTETS:
        return _decoded(kind, reader.take(_FIXED_OCTETS[kind], name))
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
