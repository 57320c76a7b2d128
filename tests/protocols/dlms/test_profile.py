"""The bench's metering profile over DLMS/COSEM (``dlms.profile``)."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.protocols import dlms
from conformance.protocols.dlms import CLOCK, CosemAttribute, Data, DataNotification, DlmsError, profile
from conformance.protocols.dlms.profile import MeterReport
from tests.protocols.dlms.support import ENTRIES_48, REPORT_48, T0, T0_OCTETS, data_strategy, h


def test_push_of_48_entries_round_trips_through_wrapper_and_profile() -> None:
    push = DataNotification(invoke_id=42, date_time=T0, body=profile.report_body(REPORT_48))
    wrapped = dlms.unwrap(dlms.wrap(dlms.encode(push)))
    received = dlms.decode(wrapped.apdu)
    assert received == push
    assert profile.parse_report(received.body) == REPORT_48
    assert len(profile.parse_report(received.body).entries) == 48


def test_profile_names_are_reachable_from_dlms() -> None:
    assert dlms.MeterReport is MeterReport
    assert dlms.energy_kwh is profile.energy_kwh
    with pytest.raises(AttributeError):
        _ = dlms.NoSuchName


# --- The metering profile ---------------------------------------------------------------------

ENERGY = [
    # The reference terminal: scaler 0, unit Wh: one count is 0.001 kWh.
    ((12_345_678, 0, 30), Decimal("12345.678")),
    # A terminal claiming kWh (scaler 3) with the Wh count is 1000x too large.
    ((12_345_678, 3, 30), Decimal("12345678")),
    ((12_345_678, 3, 30), Decimal("12345.678") * 1000),
    ((1, 0, 30), Decimal("0.001")),
    ((0, 0, 30), Decimal(0)),
    ((99_999_999, 0, 30), Decimal("99999.999")),
    ((5, -1, 30), Decimal("0.0005")),
    ((7, 1, 30), Decimal("0.07")),
]


@pytest.mark.parametrize(("arguments", "kwh"), ENERGY)
def test_energy_kwh(arguments: tuple[int, int, int], kwh: Decimal) -> None:
    assert profile.energy_kwh(*arguments) == kwh


@pytest.mark.parametrize("unit", [27, 32, 0, 255])
def test_energy_kwh_needs_wh(unit: int) -> None:
    with pytest.raises(DlmsError, match=f"energy unit {unit} is not Wh"):
        profile.energy_kwh(12_345_678, 0, unit)


def test_scaler_unit() -> None:
    assert dlms.encode_data(profile.scaler_unit(-3, 30)) == h("0202 0ffd 161e")
    assert profile.parse_scaler_unit(dlms.decode_data(h("0202 0ffd 161e"))) == (-3, 30)
    with pytest.raises(DlmsError, match="scaler_unit unit: expected enum, got unsigned"):
        profile.parse_scaler_unit(dlms.structure(dlms.integer(0), dlms.unsigned(30)))


def test_capture_objects_are_clock_import_export() -> None:
    clock, imported, exported = profile.PROFILE_CAPTURE_OBJECTS
    assert clock == CosemAttribute(8, CLOCK, 2)
    assert imported == CosemAttribute(3, "1.0.1.8.0.255", 2)
    assert exported == CosemAttribute(3, "1.0.2.8.0.255", 2)


def test_report_and_buffer_round_trip() -> None:
    assert profile.parse_report(profile.report_body(REPORT_48)) == REPORT_48
    assert profile.parse_profile_buffer(profile.profile_buffer(ENTRIES_48)) == ENTRIES_48
    wrong_scaler = MeterReport(meter_id=b"", entries=ENTRIES_48[:1], scaler=3, unit=30)
    assert profile.parse_report(profile.report_body(wrong_scaler)) == wrong_scaler


ENTRY = f"0203 090c {T0_OCTETS} 06 00bc614e 06 00000000"
UNITS = "0202 0f00 161e"

MALFORMED_REPORTS = [
    ("0902 0102", "report body: expected structure, got octet-string"),
    (f"0202 0902 0102 0101 {ENTRY}", "report body: expected 3 elements, got 2"),
    (f"0203 0a02 0102 0101 {ENTRY} {UNITS}", "report meter_id: expected octet-string"),
    (f"0203 0902 0102 0201 {ENTRY} {UNITS}", "report entries: expected array"),
    # Nine digits: the terminal forgot 「下8桁に変換」.
    (f"0203 0902 0102 0101 0203 090c {T0_OCTETS} 06 05f5e100 06 00000000 {UNITS}", "report entry 1: import"),
    (
        f"0203 0902 0102 0101 0203 090c {T0_OCTETS} 12 0001 06 00000000 {UNITS}",
        "report entry 1 import: expected",
    ),
    (
        f"0203 0902 0102 0101 0203 19 {T0_OCTETS} 06 00000001 06 00000000 {UNITS}",
        "capture_time: expected octet-st",
    ),
    (f"0203 0902 0102 0101 0202 090c {T0_OCTETS} 06 00000001 {UNITS}", "report entry 1: expected 3 elements"),
    (f"0203 0902 0102 0102 {ENTRY} 0203 0905 07ea0401ff 06 00000001 06 00000000 {UNITS}", "report entry 2"),
    ("0203 0902 0102 0100 0202 1100 161e", "report scaler_unit scaler: expected integer, got unsigned"),
    ("0203 0902 0102 0100 0203 0f00 161e 00", "report scaler_unit: expected 2 elements"),
]


@pytest.mark.parametrize(("wire", "message"), MALFORMED_REPORTS)
def test_parse_report_rejects(wire: str, message: str) -> None:
    with pytest.raises(DlmsError, match=message):
        profile.parse_report(dlms.decode_data(h(wire)))


def test_parse_profile_buffer_rejects() -> None:
    with pytest.raises(DlmsError, match="buffer: expected array, got structure"):
        profile.parse_profile_buffer(dlms.decode_data(h(ENTRY)))
    with pytest.raises(DlmsError, match="buffer entry 1: export counter 100000000"):
        profile.parse_profile_buffer(
            dlms.decode_data(h(f"0101 0203 090c {T0_OCTETS} 06 00000000 06 05f5e100"))
        )


@settings(max_examples=100)
@given(data_strategy())
def test_profile_parsers_never_raise_anything_but_dlms_error(data: Data) -> None:
    for parse in (
        profile.parse_report,
        profile.parse_profile_buffer,
        profile.parse_scaler_unit,
    ):
        with contextlib.suppress(DlmsError):
            parse(data)


@given(st.binary(max_size=60))
def test_profile_parsers_on_random_octets(octets: bytes) -> None:
    try:
        data = dlms.decode_data(h("0203") + octets)
        profile.parse_report(data)
    except DlmsError:
        pass
