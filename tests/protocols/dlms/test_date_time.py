"""The COSEM date-time (IEC 62056-6-2 section 4.1.6.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import dlms
from conformance.protocols.dlms import JST, DateRange, DlmsError
from conformance.protocols.errors import BenchUsageError
from tests.protocols.dlms.support import T0, T0_OCTETS, UTC_PLUS_1, UTC_PLUS_2, h

# --- COSEM date-time ------------------------------------------------------------------------

DATETIME_VECTORS = [
    # JST: deviation -540 = fde4.
    (T0_OCTETS, T0),
    # dlms-cosem tests/test_time.py: +02:00 is ff88 (-120), +01:00 is ffc4 (-60).
    ("07e40101ff 00030000 ff88 00", datetime(2020, 1, 1, 0, 3, tzinfo=UTC_PLUS_2)),
    ("07e40106ff 00030000 ffc4 00", datetime(2020, 1, 6, 0, 3, tzinfo=UTC_PLUS_1)),
    # UTC is deviation 0 and stays an aware datetime (dlms-cosem would return a naive one).
    ("07e40106ff 00030000 0000 00", datetime(2020, 1, 6, 0, 3, tzinfo=UTC)),
    # West of Greenwich: UTC-05:00 is +300 = 012c; 12.34 s keeps its hundredths (22).
    (
        "07e9 0c1f ff 173b0c22 012c 00",
        datetime(2025, 12, 31, 23, 59, 12, 340_000, tzinfo=timezone(-timedelta(hours=5))),
    ),
]


@pytest.mark.parametrize(("wire", "dt"), DATETIME_VECTORS)
def test_cosem_datetime_vectors(wire: str, dt: datetime) -> None:
    assert dlms.cosem_datetime(dt) == h(wire)
    parsed = dlms.parse_cosem_datetime(h(wire))
    assert parsed == dt
    assert parsed.utcoffset() == dt.utcoffset()


@given(
    st.datetimes(
        min_value=datetime(1, 1, 1),
        max_value=datetime(9999, 12, 31),
        timezones=st.integers(-720, 720).map(lambda minutes: timezone(timedelta(minutes=minutes))),
    ).map(lambda dt: dt.replace(microsecond=0))
)
def test_cosem_datetime_round_trip(dt: datetime) -> None:
    parsed = dlms.parse_cosem_datetime(dlms.cosem_datetime(dt))
    assert parsed == dt
    assert parsed.utcoffset() == dt.utcoffset()


def test_cosem_datetime_truncates_below_hundredths_and_writes_the_clock_status() -> None:
    wire = dlms.cosem_datetime(T0.replace(microsecond=123_456), clock_status=dlms.ClockStatus.INVALID_VALUE)
    assert wire == h("07ea 04 01 ff 0000000c fde4 01")
    assert dlms.parse_clock_status(wire) is dlms.ClockStatus.INVALID_VALUE
    assert dlms.parse_cosem_datetime(wire) == T0.replace(microsecond=120_000)


@pytest.mark.parametrize(
    ("wire", "dt"),
    [
        # Day of week given and right: 2026-04-01 is a Wednesday (3).
        ("07ea 04 01 03 00000000 fde4 00", T0),
        # Hundredths not specified read as 0.
        ("07ea 04 01 ff 000000ff fde4 00", T0),
        # dlms-cosem test_selective_access.py: Sunday 2017-10-01 (weekday 07), daylight saving bit:
        # the bench takes the deviation as the whole offset.
        ("07e10a0107 00000000 ffc4 80", datetime(2017, 10, 1, tzinfo=UTC_PLUS_1)),
    ],
)
def test_parse_accepts_equivalent_forms(wire: str, dt: datetime) -> None:
    assert dlms.parse_cosem_datetime(h(wire)) == dt


def test_unspecified_deviation_needs_a_zone() -> None:
    wire = h("07ea 04 01 ff 00000000 8000 ff")
    with pytest.raises(DlmsError, match="no deviation"):
        dlms.parse_cosem_datetime(wire)
    assert dlms.parse_cosem_datetime(wire, unspecified_deviation=JST) == T0
    assert dlms.parse_clock_status(wire) is None


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ("07ea 04 01 ff 00000000 fde4", "12 octets"),
        ("ffff 04 01 ff 00000000 fde4 00", "year not specified"),
        ("07ea ff 01 ff 00000000 fde4 00", "month not specified"),
        ("07ea fe 01 ff 00000000 fde4 00", "month 0xfe"),
        ("07ea 04 fe ff 00000000 fde4 00", "day of month 0xfe"),
        ("07ea 04 01 ff ff000000 fde4 00", "hour not specified"),
        ("07ea 04 01 ff 003c0000 fde4 00", "minute 0x3c"),
        ("07ea 04 01 ff 00000064 fde4 00", "hundredths 100"),
        ("07ea 04 01 02 00000000 fde4 00", "day of week 2, the date is 3"),
        ("07ea 02 1e ff 00000000 fde4 00", "is no date"),
        ("0000 01 01 ff 00000000 fde4 00", "is no date"),
        ("07ea 04 01 ff 00000000 02d1 00", "deviation 721"),
    ],
)
def test_parse_rejects(wire: str, message: str) -> None:
    with pytest.raises(DlmsError, match=message):
        dlms.parse_cosem_datetime(h(wire))


@pytest.mark.parametrize(
    "dt",
    [
        datetime(2026, 4, 1),  # naive
        datetime(2026, 4, 1, tzinfo=timezone(timedelta(hours=13))),  # beyond ±720 minutes
        datetime(2026, 4, 1, tzinfo=timezone(timedelta(seconds=30))),  # not whole minutes
    ],
)
def test_cosem_datetime_rejects_unrepresentable(dt: datetime) -> None:
    with pytest.raises(BenchUsageError):
        dlms.cosem_datetime(dt)
    with pytest.raises(BenchUsageError):
        DateRange(dt, dt)


@given(st.binary(min_size=12, max_size=12))
def test_any_twelve_octets_parse_or_raise_dlms_error(octets: bytes) -> None:
    try:
        parsed = dlms.parse_cosem_datetime(octets, unspecified_deviation=JST)
    except DlmsError:
        return
    assert parsed.tzinfo is not None
