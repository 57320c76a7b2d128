"""xDLMS APDUs (IEC 62056-5-3): golden vectors both ways, dlms-cosem as a decoder, round trips,
malformed octets, bench misuse, and arbitrary octets."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import pytest
from dlms_cosem import enumerations as cosem_enums
from dlms_cosem.protocol import wrappers as cosem_wrappers
from dlms_cosem.protocol import xdlms as cosem_xdlms
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.protocols import dlms
from conformance.protocols.dlms import (
    CLOCK,
    LOAD_PROFILE,
    METER_ID,
    CosemAttribute,
    DataAccessResult,
    DataNotification,
    DateRange,
    DlmsError,
    GetRequest,
    GetResponse,
    SetRequest,
    SetResponse,
    profile,
)
from conformance.protocols.dlms.profile import MeterReport, ProfileEntry
from conformance.protocols.errors import BenchUsageError, ProtocolError
from tests.protocols.dlms.support import ENTRIES_48, REPORT_48, T0, T0_OCTETS, UTC_PLUS_1, UTC_PLUS_2, h

# --- Golden and hand-checked APDU vectors: both directions ---------------------------------

APDU_VECTORS = [
    pytest.param(
        # Green Book (IEC 62056-5-3) GET-Request-Normal example: C0 get-request, 01 normal,
        # C1 invoke-id 1 | confirmed (bit 6) | high priority (bit 7), class 8, clock, attribute 2,
        # 00 no access-selection.
        "c0 01 c1 0008 0000010000ff 02 00",
        GetRequest(invoke_id=1, attribute=CosemAttribute(8, CLOCK, 2)),
        id="Green Book: GET clock time",
    ),
    pytest.param(
        # dlms-cosem tests/test_xdlms/test_get.py: Data 0.0.43.1.0.255 (invocation counter).
        "c0 01 c1 0001 00002b0100ff 02 00",
        GetRequest(invoke_id=1, attribute=CosemAttribute(1, "0.0.43.1.0.255", 2)),
        id="dlms-cosem: GET invocation counter",
    ),
    pytest.param(
        # dlms-cosem test_get.py: C4 get-response normal, Get-Data-Result 00 data,
        # 06 double-long-unsigned 0x1391 = 5009.
        "c4 01 c1 00 06 00001391",
        GetResponse(invoke_id=1, data=dlms.double_long_unsigned(5009)),
        id="dlms-cosem: GET-Response data",
    ),
    pytest.param(
        # dlms-cosem test_get.py: Get-Data-Result 01 data-access-result, 01 hardware-fault.
        "c4 01 c1 01 01",
        GetResponse(invoke_id=1, error=DataAccessResult.HARDWARE_FAULT),
        id="dlms-cosem: GET-Response error",
    ),
    pytest.param(
        # dlms-cosem tests/test_xdlms/test_set.py: SET clock time; 09 0c octet-string(12):
        # 2021-01-24, weekday ff, 14:48:57.80 (0e 30 39 50), deviation ffc4 = -60 (UTC+1), status 00.
        "c1 01 c1 0008 0000010000ff 02 00 09 0c 07e50118ff 0e303950 ffc4 00",
        SetRequest(
            invoke_id=1,
            attribute=CosemAttribute(8, CLOCK, 2),
            data=dlms.date_time_data(datetime(2021, 1, 24, 14, 48, 57, 800_000, tzinfo=UTC_PLUS_1)),
        ),
        id="dlms-cosem: SET clock time",
    ),
    pytest.param(
        # dlms-cosem test_set.py: C5 set-response normal, result 00 success.
        "c5 01 c1 00",
        SetResponse(invoke_id=1, result=DataAccessResult.SUCCESS),
        id="dlms-cosem: SET-Response success",
    ),
    pytest.param(
        # Header as in dlms-cosem test_selective_access.py test_range_descriptor1 (class 7,
        # 1.0.99.1.0.255 = 01 00 63 01 00 ff, attribute 2, 01 access-selection present), then
        # the range descriptor of its test_range_descriptor_to_bytes: selector 01, structure of 4:
        # restricting object {12 0008, 09 06 clock, 0f 02, 12 0000}, from 2020-01-01 00:03 +02:00
        # (deviation ff88 = -120), to 2020-01-06 00:03 +01:00 (ffc4), 01 00 all columns.
        "c0 01 c1 0007 0100630100ff 02 01"
        "01 0204 0204 120008 0906 0000010000ff 0f02 120000"
        "090c 07e40101ff 00030000 ff88 00 090c 07e40106ff 00030000 ffc4 00 0100",
        GetRequest(
            invoke_id=1,
            attribute=CosemAttribute(7, LOAD_PROFILE, 2),
            range=DateRange(
                datetime(2020, 1, 1, 0, 3, tzinfo=UTC_PLUS_2), datetime(2020, 1, 6, 0, 3, tzinfo=UTC_PLUS_1)
            ),
        ),
        id="dlms-cosem: GET load profile by range",
    ),
    pytest.param(
        # dlms-cosem tests/test_xdlms/test_data_notification.py: 0f, long-invoke-id 000001db,
        # 00 no date-time, body 09 22: an octet-string of 34 octets.
        "0f 000001db 00 09 22 125a859136000000004900000011000000 0a5a8513d014800000000d0000000a0100",
        DataNotification(
            invoke_id=0x1DB,
            date_time=None,
            body=dlms.octet_string(
                h("125a859136000000004900000011000000 0a5a8513d014800000000d0000000a0100")
            ),
        ),
        id="dlms-cosem: Data-Notification",
    ),
    pytest.param(
        # GET the meter ID, invoke-id 2 (c2), data 0.0.96.1.0.255 = 00 00 60 01 00 ff.
        "c0 01 c2 0001 0000600100ff 02 00",
        GetRequest(invoke_id=2, attribute=CosemAttribute(1, METER_ID, 2)),
        id="GET meter ID",
    ),
    pytest.param(
        # Its answer: 09 06 octet-string of six octets.
        "c4 01 c2 00 09 06 fe0000112233",
        GetResponse(invoke_id=2, data=dlms.octet_string(h("fe0000112233"))),
        id="GET-Response meter ID",
    ),
    pytest.param(
        # Missing-data completion: invoke-id 3 (c3), range 00:00 to 23:30 JST (17 1e 00 00).
        f"c0 01 c3 0007 0100630100ff 02 01 01 0204 0204 120008 0906 0000010000ff 0f02 120000"
        f"090c {T0_OCTETS} 090c 07ea0401ff 171e0000 fde4 00 0100",
        GetRequest(
            invoke_id=3,
            attribute=CosemAttribute(7, LOAD_PROFILE, 2),
            range=DateRange(T0, T0.replace(hour=23, minute=30)),
        ),
        id="GET load profile by JST range",
    ),
    pytest.param(
        # Its answer: array of 1, structure of 3 {09 0c date-time, 06 import 0x00bc614e = 12345678,
        # 06 export 0x0000007b = 123}.
        f"c4 01 c3 00 0101 0203 090c {T0_OCTETS} 06 00bc614e 06 0000007b",
        GetResponse(
            invoke_id=3,
            data=profile.profile_buffer([ProfileEntry(capture_time=T0, import_wh=12_345_678, export_wh=123)]),
        ),
        id="GET-Response buffer",
    ),
    pytest.param(
        # GET the clock with normal priority (bit 7 clear): 0x40 | 4 = 44.
        f"c4 01 44 00 09 0c {T0_OCTETS}",
        GetResponse(invoke_id=4, data=dlms.date_time_data(T0), high_priority=False),
        id="GET-Response clock, normal priority",
    ),
    pytest.param(
        # 0x45: confirmed, invoke-id 5, normal priority; 01 error, 04 object-undefined.
        "c4 01 45 01 04",
        GetResponse(invoke_id=5, error=DataAccessResult.OBJECT_UNDEFINED, high_priority=False),
        id="GET-Response object-undefined",
    ),
    pytest.param(
        # SET capture_period (attribute 4) to 900 s: 06 00000384.
        "c1 01 c1 0007 0100630100ff 04 00 06 00000384",
        SetRequest(
            invoke_id=1, attribute=CosemAttribute(7, LOAD_PROFILE, 4), data=dlms.double_long_unsigned(900)
        ),
        id="SET capture_period 900",
    ),
    pytest.param(
        # SET the password object 0.128.96.1.0.255 (00 80 60 01 00 ff): 09 08 "PASSWORD".
        "c1 01 c1 0001 0080600100ff 02 00 09 08 50415353574f5244",
        SetRequest(
            invoke_id=1,
            attribute=CosemAttribute(1, dlms.AUTH_PASSWORD, 2),
            data=dlms.octet_string(b"PASSWORD"),
        ),
        id="SET password",
    ),
    pytest.param(
        # SET the terminal ID 0.0.96.1.1.255: 09 04 "T001".
        "c1 01 c6 0001 0000600101ff 02 00 09 04 54303031",
        SetRequest(
            invoke_id=6, attribute=CosemAttribute(1, dlms.TERMINAL_ID, 2), data=dlms.octet_string(b"T001")
        ),
        id="SET terminal ID",
    ),
    pytest.param(
        # ... which the terminal refuses: 03 read-write-denied.
        "c5 01 c6 03",
        SetResponse(invoke_id=6, result=DataAccessResult.READ_WRITE_DENIED),
        id="SET-Response read-write-denied",
    ),
    pytest.param(
        # SET the clock with a JST date-time.
        f"c1 01 c7 0008 0000010000ff 02 00 09 0c {T0_OCTETS}",
        SetRequest(invoke_id=7, attribute=CosemAttribute(8, CLOCK, 2), data=dlms.date_time_data(T0)),
        id="SET clock JST",
    ),
    pytest.param(
        # An unconfirmed SET (bit 6 clear) at high priority: 0x80 | 1.
        "c1 01 81 0007 0100630100ff 04 00 06 00000708",
        SetRequest(
            invoke_id=1,
            attribute=CosemAttribute(7, LOAD_PROFILE, 4),
            data=dlms.double_long_unsigned(1800),
            confirmed=False,
        ),
        id="SET unconfirmed",
    ),
    pytest.param(
        # The push: long-invoke-id 00000007, 0c twelve date-time octets, body structure of 3
        # {09 02 meter id, 01 01 one entry, 02 02 {0f 00 scaler 0, 16 1e unit 30 = Wh}}.
        f"0f 00000007 0c {T0_OCTETS} 0203 0902 0102 0101 0203 090c {T0_OCTETS} 06 00bc614e 06 00000000"
        "0202 0f00 161e",
        DataNotification(
            invoke_id=7,
            date_time=T0,
            body=profile.report_body(
                MeterReport(
                    meter_id=b"\x01\x02",
                    entries=(ProfileEntry(capture_time=T0, import_wh=12_345_678, export_wh=0),),
                    scaler=0,
                    unit=30,
                )
            ),
        ),
        id="Data-Notification meter report",
    ),
    pytest.param(
        # Long-Invoke-Id-And-Priority flags: priority bit 31, confirmed 30, break-on-error 29,
        # self-descriptive 28: f0; invoke-id 0x010203.
        "0f f0010203 00 11 05",
        DataNotification(
            invoke_id=0x010203,
            date_time=None,
            body=dlms.unsigned(5),
            high_priority=True,
            confirmed=True,
            break_on_error=True,
            self_descriptive=True,
        ),
        id="Data-Notification flags",
    ),
]


@pytest.mark.parametrize(("wire", "apdu"), APDU_VECTORS)
def test_encode_matches_vector(wire: str, apdu: dlms.Apdu) -> None:
    assert dlms.encode(apdu) == h(wire)


@pytest.mark.parametrize(("wire", "apdu"), APDU_VECTORS)
def test_decode_matches_vector(wire: str, apdu: dlms.Apdu) -> None:
    assert dlms.decode(h(wire)) == apdu


def test_dlms_cosem_reads_what_we_write() -> None:
    """Interoperability: dlms-cosem's own parsers accept our encodings."""
    get = cosem_xdlms.GetRequestFactory.from_bytes(
        dlms.encode(GetRequest(invoke_id=1, attribute=CosemAttribute(8, CLOCK, 2)))
    )
    descriptor = get.cosem_attribute
    assert (descriptor.interface, descriptor.instance.to_bytes(), descriptor.attribute) == (
        8,
        h("0000010000ff"),
        2,
    )
    window = DateRange(T0, T0 + timedelta(hours=1))
    ranged = cosem_xdlms.GetRequestFactory.from_bytes(
        dlms.encode(GetRequest(invoke_id=1, attribute=CosemAttribute(7, LOAD_PROFILE, 2), range=window))
    )
    assert (ranged.access_selection.from_value, ranged.access_selection.to_value) == (
        window.start,
        window.end,
    )
    response = cosem_xdlms.GetResponseFactory.from_bytes(
        dlms.encode(GetResponse(invoke_id=3, data=dlms.double_long_unsigned(900)))
    )
    assert response.data == h("0600000384")
    error = cosem_xdlms.GetResponseFactory.from_bytes(
        dlms.encode(GetResponse(invoke_id=3, error=DataAccessResult.OBJECT_UNDEFINED))
    )
    assert error.error is cosem_enums.DataAccessResult.OBJECT_UNDEFINED
    set_request = cosem_xdlms.SetRequestFactory.from_bytes(
        dlms.encode(
            SetRequest(invoke_id=2, attribute=CosemAttribute(1, METER_ID, 2), data=dlms.octet_string(b"x"))
        )
    )
    assert set_request.data == h("090178")
    set_response = cosem_xdlms.SetResponseFactory.from_bytes(
        dlms.encode(SetResponse(invoke_id=2, result=DataAccessResult.TYPE_UNMATCHED))
    )
    assert set_response.result is cosem_enums.DataAccessResult.TYPE_UNMATCHED
    push = cosem_xdlms.DataNotification.from_bytes(
        dlms.encode(DataNotification(invoke_id=9, date_time=None, body=dlms.unsigned(1)))
    )
    assert (push.long_invoke_id_and_priority.long_invoke_id, push.body) == (9, h("1101"))
    udp = cosem_wrappers.DlmsUdpMessage.from_bytes(dlms.wrap(b"\xc5\x01\xc1\x00", source_wport=16))
    assert (udp.wrapper_header.source_wport, udp.data) == (16, b"\xc5\x01\xc1\x00")


