"""Event notifications (``dlms.events``): golden octets both ways, rejections, random input."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import dlms
from conformance.protocols.dlms import JST, Data, DataNotification, DataType, DlmsError, events, profile
from conformance.protocols.dlms.events import EventReport
from conformance.protocols.dlms.profile import MeterReport, ProfileEntry
from conformance.protocols.errors import BenchUsageError, ProtocolError

T0 = datetime(2026, 4, 1, 0, 0, tzinfo=JST)
# 2026-04-01 00:00 JST as a COSEM date-time (see tests/protocols/dlms/support.py): weekday ff,
# deviation fde4 = -540, clock status 00.
T0_OCTETS = "07ea 04 01 ff 00000000 fde4 00"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


VECTORS = [
    pytest.param(
        # 02 05 structure of five: 09 06 logical name 0.0.96.11.0.255, 12 0001 code 1,
        # 09 0c the date-time, 0a 0c "dos-detected", 0c 09 "DoS検知" in UTF-8 (検 e6a49c, 知 e79fa5).
        f"0205 0906 0000600b00ff 120001 090c {T0_OCTETS} 0a0c 646f732d6465746563746564"
        " 0c09 446f53e6a49ce79fa5",
        EventReport(kind="dos-detected", detail="DoS検知", time=T0),
        id="dos-detected, Japanese detail",
    ),
    pytest.param(
        # A kind the table does not list travels with code ffff; an empty detail is 0c 00.
        f"0205 0906 0000600b00ff 12ffff 090c {T0_OCTETS} 0a07 6c65642d6f6666 0c00",
        EventReport(kind="led-off", detail="", time=T0),
        id="unlisted kind",
    ),
]


@pytest.mark.parametrize(("octets", "report"), VECTORS)
def test_event_body_golden_octets_both_ways(octets: str, report: EventReport) -> None:
    assert dlms.encode_data(events.event_body(report)) == h(octets)
    body = dlms.decode_data(h(octets))
    assert events.is_event_body(body)
    assert events.parse_event(body) == report


def test_the_notification_is_a_data_notification_with_the_event_body() -> None:
    report = EventReport(kind="dos-detected", detail="DoS検知", time=T0)
    apdu = events.event_notification(report, invoke_id=7, sent=T0)
    # 0f Data-Notification, long-invoke-id 7, 0c date-time, then the body.
    expected = h(f"0f 00000007 0c {T0_OCTETS}") + h(VECTORS[0].values[0])
    assert dlms.encode(apdu) == expected
    decoded = dlms.decode(expected)
    assert isinstance(decoded, DataNotification)
    assert events.parse_event(decoded.body) == report


def test_a_meter_report_is_not_an_event() -> None:
    entries = (ProfileEntry(capture_time=T0, import_wh=1, export_wh=0),)
    report = MeterReport(meter_id=b"\xfe\x00\x11\x22", entries=entries, scaler=0, unit=30)
    assert not events.is_event_body(profile.report_body(report))
    # Even a meter whose ID reads like the event object's name is told apart by the layout.
    lookalike = MeterReport(meter_id=bytes((0, 0, 96, 11, 0, 255)), entries=entries, scaler=0, unit=30)
    with pytest.raises(DlmsError, match="expected 5 elements"):
        events.parse_event(profile.report_body(lookalike))


def test_codes_of_the_listed_kinds() -> None:
    assert events.event_code("dos-detected") == 1
    assert events.event_code("meter-changed") == 7
    assert events.event_code("something-new") == events.UNLISTED_EVENT
    assert len(set(events.EVENT_CODES.values())) == len(events.EVENT_CODES)


@pytest.mark.parametrize(
    ("kind", "detail", "time", "message"),
    [
        ("two words", "", T0, "one word"),
        ("", "", T0, "one word"),
        ("x" * 33, "", T0, "one word"),
        ("dos-détecté", "", T0, "one word"),
        ("dos-detected", "x" * 201, T0, "200 UTF-8 octets"),
        ("dos-detected", "検" * 67, T0, "200 UTF-8 octets"),  # 201 octets
        ("dos-detected", "", datetime(2026, 4, 1), "aware|zone|tz"),
    ],
)
def test_bad_reports_are_refused_when_built(kind: str, detail: str, time: datetime, message: str) -> None:
    with pytest.raises(BenchUsageError, match=message):
        EventReport(kind=kind, detail=detail, time=time)


def _utf8(text: str) -> Data:
    return Data(type=DataType.UTF8_STRING, value=text)


def test_a_long_detail_is_cut_to_fit_on_a_character_boundary() -> None:
    assert events.fitted_detail("short") == "short"
    cut = events.fitted_detail("検" * 100)  # 300 octets: 66 characters (198 octets) fit
    assert cut == "検" * 66
    assert EventReport(kind="dos-detected", detail=cut, time=T0).detail == cut


def _body(*items: Data) -> Data:
    return dlms.structure(*items)


NAME = dlms.octet_string(bytes((0, 0, 96, 11, 0, 255)))
WHEN = dlms.date_time_data(T0)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (dlms.unsigned(1), "not an event report"),
        (_body(), "not an event report"),
        (_body(dlms.octet_string(b"\x00\x00\x60\x0b\x01\xff")), "not an event report"),
        (_body(NAME, dlms.long_unsigned(1), WHEN, dlms.visible_string("dos-detected")), "5 elements"),
        (
            _body(NAME, dlms.unsigned(1), WHEN, dlms.visible_string("x"), dlms.visible_string("")),
            "event code",
        ),
        (
            _body(NAME, dlms.long_unsigned(2), WHEN, dlms.visible_string("dos-detected"), _utf8("")),
            "does not match",
        ),
        (
            _body(NAME, dlms.long_unsigned(1), WHEN, dlms.octet_string(b"dos-detected"), _utf8("")),
            "event kind",
        ),
        (
            _body(
                NAME,
                dlms.long_unsigned(1),
                WHEN,
                dlms.visible_string("dos-detected"),
                dlms.visible_string(""),
            ),
            "event detail",
        ),
        (
            _body(
                NAME,
                dlms.long_unsigned(1),
                dlms.octet_string(b"\x00" * 12),
                dlms.visible_string("dos-detected"),
                _utf8(""),
            ),
            "event time",
        ),
        (
            _body(NAME, dlms.long_unsigned(0xFFFF), WHEN, dlms.visible_string("a b"), _utf8("")),
            "one word",
        ),
    ],
)
def test_malformed_event_reports_are_protocol_errors(body: Data, message: str) -> None:
    with pytest.raises(DlmsError, match=message):
        events.parse_event(body)


@given(st.binary(max_size=120))
def test_random_octets_give_a_protocol_error_or_a_report(octets: bytes) -> None:
    try:
        body = dlms.decode_data(octets)
        if events.is_event_body(body):
            assert isinstance(events.parse_event(body), EventReport)
    except ProtocolError:
        pass


@given(
    st.sampled_from(["dos-detected", "auth-failure", "firmware-installed", "x-1"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=60),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(JST)),
)
def test_round_trip(kind: str, detail: str, when: datetime) -> None:
    when = when.replace(microsecond=when.microsecond // 10_000 * 10_000)  # hundredths only
    report = EventReport(kind=kind, detail=detail, time=when)
    body = dlms.decode_data(dlms.encode_data(events.event_body(report)))
    assert events.parse_event(body) == report
