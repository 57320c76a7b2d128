"""What the DLMS/COSEM tests share: times, a 48-entry meter report, a strategy for Data values."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from conformance.protocols import dlms
from conformance.protocols.dlms import JST, Data, DataType
from conformance.protocols.dlms.profile import MeterReport, ProfileEntry

UTC_PLUS_1 = timezone(timedelta(hours=1))
UTC_PLUS_2 = timezone(timedelta(hours=2))
T0 = datetime(2026, 4, 1, 0, 0, tzinfo=JST)  # 2026-04-01 is a Wednesday
# 2026-04-01 00:00 JST: 07ea year, 04 month, 01 day, ff weekday not specified, 00:00:00.00,
# fde4 = -540 (deviation is local time to UTC, Blue Book 4.1.6.1), 00 clock status.
T0_OCTETS = "07ea 04 01 ff 00000000 fde4 00"


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# --- Round trips ------------------------------------------------------------------------

ENTRIES_48 = tuple(
    ProfileEntry(
        capture_time=T0 + timedelta(minutes=30 * i),
        import_wh=(12_345_678 + 250 * i) % 100_000_000,
        export_wh=99_999_990 + i % 10,
    )
    for i in range(48)
)
REPORT_48 = MeterReport(meter_id=b"\xfe\x00\x00\x11\x22\x33", entries=ENTRIES_48, scaler=0, unit=30)


def data_strategy() -> st.SearchStrategy[Data]:
    integers = [
        st.builds(dlms.integer, st.integers(-128, 127)),
        st.builds(dlms.long, st.integers(-(2**15), 2**15 - 1)),
        st.builds(dlms.double_long, st.integers(-(2**31), 2**31 - 1)),
        st.builds(dlms.long64, st.integers(-(2**63), 2**63 - 1)),
        st.builds(dlms.unsigned, st.integers(0, 255)),
        st.builds(dlms.long_unsigned, st.integers(0, 2**16 - 1)),
        st.builds(dlms.double_long_unsigned, st.integers(0, 2**32 - 1)),
        st.builds(dlms.long64_unsigned, st.integers(0, 2**64 - 1)),
        st.builds(dlms.enum, st.integers(0, 255)),
    ]
    leaves = st.one_of(
        *integers,
        st.just(dlms.null_data()),
        st.builds(dlms.boolean, st.booleans()),
        st.builds(dlms.octet_string, st.binary(max_size=300)),
        st.builds(dlms.visible_string, st.text(st.characters(max_codepoint=0x7F), max_size=20)),
        st.builds(lambda s: Data(type=DataType.UTF8_STRING, value=s), st.text(max_size=10)),
        st.builds(lambda s: Data(type=DataType.BIT_STRING, value=s), st.text("01", max_size=20)),
        st.builds(lambda v: Data(type=DataType.FLOAT64, value=v), st.floats(allow_nan=False)),
        st.builds(lambda v: Data(type=DataType.FLOAT32, value=v), st.floats(width=32, allow_nan=False)),
        st.builds(dlms.date_time_data, st.datetimes(timezones=st.just(JST))),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5).map(lambda items: dlms.array(*items)),
            st.lists(inner, max_size=5).map(lambda items: dlms.structure(*items)),
        ),
        max_leaves=30,
    )