def test_data_access_result_is_the_standard_list() -> None:
    assert {m.name: m.value for m in DataAccessResult} == {
        m.name: m.value for m in cosem_enums.DataAccessResult
    }


ROUND_TRIPS = [
    GetRequest(invoke_id=15, attribute=CosemAttribute(3, dlms.IMPORT_ENERGY, 2)),
    GetRequest(invoke_id=0, attribute=CosemAttribute(3, dlms.EXPORT_ENERGY, 3), high_priority=False),
    GetRequest(
        invoke_id=9, attribute=CosemAttribute(7, LOAD_PROFILE, 2), range=DateRange(T0, T0 + timedelta(days=7))
    ),
    GetRequest(invoke_id=1, attribute=CosemAttribute(0xFFFF, "255.255.255.255.255.255", -128)),
    GetResponse(invoke_id=9, data=profile.profile_buffer(ENTRIES_48)),
    GetResponse(invoke_id=9, data=profile.profile_buffer(())),
    GetResponse(invoke_id=2, data=profile.scaler_unit(0, 30)),
    SetRequest(invoke_id=3, attribute=CosemAttribute(8, CLOCK, 2), data=dlms.date_time_data(T0)),
    SetRequest(
        invoke_id=4, attribute=CosemAttribute(7, LOAD_PROFILE, 4), data=dlms.double_long_unsigned(300)
    ),
    SetRequest(
        invoke_id=4, attribute=CosemAttribute(7, LOAD_PROFILE, 4), data=dlms.double_long_unsigned(3600)
    ),
    SetRequest(
        invoke_id=5, attribute=CosemAttribute(1, dlms.AUTH_PASSWORD, 2), data=dlms.octet_string(b"p" * 200)
    ),
    SetRequest(invoke_id=6, attribute=CosemAttribute(1, dlms.TERMINAL_ID, 2), data=dlms.octet_string(b"")),
    *(SetResponse(invoke_id=7, result=result) for result in DataAccessResult),
    *(GetResponse(invoke_id=8, error=result) for result in DataAccessResult),
    DataNotification(invoke_id=0xFFFFFF, date_time=T0, body=profile.report_body(REPORT_48)),
    DataNotification(invoke_id=0, date_time=None, body=dlms.null_data()),
]


