"""DLMS/COSEM application codec of the IoT route, on top of ``dlms-cosem``.

NAT guideline 2-5: 「電力SMに送信する際はDLMS/COSEMに従ったフォーマットに変換し、積算電力量をkWh単位
（小数点以下第三位が1Wh単位となる）で送信すること」. The IoT-route application specification that
fixes the exact objects is not public, so the bench models it with standard DLMS/COSEM:

* xDLMS APDUs of IEC 62056-5-3 (the Green Book), unciphered: GET-Request-Normal (with the
  range_descriptor selective access of the load profile), GET-Response-Normal, SET-Request-Normal,
  SET-Response-Normal and Data-Notification, A-XDR encoded from the standard's xDLMS ASN.1;
* a pre-established application association, so no AARQ/AARE is exchanged;
* COSEM objects of IEC 62056-6-2 (the Blue Book) named by IEC 62056-6-1 OBIS codes (the
  constants of ``objects``);
* the IEC 62056-47 UDP wrapper (version 1, source wPort, destination wPort, length) on
  ``DLMS_PORT``.

Not modelled, and rejected with ``DlmsError`` naming them: block transfer, GET/SET-With-List,
ACTION, ciphered APDUs, compact-array, and selective access other than range_descriptor over the
clock. The bench's metering profile on top (the push body, the load-profile buffer, kWh from
scaler_unit) lives in ``profile``, the event reports of a terminal in ``events``.

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

The package is cut by role: ``axdr`` (the Data CHOICE and its A-XDR codec), ``date_time``
(the COSEM date-time), ``objects`` (OBIS codes, attribute descriptors, selective access),
``apdus`` (xDLMS APDUs), ``wrapper`` (the UDP wrapper and ``DLMS_PORT``), ``profile`` and
``events`` (the bench's models on top). Every public name is re-exported here, so
``from conformance.protocols import dlms`` and ``dlms.GetRequest`` or ``dlms.MeterReport``
are all a caller needs.
"""

from __future__ import annotations

from .apdus import (
    DATA_NOTIFICATION_TAG,
    GET_REQUEST_TAG,
    GET_RESPONSE_TAG,
    SET_REQUEST_TAG,
    SET_RESPONSE_TAG,
    Apdu,
    DataAccessResult,
    DataNotification,
    GetRequest,
    GetResponse,
    SetRequest,
    SetResponse,
    decode,
    encode,
)
from .axdr import (
    Data,
    DataType,
    DataValue,
    DlmsError,
    array,
    as_bytes,
    as_int,
    as_items,
    boolean,
    decode_data,
    double_long,
    double_long_unsigned,
    encode_data,
    enum,
    integer,
    long,
    long64,
    long64_unsigned,
    long_unsigned,
    null_data,
    octet_string,
    structure,
    unsigned,
    unsigned_long,
    visible_string,
)
from .date_time import (
    DATE_TIME_LENGTH,
    DEVIATION_NOT_SPECIFIED,
    JST,
    ClockStatus,
    as_datetime,
    cosem_datetime,
    date_time_data,
    parse_clock_status,
    parse_cosem_datetime,
)
from .events import (
    EVENT_CODES,
    EVENT_OBJECT,
    KIND_PATTERN,
    MAX_DETAIL_OCTETS,
    UNLISTED_EVENT,
    EventReport,
    event_body,
    event_code,
    event_notification,
    fitted_detail,
    is_event_body,
    parse_event,
)
from .objects import (
    AUTH_PASSWORD,
    BUFFER_ATTRIBUTE,
    CAPTURE_PERIOD_ATTRIBUTE,
    CLOCK,
    EXPORT_ENERGY,
    IMPORT_ENERGY,
    LOAD_PROFILE,
    METER_ID,
    RANGE_RESTRICTING_OBJECT,
    SCALER_UNIT_ATTRIBUTE,
    TERMINAL_ID,
    UPLOAD_INTERVAL,
    VALUE_ATTRIBUTE,
    CosemAttribute,
    DateRange,
    InterfaceClass,
)
from .profile import (
    COUNTER_LIMIT,
    DEFAULT_MODEL,
    PROFILE_CAPTURE_OBJECTS,
    UNIT_WH,
    MeterReport,
    ObjectModel,
    ProfileEntry,
    energy_kwh,
    parse_profile_buffer,
    parse_report,
    parse_scaler_unit,
    profile_buffer,
    report_body,
    scaler_unit,
)
from .wrapper import (
    DLMS_PORT,
    WRAPPER_HEADER_LENGTH,
    WRAPPER_VERSION,
    Wrapped,
    unwrap,
    wrap,
)

__all__ = [
    "AUTH_PASSWORD",
    "BUFFER_ATTRIBUTE",
    "CAPTURE_PERIOD_ATTRIBUTE",
    "CLOCK",
    "COUNTER_LIMIT",
    "DATA_NOTIFICATION_TAG",
    "DATE_TIME_LENGTH",
    "DEFAULT_MODEL",
    "DEVIATION_NOT_SPECIFIED",
    "DLMS_PORT",
    "EVENT_CODES",
    "EVENT_OBJECT",
    "EXPORT_ENERGY",
    "GET_REQUEST_TAG",
    "GET_RESPONSE_TAG",
    "IMPORT_ENERGY",
    "JST",
    "KIND_PATTERN",
    "LOAD_PROFILE",
    "MAX_DETAIL_OCTETS",
    "METER_ID",
    "PROFILE_CAPTURE_OBJECTS",
    "RANGE_RESTRICTING_OBJECT",
    "SCALER_UNIT_ATTRIBUTE",
    "SET_REQUEST_TAG",
    "SET_RESPONSE_TAG",
    "TERMINAL_ID",
    "UNIT_WH",
    "UNLISTED_EVENT",
    "UPLOAD_INTERVAL",
    "VALUE_ATTRIBUTE",
    "WRAPPER_HEADER_LENGTH",
    "WRAPPER_VERSION",
    "Apdu",
    "ClockStatus",
    "CosemAttribute",
    "Data",
    "DataAccessResult",
    "DataNotification",
    "DataType",
    "DataValue",
    "DateRange",
    "DlmsError",
    "EventReport",
    "GetRequest",
    "GetResponse",
    "InterfaceClass",
    "MeterReport",
    "ObjectModel",
    "ProfileEntry",
    "SetRequest",
    "SetResponse",
    "Wrapped",
    "array",
    "as_bytes",
    "as_datetime",
    "as_int",
    "as_items",
    "boolean",
    "cosem_datetime",
    "date_time_data",
    "decode",
    "decode_data",
    "double_long",
    "double_long_unsigned",
    "encode",
    "encode_data",
    "energy_kwh",
    "enum",
    "event_body",
    "event_code",
    "event_notification",
    "fitted_detail",
    "integer",
    "is_event_body",
    "long",
    "long64",
    "long64_unsigned",
    "long_unsigned",
    "null_data",
    "octet_string",
    "parse_clock_status",
    "parse_cosem_datetime",
    "parse_event",
    "parse_profile_buffer",
    "parse_report",
    "parse_scaler_unit",
    "profile_buffer",
    "report_body",
    "scaler_unit",
    "structure",
    "unsigned",
    "unsigned_long",
    "unwrap",
    "visible_string",
    "wrap",
]
