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

The objects, attributes and layout above are the bench's default **object model**
(``ObjectModel``, ``DEFAULT_MODEL``). An operator's IoT-route profile may give the same
objects other OBIS codes or attribute numbers, another column order in the load profile
(the capture objects, IEC 62056-6-2 4.3.6: the order of ``capture_objects`` *is* the order of
an entry's columns) or another order of the report's three fields; a declaration names its
model in a YAML file (``conformance/ics.py``, ``conformance/declarations/object-model.yaml``)
and the HES twin and the terminal twin read it, so a terminal built for that profile is
judged without code changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, Literal

from conformance.protocols.dlms import axdr, date_time, objects
from conformance.protocols.dlms.axdr import Data, DataType, DlmsError
from conformance.protocols.dlms.objects import (
    AUTH_PASSWORD,
    CLOCK,
    EXPORT_ENERGY,
    IMPORT_ENERGY,
    LOAD_PROFILE,
    METER_ID,
    TERMINAL_ID,
    UPLOAD_INTERVAL,
    CosemAttribute,
    InterfaceClass,
)
from conformance.protocols.errors import BenchUsageError

ReportField = Literal["meter_id", "entries", "scaler_unit"]
EntryColumn = Literal["capture_time", "import", "export"]

UNIT_WH: Final = 30  # IEC 62056-6-2 unit enumeration: active energy, Wh
COUNTER_LIMIT: Final = 99_999_999  # the lower 8 digits of the 9-digit Wh counter


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectModel:
    """The COSEM objects an operator's IoT-route profile uses, and its report layout.

    Each object is a Cosem-Attribute-Descriptor (class-id, OBIS, attribute-id); the load
    profile's buffer and capture_period are two attributes of one profile generic object.
    ``columns`` are the buffer's columns in order (clock time, import, export in some order,
    ``capture_objects`` the matching capture objects); ``report_fields`` the order of the
    push body's meter ID, entries and scaler_unit.
    """

    name: str
    clock: CosemAttribute
    meter_id: CosemAttribute
    terminal_id: CosemAttribute
    import_energy: CosemAttribute
    export_energy: CosemAttribute
    profile_buffer: CosemAttribute
    capture_period: CosemAttribute
    upload_interval: CosemAttribute
    auth_password: CosemAttribute
    columns: tuple[EntryColumn, ...] = ("capture_time", "import", "export")
    report_fields: tuple[ReportField, ...] = ("meter_id", "entries", "scaler_unit")

    def __post_init__(self) -> None:
        if sorted(self.columns) != sorted(_COLUMN_OBJECTS):
            raise BenchUsageError(
                f"columns {self.columns!r} must name each of {sorted(_COLUMN_OBJECTS)} once"
            )
        if sorted(self.report_fields) != sorted(("meter_id", "entries", "scaler_unit")):
            raise BenchUsageError(f"report_fields {self.report_fields!r} must name each field once")
        if self.profile_buffer.obis != self.capture_period.obis:
            raise BenchUsageError("the buffer and the capture_period are attributes of one profile object")

    @property
    def capture_objects(self) -> tuple[CosemAttribute, ...]:
        """The buffer's capture objects, one per column of an entry, in ``columns`` order."""
        return tuple(getattr(self, _COLUMN_OBJECTS[column]) for column in self.columns)

    def settable(self) -> dict[tuple[str, int], str]:
        """(OBIS, attribute) of what the SM system may SET, by setting name."""
        return {
            _key(self.clock): "clock",
            _key(self.capture_period): "granularity_s",
            _key(self.upload_interval): "upload_interval_s",
            _key(self.auth_password): "password",
            _key(self.terminal_id): "authentication_id",
        }


def _key(attribute: CosemAttribute) -> tuple[str, int]:
    return (attribute.obis, attribute.attribute)


_COLUMN_OBJECTS: Final = {"capture_time": "clock", "import": "import_energy", "export": "export_energy"}


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


def _entry_data(entry: ProfileEntry, model: ObjectModel) -> Data:
    cells = {
        "capture_time": date_time.date_time_data(entry.capture_time),
        "import": axdr.double_long_unsigned(entry.import_wh),
        "export": axdr.double_long_unsigned(entry.export_wh),
    }
    return axdr.structure(*(cells[column] for column in model.columns))


def _parse_entry(data: Data, what: str, model: ObjectModel) -> ProfileEntry:
    cells = dict(
        zip(model.columns, axdr.as_items(data, DataType.STRUCTURE, length=3, what=what), strict=True)
    )
    capture_time, imported, exported = cells["capture_time"], cells["import"], cells["export"]
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


def profile_buffer(entries: Sequence[ProfileEntry], model: ObjectModel | None = None) -> Data:
    """The buffer attribute's array of entries, as a GET with range access returns it."""
    model = model or DEFAULT_MODEL
    return axdr.array(*(_entry_data(entry, model) for entry in entries))


def parse_profile_buffer(data: Data, model: ObjectModel | None = None) -> tuple[ProfileEntry, ...]:
    """The entries of a buffer array.

    Raises:
        DlmsError: not an array of {octet-string date-time, double-long-unsigned × 2} within
            the 8-digit counter range.
    """
    if not isinstance(data, Data):
        raise BenchUsageError(f"the buffer must be Data, not {data!r}")
    model = model or DEFAULT_MODEL
    items = axdr.as_items(data, DataType.ARRAY, what="buffer")
    return tuple(_parse_entry(item, f"buffer entry {index}", model) for index, item in enumerate(items, 1))


def report_body(report: MeterReport, model: ObjectModel | None = None) -> Data:
    """The Data-Notification body carrying ``report`` (layout in the module docstring, fields
    and columns in the order of ``model``)."""
    model = model or DEFAULT_MODEL
    fields = {
        "meter_id": axdr.octet_string(report.meter_id),
        "entries": profile_buffer(report.entries, model),
        "scaler_unit": scaler_unit(report.scaler, report.unit),
    }
    return axdr.structure(*(fields[name] for name in model.report_fields))


def parse_report(body: Data, model: ObjectModel | None = None) -> MeterReport:
    """The meter report a Data-Notification body carries.

    Raises:
        DlmsError: the body does not have the profile's layout, or a value is out of range.
    """
    if not isinstance(body, Data):
        raise BenchUsageError(f"the body must be Data, not {body!r}")
    model = model or DEFAULT_MODEL
    fields = axdr.as_items(body, DataType.STRUCTURE, length=3, what="report body")
    named = dict(zip(model.report_fields, fields, strict=True))
    meter_id, entries, units = named["meter_id"], named["entries"], named["scaler_unit"]
    scaler, unit = parse_scaler_unit(units, what="report scaler_unit")
    return MeterReport(
        meter_id=axdr.as_bytes(meter_id, what="report meter_id"),
        entries=tuple(
            _parse_entry(item, f"report entry {index}", model)
            for index, item in enumerate(axdr.as_items(entries, DataType.ARRAY, what="report entries"), 1)
        ),
        scaler=scaler,
        unit=unit,
    )


# The bench's own model (the objects of ``objects``); conformance/declarations/object-model.yaml
# writes it out as data, and tests/protocols/dlms/test_profile.py checks the two agree.
DEFAULT_MODEL: Final = ObjectModel(
    name="bench default (IEC 62056-6-2 objects)",
    clock=CosemAttribute(InterfaceClass.CLOCK, CLOCK, objects.VALUE_ATTRIBUTE),
    meter_id=CosemAttribute(InterfaceClass.DATA, METER_ID, objects.VALUE_ATTRIBUTE),
    terminal_id=CosemAttribute(InterfaceClass.DATA, TERMINAL_ID, objects.VALUE_ATTRIBUTE),
    import_energy=CosemAttribute(InterfaceClass.REGISTER, IMPORT_ENERGY, objects.VALUE_ATTRIBUTE),
    export_energy=CosemAttribute(InterfaceClass.REGISTER, EXPORT_ENERGY, objects.VALUE_ATTRIBUTE),
    profile_buffer=CosemAttribute(InterfaceClass.PROFILE_GENERIC, LOAD_PROFILE, objects.BUFFER_ATTRIBUTE),
    capture_period=CosemAttribute(
        InterfaceClass.PROFILE_GENERIC, LOAD_PROFILE, objects.CAPTURE_PERIOD_ATTRIBUTE
    ),
    upload_interval=CosemAttribute(InterfaceClass.DATA, UPLOAD_INTERVAL, objects.VALUE_ATTRIBUTE),
    auth_password=CosemAttribute(InterfaceClass.DATA, AUTH_PASSWORD, objects.VALUE_ATTRIBUTE),
)
PROFILE_CAPTURE_OBJECTS: Final = DEFAULT_MODEL.capture_objects