@pytest.mark.parametrize("apdu", ROUND_TRIPS, ids=lambda apdu: type(apdu).__name__)
def test_round_trip(apdu: dlms.Apdu) -> None:
    wire = dlms.encode(apdu)
    assert dlms.decode(wire) == apdu
    assert dlms.encode(dlms.decode(wire)) == wire


# --- Malformed APDUs ------------------------------------------------------------------------

GET_CLOCK = "c0 01 c1 0008 0000010000ff 02"
RANGE_HEAD = "c0 01 c1 0007 0100630100ff 02 01 01"
CLOCK_OBJECT = "0204 120008 0906 0000010000ff 0f02 120000"
BOUNDS = f"090c {T0_OCTETS} 090c {T0_OCTETS}"

MALFORMED = [
    ("", "empty APDU"),
    ("42", "0x42 \\(unknown\\)"),
    ("6000", "AARQ"),
    ("db0800", "general-glo-ciphering"),
    ("c0 02 c1 00000001", "GET-Request choice 2 is not modelled"),
    ("c4 02 c1 00 00000001 00 0100", "GET-Response choice 2"),
    ("c0 01 f1 0008 0000010000ff 02 00", "reserved bits 4-5"),
    (f"{GET_CLOCK} 00 00", "1 octets after the end of the GET-Request-Normal"),
    (f"{GET_CLOCK}", "access-selection presence needs 1 octets, 0 left"),
    ("c0 01 c1 0008 0000", "Cosem-Attribute-Descriptor needs 9 octets"),
    (f"{GET_CLOCK} 02", "presence octet 0x02"),
    (f"{GET_CLOCK} 01 02 0204 0600000001 0600000002 1200 1200", "access-selector 2"),
    (f"{RANGE_HEAD} 0204 0204 120003 0906 0100010800ff 0f02 120000 {BOUNDS} 0100", "not the clock"),
    (f"{RANGE_HEAD} 0204 {CLOCK_OBJECT} {BOUNDS} 0101 {CLOCK_OBJECT}", "selected_values picks columns"),
    (f"{RANGE_HEAD} 0203 {CLOCK_OBJECT} {BOUNDS}", "expected 4 elements, got 3"),
    (f"{RANGE_HEAD} 0204 0204 120008 0905 0000010000 0f02 120000 {BOUNDS} 0100", "logical_name has 5 octets"),
    (f"{RANGE_HEAD} 0204 {CLOCK_OBJECT} 19 {T0_OCTETS} 090c {T0_OCTETS} 0100", "expected octet-string"),
    (f"{RANGE_HEAD} 0204 {CLOCK_OBJECT} 0905 07ea0401ff 090c {T0_OCTETS} 0100", "12 octets, not 5"),
    ("c4 01 c1 02 00", "Get-Data-Result choice 2"),
    ("c4 01 c1 01 05", "Data-Access-Result 5 is not defined"),
    ("c4 01 c1 01", "Data-Access-Result needs 1 octets"),
    ("c4 01 c1 01 00 00", "after the end of the GET-Response-Normal"),
    ("c4 01 c1 00", "Data tag needs 1 octets"),
    ("c4 01 c1 00 06 0000", "double-long-unsigned needs 4 octets, 2 left"),
    ("c4 01 c1 00 07 00", "Data tag 7 is not a DLMS/COSEM data type"),
    ("c4 01 c1 00 1300", "compact-array is not modelled"),
    ("c4 01 c1 00 0905 0102", "octet-string needs 5 octets, 2 left"),
    ("c4 01 c1 00 09 85 0000000001 00", "a length of 5 octets"),
    ("c4 01 c1 00 09 80", "a length of 0 octets"),
    ("c4 01 c1 00 0103 00", "array of 3 elements in 1 octets"),
    ("c4 01 c1 00 " + "0101" * 17 + "00", "nested deeper than 16"),
    ("c4 01 c1 00 0a02 41ff", "visible-string is not ascii"),
    ("c4 01 c1 00 0c01 ff", "utf8-string is not utf-8"),
    ("c1 01 c1 0008 0000010000ff 02 01 01", "selective SET is not modelled"),
    ("c1 01 c1 0008 0000010000ff 02 00", "Data tag needs 1 octets"),
    ("c1 03 c1 00", "SET-Request choice 3"),
    ("c5 01 c1", "Data-Access-Result needs 1 octets"),
    ("c5 01 c1 00 00", "after the end of the SET-Response-Normal"),
    # The payload the lead's faulty terminals send before joining: no notification-body.
    ("0f 00000001 00", "without a notification-body"),
    ("0f 000001", "Long-Invoke-Id-And-Priority needs 4 octets"),
    ("0f 08000001 00 00", "reserved bits 24-27"),
    ("0f 00000001 05 07ea0401ff 00", "date-time of 5 octets"),
    (f"0f 00000001 0c {T0_OCTETS}", "without a notification-body"),
    ("0f 00000001 0c 07ea0401ff 00000000 8000 00 00", "no deviation"),
    ("0f 00000001 00 00 00", "1 octets after the end of the Data-Notification"),
]


