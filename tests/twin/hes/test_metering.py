"""The HES twin's metering service on its own: what it stores, what it asks for, what it
refuses to send, and that a terminal's malformed data is a finding, never a crash."""

from __future__ import annotations

import time
import tracemalloc
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.observe.hes_events import (
    CompletionAbandoned,
    CompletionRequested,
    HesEventLog,
    MalformedApplicationData,
    MeterMismatch,
    SettingFlagged,
    UploadReceived,
)
from conformance.protocols import dlms
from conformance.sim.scheduler import Scheduler
from conformance.sim.timebase import SM_EPOCH_POSIX, sm_datetime
from conformance.twin.hes.metering import (
    COMPLETION_ATTEMPTS,
    COMPLETION_CHUNK,
    MAX_COMPLETION_REQUESTS,
    MAX_FINDINGS,
    PLAUSIBLE_FUTURE_S,
    HesMetering,
)
from conformance.twin.hes.reading_store import ReadingStore, StoredReading

TERMINAL = "00112233445566778899AABBCCDDEEFF"
METER = bytes.fromhex("FE0011223344AA01")


class Harness:
    def __init__(self) -> None:
        self.scheduler = Scheduler()
        self.sent: list[dlms.Apdu] = []
        self.events = HesEventLog()
        self.hes = HesMetering(
            scheduler=self.scheduler, store=ReadingStore(), events=self.events, send=self._send
        )
        self.hes.commission(TERMINAL, METER, 1800)

    def _send(self, terminal_id: str, wrapped: bytes) -> bool:
        self.sent.append(dlms.decode(dlms.unwrap(wrapped).apdu))
        return True

    def push(self, slots: list[int], *, meter: bytes = METER, scaler: int = 0, base: int = 1000) -> None:
        entries = tuple(
            dlms.ProfileEntry(
                capture_time=sm_datetime(slot - SM_EPOCH_POSIX), import_wh=base + i, export_wh=i
            )
            for i, slot in enumerate(slots)
        )
        report = dlms.MeterReport(meter_id=meter, entries=entries, scaler=scaler, unit=30)
        notification = dlms.DataNotification(invoke_id=1, date_time=None, body=dlms.report_body(report))
        self.hes.receive(TERMINAL, dlms.wrap(dlms.encode(notification)))

    def answer(self, request: dlms.GetRequest, entries: tuple = ()) -> None:
        response = dlms.GetResponse(invoke_id=request.invoke_id, data=dlms.profile_buffer(entries))
        self.hes.receive(TERMINAL, dlms.wrap(dlms.encode(response)))


def first_slot(harness: Harness) -> int:
    return harness.hes.terminals[TERMINAL].commissioned


def test_a_push_is_stored_and_a_gap_before_it_is_asked_for_in_chunks() -> None:
    harness = Harness()
    start = first_slot(harness)
    harness.scheduler.run_until(1800.0 * 61)  # a value dated more than a day ahead is refused
    harness.push([start + 1800 * 60])  # 60 slots missing before it
    requests = [a for a in harness.sent if isinstance(a, dlms.GetRequest)]
    asked = harness.events.of(CompletionRequested)
    assert len(harness.hes.store.readings(TERMINAL)) == 1
    # The 60 slots are asked in chunks of at most 24 values, all in flight at once.
    assert len(requests) == 3
    assert [(e.start, e.end) for e in asked] == [
        (start, start + 1800 * 23),
        (start + 1800 * 24, start + 1800 * 47),
        (start + 1800 * 48, start + 1800 * 59),
    ]
    assert all(r.range is not None and r.attribute.obis == dlms.LOAD_PROFILE for r in requests)


