"""xDLMS APDUs of IEC 62056-5-3 (the Green Book), unciphered, A-XDR encoded.

GET-Request-Normal (with the range_descriptor selective access of the load profile),
GET-Response-Normal, SET-Request-Normal, SET-Response-Normal and Data-Notification, each a
frozen dataclass checked when built; ``encode`` and ``decode`` are exact inverses for
canonical octets. The association is pre-established, so no AARQ/AARE is exchanged. Not
modelled, and refused with ``DlmsError`` naming them: block transfer, GET/SET-With-List,
ACTION, ciphered APDUs. dlms-cosem encodes most APDUs; the GET-Response with data and the
Data-Notification are written here (the bugs are described at the place), and every
decoder is written here, strict about structure (every octet accounted for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Any, Final, TypeAlias

from dlms_cosem import cosem as _cosem
from dlms_cosem import enumerations as _enumerations
from dlms_cosem.cosem.capture_object import CaptureObject as _CaptureObject
from dlms_cosem.cosem.selective_access import RangeDescriptor as _RangeDescriptor
from dlms_cosem.protocol import xdlms as _xdlms
from dlms_cosem.protocol.xdlms.data_notification import LongInvokeIdAndPriority as _LongInvokeIdAndPriority

from conformance.protocols.dlms.axdr import (
    Data,
    DlmsError,
    _length,
    _read_data,
    _Reader,
    _translated,
    encode_data,
)
from conformance.protocols.dlms.date_time import (
    DATE_TIME_LENGTH,
    _deviation,
    cosem_datetime,
    parse_cosem_datetime,
)
from conformance.protocols.dlms.objects import (
    VALUE_ATTRIBUTE,
    CosemAttribute,
    DateRange,
    _dlms_cosem_attribute,
    _read_attribute,
    _read_range,
)
from conformance.protocols.errors import BenchUsageError


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