@pytest.mark.parametrize(("wire", "message"), MALFORMED)
def test_decode_rejects(wire: str, message: str) -> None:
    with pytest.raises(DlmsError, match=message):
        dlms.decode(h(wire))


def test_dlms_error_is_a_protocol_error() -> None:
    assert issubclass(DlmsError, ProtocolError)


# --- Constructors reject bench misuse -------------------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda: CosemAttribute(8, "0.0.1.0.0", 2),
        lambda: CosemAttribute(8, "0.0.1.0.0.256", 2),
        lambda: CosemAttribute(8, "00.0.1.0.0.255", 2),
        lambda: CosemAttribute(8, "0-0:1.0.0.255", 2),
        lambda: CosemAttribute(0x10000, CLOCK, 2),
        lambda: CosemAttribute(8, CLOCK, 128),
        lambda: GetRequest(invoke_id=16, attribute=CosemAttribute(8, CLOCK, 2)),
        lambda: GetRequest(invoke_id=1, attribute=(8, CLOCK, 2)),
        lambda: GetResponse(invoke_id=1),
        lambda: GetResponse(invoke_id=1, data=dlms.null_data(), error=DataAccessResult.OTHER_REASON),
        lambda: GetResponse(invoke_id=1, error=5),
        lambda: SetRequest(invoke_id=1, attribute=CosemAttribute(8, CLOCK, 2), data=b"\x00"),
        lambda: SetResponse(invoke_id=1, result=251),
        lambda: DataNotification(invoke_id=0x1000000, date_time=None, body=dlms.null_data()),
        lambda: DataNotification(invoke_id=1, date_time=datetime(2026, 4, 1), body=dlms.null_data()),
        lambda: ProfileEntry(capture_time=T0, import_wh=100_000_000, export_wh=0),
        lambda: ProfileEntry(capture_time=datetime(2026, 4, 1), import_wh=0, export_wh=0),
        lambda: MeterReport(meter_id="id", entries=(), scaler=0, unit=30),
        lambda: MeterReport(meter_id=b"id", entries=(), scaler=128, unit=30),
    ],
)
def test_bench_misuse_is_a_bench_usage_error(build) -> None:
    with pytest.raises(BenchUsageError):
        build()