def test_an_empty_answer_is_asked_again_then_abandoned() -> None:
    harness = Harness()
    start = first_slot(harness)
    harness.push([start + 1800 * 3])
    for _ in range(COMPLETION_ATTEMPTS):
        request = next(a for a in reversed(harness.sent) if isinstance(a, dlms.GetRequest))
        harness.answer(request)
        harness.push([start + 1800 * 4])  # the next upload makes the HES look again
    assert len(harness.events.of(CompletionRequested)) == COMPLETION_ATTEMPTS
    assert len(harness.events.of(CompletionAbandoned)) == 1


def test_completion_values_close_the_gap() -> None:
    harness = Harness()
    start = first_slot(harness)
    harness.push([start + 1800 * 2])
    request = next(a for a in harness.sent if isinstance(a, dlms.GetRequest))
    entries = tuple(
        dlms.ProfileEntry(capture_time=sm_datetime(s - SM_EPOCH_POSIX), import_wh=5, export_wh=0)
        for s in (start, start + 1800)
    )
    harness.answer(request, entries)
    assert harness.hes.missing(TERMINAL) == []
    assert COMPLETION_CHUNK >= 2


def test_another_meter_id_is_flagged() -> None:
    harness = Harness()
    harness.push([first_slot(harness)], meter=bytes.fromhex("FE0011223344BB02"))
    (mismatch,) = harness.events.of(MeterMismatch)
    assert (mismatch.registered, mismatch.reported) == ("FE0011223344AA01", "FE0011223344BB02")


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"\x00\x01\x00\x01\x00\x01\x00\x02\x0f", "undecodable"),
        (dlms.wrap(b"\x0f\x00\x00\x00\x01\x00"), "undecodable"),
        (dlms.wrap(dlms.encode(dlms.GetResponse(invoke_id=3, data=dlms.null_data()))), "no request"),
        (
            dlms.wrap(
                dlms.encode(dlms.DataNotification(invoke_id=1, date_time=None, body=dlms.octet_string(b"x")))
            ),
            "unusable meter report",
        ),
    ],
)
def test_malformed_application_data_is_a_finding(payload: bytes, fragment: str) -> None:
    harness = Harness()
    harness.hes.receive(TERMINAL, payload)
    (finding,) = harness.events.of(MalformedApplicationData)
    assert fragment in finding.reason
    assert harness.hes.store.count() == 0


def test_values_beyond_8_digits_are_a_finding_not_stored() -> None:
    harness = Harness()
    harness.push([first_slot(harness)], scaler=3, base=200_000)  # 1000 Wh a count: 2e8 Wh
    assert harness.hes.store.count() == 0
    (finding,) = harness.events.of(MalformedApplicationData)
    assert "beyond 8 digits" in finding.reason
    assert harness.events.of(UploadReceived)[0].scaler == 3


@pytest.mark.parametrize(
    ("seconds", "agreed", "flagged"), [(300, False, True), (300, True, False), (900, False, False)]
)
def test_a_traffic_heavy_setting_needs_prior_agreement(seconds: int, agreed: bool, flagged: bool) -> None:
    # THK seed ch. 8: 「高頻度の設定変更…は事前の協議が必要」
    harness = Harness()
    harness.hes.set_upload_interval(TERMINAL, seconds, agreed=agreed)
    assert bool(harness.events.of(SettingFlagged)) is flagged
    assert bool([a for a in harness.sent if isinstance(a, dlms.SetRequest)]) is not flagged


def test_the_store_keeps_70_days() -> None:
    harness = Harness()
    start = first_slot(harness)
    harness.scheduler.run_until(80 * 86400.0)
    slots = list(range(start, start + 80 * 86400, 1800))
    for first in range(0, len(slots), 24):
        harness.push(slots[first : first + 24])
    oldest, newest = harness.hes.store.span(TERMINAL)
    now = SM_EPOCH_POSIX + int(harness.scheduler.now)
    assert oldest >= now - 70 * 86400
    assert timedelta(seconds=newest - oldest) < timedelta(days=70)


# -- plausibility windows and caps: a terminal's dates cannot make the HES hang ------------


