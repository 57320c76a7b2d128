"""Event notifications on the IoT route: how a terminal tells the SM system what happened.

NAT seed 3-1 ④ 「外部等からのDoS攻撃を検知する機能を有すること」 and ⑤ 「アクセスログやイベントログ
等を証跡として保持」 ask the terminal to detect and keep evidence; the SM system can only act on a
detection (NAT-3.4-CUT: 「異常な通信を検知した場合…切断」) if the terminal reports it. The IoT-route
application specification is not public, so the bench models an event report with standard
DLMS/COSEM: a Data-Notification (IEC 62056-5-3, the same APDU as the meter report) whose body
starts with the logical name of an event code object (IEC 62056-6-1 OBIS group C=96, D=11,
"event code objects"; 0.0.96.11.0.255 is the standard event log's). A head-end tells it from a
meter report (``profile.report_body``, which starts with the meter ID and has three
elements) by that first element and the element count::

    structure {
        octet-string logical_name,    -- 00 00 60 0b 00 ff: the event code object
        long-unsigned event_code,     -- EVENT_CODES[kind]; UNLISTED_EVENT for any other kind
        octet-string event_time,      -- COSEM date-time (12 octets) of the terminal's clock
        visible-string kind,          -- one word: "dos-detected", "auth-failure", ...
        utf8-string detail }          -- free text for the operator

The kind travels as text so functions can add kinds without a new code; the numeric code is
there for a head-end that files events by number. The event time is when the event happened:
a terminal that was off the network sends it later, in a notification with a later date-time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from conformance.protocols.dlms import apdus, axdr, date_time
from conformance.protocols.dlms.axdr import Data, DataType, DlmsError
from conformance.protocols.errors import BenchUsageError

EVENT_OBJECT: Final = "0.0.96.11.0.255"  # IEC 62056-6-1: event code object, standard event log
_EVENT_OBJECT_NAME: Final = bytes((0, 0, 96, 11, 0, 255))
_BODY_ELEMENTS: Final = 5

# The bench's event codes (the IoT-route specification's are not public), one per kind of the
# maintenance port's logs (conformance/protocols/maintenance.py). A kind not listed still travels, with
# UNLISTED_EVENT: the kind text is what names it.
EVENT_CODES: Final = {
    "dos-detected": 1,  # NAT-3.1-T4
    "auth-failure": 2,  # NAT-3.1-T5
    "auth-success": 3,
    "setting-changed": 4,
    "firmware-installed": 5,  # NAT-3.1-T6
    "firmware-refused": 6,
    "meter-changed": 7,  # NAT-3.1-T3
    "meter-identified": 8,
    "session-ended": 9,
    "power-on": 10,
}
UNLISTED_EVENT: Final = 0xFFFF

KIND_PATTERN: Final = re.compile(r"[!-~]{1,32}")  # one word of visible ASCII (no space)
MAX_DETAIL_OCTETS: Final = 200  # keeps the notification within one 6LoWPAN frame


def fitted_detail(text: str) -> str:
    """``text`` cut to the longest prefix that fits ``MAX_DETAIL_OCTETS`` of UTF-8."""
    return text.encode("utf-8")[:MAX_DETAIL_OCTETS].decode("utf-8", "ignore")


def event_code(kind: str) -> int:
    """The numeric code the bench files ``kind`` under."""
    return EVENT_CODES.get(kind, UNLISTED_EVENT)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventReport:
    """One event a terminal reports: what kind, when (its clock), and a text for people."""

    kind: str
    detail: str
    time: datetime

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or not KIND_PATTERN.fullmatch(self.kind):
            raise BenchUsageError(
                f"event kind {self.kind!r} is not one word of 1-32 visible ASCII characters"
            )
        if not isinstance(self.detail, str) or len(self.detail.encode("utf-8")) > MAX_DETAIL_OCTETS:
            raise BenchUsageError(f"event detail must be text of at most {MAX_DETAIL_OCTETS} UTF-8 octets")
        date_time.cosem_datetime(self.time)  # aware, and representable as a COSEM date-time

    @property
    def code(self) -> int:
        return event_code(self.kind)


def event_body(report: EventReport) -> Data:
    """The Data-Notification body that carries ``report`` (layout in the module docstring)."""
    return axdr.structure(
        axdr.octet_string(_EVENT_OBJECT_NAME),
        axdr.long_unsigned(report.code),
        date_time.date_time_data(report.time),
        axdr.visible_string(report.kind),
        Data(type=DataType.UTF8_STRING, value=report.detail),
    )


def event_notification(report: EventReport, *, invoke_id: int, sent: datetime) -> apdus.DataNotification:
    """The Data-Notification a terminal sends at ``sent`` to report ``report``."""
    return apdus.DataNotification(invoke_id=invoke_id, date_time=sent, body=event_body(report))


def is_event_body(body: Data) -> bool:
    """Whether a Data-Notification body is an event report rather than a meter report."""
    if not isinstance(body, Data):
        raise BenchUsageError(f"the body must be Data, not {body!r}")
    if body.type is not DataType.STRUCTURE or not body.value:
        return False
    first = body.value[0]
    return first.type is DataType.OCTET_STRING and first.value == _EVENT_OBJECT_NAME


def parse_event(body: Data) -> EventReport:
    """The event report a Data-Notification body carries.

    Raises:
        DlmsError: the body is not an event report of the layout above, its code does not
            match its kind, or a field is out of range.
    """
    if not is_event_body(body):
        raise DlmsError(f"not an event report: the body does not start with {EVENT_OBJECT}")
    _, code, when, kind, detail = axdr.as_items(
        body, DataType.STRUCTURE, length=_BODY_ELEMENTS, what="event report"
    )
    number = axdr.as_int(code, DataType.LONG_UNSIGNED, what="event code")
    if kind.type is not DataType.VISIBLE_STRING:
        raise DlmsError(f"event kind: expected visible-string, got {kind.type.name.lower()}")
    if detail.type is not DataType.UTF8_STRING:
        raise DlmsError(f"event detail: expected utf8-string, got {detail.type.name.lower()}")
    if when.type is not DataType.OCTET_STRING:
        raise DlmsError(f"event time: expected octet-string, got {when.type.name.lower()}")
    try:
        report = EventReport(
            kind=kind.value, detail=detail.value, time=date_time.as_datetime(when, what="event time")
        )
    except BenchUsageError as exc:
        raise DlmsError(f"event report: {exc}") from None
    if number != report.code:
        raise DlmsError(f"event code {number} does not match kind {report.kind!r} ({report.code})")
    return report