def test_encode_rejects_what_is_not_an_apdu() -> None:
    with pytest.raises(BenchUsageError):
        dlms.encode(dlms.null_data())


# --- Properties: arbitrary octets give DlmsError or a value, never another exception ---------

PREFIXES = ["", "c0 01 c1", "c4 01 c1 00", "c4 01 c1 01", "c1 01 c1", "c5 01 c1", "0f 00000001 00", "0f"]


@settings(max_examples=400)
@given(st.sampled_from(PREFIXES), st.binary(max_size=80))
def test_decode_never_raises_anything_but_dlms_error(prefix: str, tail: bytes) -> None:
    octets = h(prefix) + tail
    try:
        apdu = dlms.decode(octets)
    except DlmsError:
        return
    wire = dlms.encode(apdu)  # compared as octets: a float NaN in the body is not equal to itself
    assert dlms.encode(dlms.decode(wire)) == wire


@settings(max_examples=300)
@given(st.sampled_from([vector.values[0] for vector in APDU_VECTORS]), st.data())
def test_mutated_vectors_never_raise_anything_but_dlms_error(wire: str, data: st.DataObject) -> None:
    octets = bytearray(h(wire))
    cut = data.draw(st.integers(0, len(octets)))
    position = data.draw(st.integers(0, len(octets) - 1))
    octets[position] = data.draw(st.integers(0, 255))
    for candidate in (bytes(octets), bytes(octets[:cut])):
        with contextlib.suppress(DlmsError):
            dlms.decode(candidate)