def _report_at(when: datetime, *, entries: int = 1) -> bytes:
    values = tuple(
        dlms.ProfileEntry(capture_time=when, import_wh=1000 + i, export_wh=0) for i in range(entries)
    )
    report = dlms.MeterReport(meter_id=METER, entries=values, scaler=0, unit=30)
    return dlms.wrap(
        dlms.encode(dlms.DataNotification(invoke_id=1, date_time=None, body=dlms.report_body(report)))
    )


@pytest.mark.parametrize("years_ahead", [1, 100, 2048, 7000])
def test_a_report_dated_far_in_the_future_is_a_finding_not_a_hang(years_ahead: int) -> None:
    # Before: 100 years ahead planned a completion request per 24-slot window up to that
    # date (3 s, 126 MB); 2,048 years took 55 s and 1.7 GB.
    harness = Harness()
    when = sm_datetime(0).replace(year=2026 + years_ahead)
    tracemalloc.start()
    began = time.perf_counter()
    harness.hes.receive(TERMINAL, _report_at(when))
    took = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    (finding,) = harness.events.of(MalformedApplicationData)
    assert "dated outside" in finding.reason and f"{when:%Y}" in finding.reason
    assert harness.hes.store.count() == 0 and harness.events.of(CompletionRequested) == []
    assert took < 1.0 and peak < 5_000_000, (took, peak)


@pytest.mark.parametrize(
    "when",
    [
        datetime(1965, 1, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 30, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=12))),  # before the calendar in JST
        datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-12))),  # after it
    ],
)
def test_a_report_dated_before_1970_or_at_the_calendars_edge_is_a_finding_not_a_bench_error(
    when: datetime,
) -> None:
    harness = Harness()
    harness.hes.receive(TERMINAL, _report_at(when))  # before: BenchError from the store
    (finding,) = harness.events.of(MalformedApplicationData)
    assert "dated outside" in finding.reason
    assert harness.hes.store.count() == 0


def test_a_value_a_few_minutes_ahead_is_still_stored() -> None:
    # A terminal's clock 7 minutes fast is a clock scenario's business, not a malformed value.
    harness = Harness()
    harness.hes.receive(TERMINAL, _report_at(sm_datetime(7 * 60)))
    assert harness.hes.store.count() == 1 and harness.events.of(MalformedApplicationData) == []
    assert PLAUSIBLE_FUTURE_S >= 3600


def test_completion_planning_is_capped_even_for_a_store_that_holds_a_far_future_value() -> None:
    harness = Harness()
    far = SM_EPOCH_POSIX + 50 * 365 * 86400
    # A store file written by an earlier run may hold anything; the HES still plans no more.
    harness.hes.store.ingest(
        [
            StoredReading(
                terminal_id=TERMINAL, meter_id="AA", capture_time=far, import_wh=1, export_wh=1, received_at=0
            )
        ]
    )
    began = time.perf_counter()
    harness.hes.complete_gaps(TERMINAL)
    assert time.perf_counter() - began < 1.0
    asked = harness.events.of(CompletionRequested)
    assert 0 < len(asked) <= MAX_COMPLETION_REQUESTS
    assert max(e.end for e in asked) <= SM_EPOCH_POSIX + PLAUSIBLE_FUTURE_S


