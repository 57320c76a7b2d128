"""The bench's metering profile over DLMS/COSEM: its model of the non-public IoT-route spec.

What the guideline fixes (NAT 2-5): the terminal reads the metering device's 9-digit Wh counter
「積算電力量9桁を取得し、下8桁に変換」 and sends it to the smart meter in DLMS/COSEM 「kWh単位
（小数点以下第三位が1Wh単位となる）」. The IoT-route application specification that says how is
not public; the bench models it with IEC 62056-6-2 objects (``objects`` has the OBIS codes):

* the counters are the lower 8 digits of the 9-digit Wh counters, 0..99 999 999: forward (import,
  ECHONET 0xE0, register ``IMPORT_ENERGY``) and reverse (export, 0xE2, ``EXPORT_ENERGY``);
* their unit is given as an IEC 62056-6-2 scaler_unit (4.3.2): value × 10^scaler in ``unit``.
  The reference terminal sends scaler 0 with unit 30 (Wh), so one count is 1 Wh = 0.001 kWh:
  the guideline's "kWh with three decimals, the third being 1 Wh". A terminal that sends scaler 3
  (claiming kWh) with the Wh count is wrong by 1000x; ``energy_kwh`` computes what a head-end
  reads from any scaler;
* the load profile ``LOAD_PROFILE`` (profile generic, class 7) has the capture objects
  ``PROFILE_CAPTURE_OBJECTS`` (clock time, import value, export value); its capture_period
  (attribute 4, double-long-unsigned seconds) is the metering granularity; a head-end fetches
  missing ranges (missing-data completion) by GET of the buffer (attribute 2) with
  range_descriptor access over the clock (``objects.DateRange``), answered by ``profile_buffer``;
* at each upload the terminal pushes a Data-Notification whose body is ``report_body``::

      structure {
          octet-string meter_id,                       -- the metering device's ID (ECHONET 0xD1)
          array of structure {                         -- the buffer entries since the last upload
              octet-string capture_time,               -- COSEM date-time, 12 octets
              double-long-unsigned import, double-long-unsigned export },
          structure { integer scaler, enum unit } }    -- scaler_unit of both counters
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final

from conformance.protocols.dlms import axdr, date_time, objects
from conformance.protocols.dlms.axdr import Data, DataType, DlmsError
from conformance.protocols.dlms.objects import (
    CLOCK,
    EXPORT_ENERGY,
    IMPORT_ENERGY,
    CosemAttribute,
    InterfaceClass,
)
from conformance.protocols.errors import BenchUsageError

UNIT_WH: Final = 30  # IEC 62056-6-2 unit enumeration: active energy, Wh
COUNTER_LIMIT: Final = 99_999_999  # the lower 8 digits of the 9-digit Wh counter

PROFILE_CAPTURE_OBJECTS: Final = (
    CosemAttribute(InterfaceClass.CLOCK, CLOCK, objects.VALUE_ATTRIBUTE),
    CosemAttribute(InterfaceClass.REGISTER, IMPORT_ENERGY, objects.VALUE_ATTRIBUTE),
    CosemAttribute(InterfaceClass.REGISTER, EXPORT_ENERGY, objects.VALUE_ATTRIBUTE),
)


def _check_integer(name: str, value: object, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BenchUsageError(f"{name} {value!r} is outside {low}..{high}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileEntry:
    """One load-profile entry: capture time and the two 8-digit Wh counters."""

    capture_time: datetime
    import_wh: int
    export_wh: int

    def __post_init__(self) -> None:
        date_time.cosem_datetime(self.capture_time)  # aware, and representable as a COSEM date-time
        _check_integer("import counter", self.import_wh, 0, COUNTER_LIMIT)
        _check_integer("export counter", self.export_wh, 0, COUNTER_LIMIT)


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterReport:
    """The push body of one upload: meter ID, entries, and the scaler_unit of the counters."""

    meter_id: bytes
    entries: tuple[ProfileEntry, ...]
    scaler: int
    unit: int

    def __post_init__(self) -> None:
        if not isinstance(self.meter_id, bytes | bytearray):
            raise BenchUsageError(f"meter_id must be bytes, not {self.meter_id!r}")
        object.__setattr__(self, "meter_id", bytes(self.meter_id))
        entries = tuple(self.entries)
        if not all(isinstance(entry, ProfileEntry) for entry in entries):
            raise BenchUsageError("entries must be ProfileEntry instances")
        object.__setattr__(self, "entries", entries)
        _check_integer("scaler", self.scaler, -128, 127)  # Integer8
        _check_integer("unit", self.unit, 0, 255)  # enum


def energy_kwh(value: int, scaler: int, unit: int) -> Decimal:
    """The energy a register value stands for, in kWh: value × 10^scaler Wh / 1000.

    Raises:
        DlmsError: the unit is not Wh (30), the only energy unit of the profile.
    """
    _check_integer("scaler", scaler, -128, 127)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BenchUsageError(f"value {value!r} is not an integer")
    if unit != UNIT_WH:
        raise DlmsError(f"energy unit {unit} is not Wh ({UNIT_WH})")
    return Decimal(value).scaleb(scaler - 3)


def scaler_unit(scaler: int, unit: int) -> Data:
    """scaler_unit: structure {integer scaler, enum unit} (IEC 62056-6-2 4.3.2)."""
    return axdr.structure(axdr.integer(scaler), axdr.enum(unit))


def parse_scaler_unit(data: Data, *, what: str = "scaler_unit") -> tuple[int, int]:
    """The (scaler, unit) of a scaler_unit structure.

    Raises:
        DlmsError: not a structure of an integer and an enum.
    """
    scaler, unit = axdr.as_items(data, DataType.STRUCTURE, length=2, what=what)
    return (
        axdr.as_int(scaler, DataType.INTEGER, what=f"{what} scaler"),
        axdr.as_int(unit, DataType.ENUM, what=f"{what} unit"),
    )


def _entry_data(entry: ProfileEntry) -> Data:
    return axdr.structure(
        date_time.date_time_data(entry.capture_time),
        axdr.double_long_unsigned(entry.import_wh),
        axdr.double_long_unsigned(entry.export_wh),
    )


def _parse_entry(data: Data, what: str) -> ProfileEntry:
    capture_time, imported, exported = axdr.as_items(data, DataType.STRUCTURE, length=3, what=what)
    if capture_time.type is not DataType.OCTET_STRING:  # the clock's time is an octet-string
        axdr.as_bytes(capture_time, what=f"{what} capture_time")
    try:
        return ProfileEntry(
            capture_time=date_time.as_datetime(capture_time, what=f"{what} capture_time"),
            import_wh=axdr.as_int(imported, DataType.DOUBLE_LONG_UNSIGNED, what=f"{what} import"),
            export_wh=axdr.as_int(exported, DataType.DOUBLE_LONG_UNSIGNED, what=f"{what} export"),
        )
    except BenchUsageError as exc:
        raise DlmsError(f"{what}: {exc}") from None


def profile_buffer(entries: Sequence[ProfileEntry]) -> Data:
    """The buffer attribute's array of entries, as a GET with range access returns it."""
    return axdr.array(*(_entry_data(entry) for entry in entries))


