"""COSEM objects the bench uses, and how a GET or SET names them (IEC 62056-6-1, -6-2, -5-3).

The OBIS codes (IEC 62056-6-1) and interface classes (IEC 62056-6-2 section 4.3) of the
objects the IoT route carries; ``CosemAttribute`` is the Cosem-Attribute-Descriptor
(class-id, instance-id, attribute-id) of IEC 62056-5-3; ``DateRange`` is the only
selective access the bench models: range_descriptor (selector 1) over the clock column
of a profile generic (IEC 62056-6-2 4.3.6), all columns selected.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Final

from dlms_cosem import cosem as _cosem

from conformance.protocols.dlms.axdr import (
    Data,
    DataType,
    DlmsError,
    _expect,
    _read_data,
    _Reader,
    as_bytes,
    as_int,
    as_items,
)
from conformance.protocols.dlms.date_time import _deviation, as_datetime
from conformance.protocols.errors import BenchUsageError

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