def test_a_long_gap_at_15_minutes_is_planned_in_one_pass_within_the_cap() -> None:
    harness = Harness()
    harness.hes.commission(TERMINAL, METER, 900)
    start = first_slot(harness)
    harness.scheduler.run_until(69 * 86400.0)
    harness.push([start + 900 * 96 * 69 - 900])
    asked = harness.events.of(CompletionRequested)
    assert len(asked) == -(-(96 * 69 - 1) // COMPLETION_CHUNK) <= MAX_COMPLETION_REQUESTS


# -- hypothesis: whatever the terminal sends up is a finding or data, never an exception ----

_DATES = st.datetimes(
    min_value=datetime(1, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=12)), timezone(timedelta(hours=-12))]
    ),
).map(lambda d: d.replace(microsecond=d.microsecond // 10_000 * 10_000))
# Most of a terminal's dates lie near the SM system's clock; some anywhere in the calendar.
_DATES = st.one_of(_DATES, st.integers(-80 * 86400, 2 * 86400).map(lambda s: sm_datetime(s // 1800 * 1800)))
# Built from DLMS primitives, not ProfileEntry, so counters beyond 8 digits go up too.
_ENTRIES = st.builds(
    lambda when, imported, exported: dlms.structure(
        dlms.date_time_data(when), dlms.double_long_unsigned(imported), dlms.double_long_unsigned(exported)
    ),
    _DATES,
    st.integers(0, 2**32 - 1),
    st.integers(0, 2**32 - 1),
)


@settings(max_examples=200, deadline=2000)
@given(data=st.binary(max_size=300))
def test_random_uplink_bytes_are_a_finding_or_data(data: bytes) -> None:
    harness = Harness()
    harness.hes.receive(TERMINAL, data)
    harness.hes.receive(TERMINAL, dlms.wrap(data))


@settings(max_examples=200, deadline=2000)
@given(
    entries=st.lists(_ENTRIES, max_size=30),
    scaler=st.integers(-128, 127),
    unit=st.integers(0, 255),
    meter=st.binary(max_size=12),
)
def test_any_meter_report_is_stored_or_a_finding(entries, scaler: int, unit: int, meter: bytes) -> None:
    harness = Harness()
    body = dlms.structure(
        dlms.octet_string(meter), dlms.array(*entries), dlms.structure(dlms.integer(scaler), dlms.enum(unit))
    )
    notification = dlms.DataNotification(invoke_id=1, date_time=None, body=body)
    harness.hes.receive(TERMINAL, dlms.wrap(dlms.encode(notification)))
    assert harness.hes.store.count() <= len(entries)
    for request in [a for a in harness.sent if isinstance(a, dlms.GetRequest)]:
        response = dlms.GetResponse(invoke_id=request.invoke_id, data=dlms.array(*entries))
        harness.hes.receive(TERMINAL, dlms.wrap(dlms.encode(response)))  # the same dates again
    assert len(harness.events.of(CompletionRequested)) <= MAX_COMPLETION_REQUESTS


def test_endless_garbage_from_a_terminal_is_counted_not_recorded_without_bound() -> None:
    harness = Harness()
    for _ in range(3 * MAX_FINDINGS + 10):
        harness.hes.receive(TERMINAL, b"\x00\x01garbage")
    findings = harness.events.of(MalformedApplicationData)
    assert len(findings) == MAX_FINDINGS + 2
    assert findings[-1].reason.startswith(f"{3 * MAX_FINDINGS} findings about this terminal so far")


def test_an_upload_with_an_empty_meter_id_is_a_finding_not_a_bench_error() -> None:
    """Before: the store refused the reading with a BenchError, so the terminal's empty 0xD1
    ended the scenario as a bench error (issue 11, classification)."""
    harness = Harness()
    start = first_slot(harness)
    harness.push([start, start + 1800], meter=b"")
    (finding,) = harness.events.of(MalformedApplicationData)
    assert "empty metering device ID (0xD1)" in finding.reason and "2 values not stored" in finding.reason
    assert harness.hes.store.count() == 0
    (upload,) = harness.events.of(UploadReceived)
    assert upload.meter_id == "" and upload.values == () and len(upload.refused) == 2


def test_a_value_dated_a_year_ahead_is_kept_in_the_upload_as_refused() -> None:
    harness = Harness()
    start = first_slot(harness)
    harness.push([start, start + 365 * 86400])
    (upload,) = harness.events.of(UploadReceived)
    assert [v.capture_time for v in upload.values] == [start]
    assert [v.capture_time for v in upload.refused] == [start + 365 * 86400]