def parse_profile_buffer(data: Data) -> tuple[ProfileEntry, ...]:
    """The entries of a buffer array.

    Raises:
        DlmsError: not an array of {octet-string date-time, double-long-unsigned × 2} within
            the 8-digit counter range.
    """
    if not isinstance(data, Data):
        raise BenchUsageError(f"the buffer must be Data, not {data!r}")
    items = axdr.as_items(data, DataType.ARRAY, what="buffer")
    return tuple(_parse_entry(item, f"buffer entry {index}") for index, item in enumerate(items, 1))


def report_body(report: MeterReport) -> Data:
    """The Data-Notification body carrying ``report`` (layout in the module docstring)."""
    return axdr.structure(
        axdr.octet_string(report.meter_id),
        profile_buffer(report.entries),
        scaler_unit(report.scaler, report.unit),
    )


def parse_report(body: Data) -> MeterReport:
    """The meter report a Data-Notification body carries.

    Raises:
        DlmsError: the body does not have the profile's layout, or a value is out of range.
    """
    if not isinstance(body, Data):
        raise BenchUsageError(f"the body must be Data, not {body!r}")
    meter_id, entries, units = axdr.as_items(body, DataType.STRUCTURE, length=3, what="report body")
    scaler, unit = parse_scaler_unit(units, what="report scaler_unit")
    return MeterReport(
        meter_id=axdr.as_bytes(meter_id, what="report meter_id"),
        entries=tuple(
            _parse_entry(item, f"report entry {index}")
            for index, item in enumerate(axdr.as_items(entries, DataType.ARRAY, what="report entries"), 1)
        ),
        scaler=scaler,
        unit=unit,
    )
