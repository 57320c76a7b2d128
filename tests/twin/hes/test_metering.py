"""The HES twin's metering service on its own: what it stores, what it asks for, what it
refuses to send, and that a terminal's malformed data is a finding, never a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest

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
from conformance.twin.hes.metering import COMPLETION_ATTEMPTS, COMPLETION_CHUNK, HesMetering
from conformance.twin.hes.reading_store import ReadingStore

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
