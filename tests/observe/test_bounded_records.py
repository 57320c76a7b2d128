"""What the terminal can make the bench record is bounded (issue 15): the smart meter's
discarded frames, the home side's port mirror, the HES's event log and operation log keep
a bounded number of entries and count what they let go, and the sequence attachment says
so, where it says it of the air log. On a rig (no sniffer) the sequence still renders."""

from __future__ import annotations

import pytest

from conformance.errors import NotApplicable
from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.observe import hes_events
from conformance.observe.hes_events import HesEventLog, MalformedApplicationData
from conformance.observe.renderings import sequence_text
from conformance.observe.route_events import FrameDiscarded
from conformance.sim import home_network
from conformance.sim.home_network import HomeDatagram, HomeTraffic
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class
from conformance.twin.hes import log as log_module
from conformance.twin.hes.log import HesLog, Tampering
from conformance.twin.meter import smart_meter
from steps.operations_steps import hes_log_text

DECLARATION = load_declaration()
TERMINAL = DECLARATION.identity.eui64


def _bench() -> TwinBench:
    bench = TwinBench(seed=1, declaration=DECLARATION, dut_factory=terminal_class("reference"))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=DECLARATION.credentials.pairing_id))
    return bench


def _inject_garbage(bench: TwinBench, count: int) -> None:
    """Undecodable frames from a radio where the terminal is: each one a discard."""
    meter = bench.route.meters["SM-1"]
    port = bench.medium.attach("rogue", lambda *a: None)
    port.tune(meter.config.channel)
    for _ in range(count):
        port.transmit(b"\x41\x88")
        bench.clock.wait(0.01)
    port.detach()


def _datagram(n: int) -> HomeDatagram:
    return HomeDatagram(
        time=float(n), src="fe80::1", src_port=3610, dst="fe80::2", dst_port=3610, payload=b"x"
    )


def test_discarded_frames_are_recorded_one_by_one_then_one_in_a_thousand_with_the_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(smart_meter, "MAX_DISCARDS", 5)
    bench = _bench()
    _inject_garbage(bench, 17)
    meter = bench.route.meters["SM-1"]
    assert meter.discarded == 17
    recorded = bench.route.events.of(FrameDiscarded)
    assert len(recorded) == 5 + 2  # the first five, then the 10th and the 15th
    assert recorded[-1].reason.startswith("15 frames discarded so far, one in 5 recorded: ")
    assert "15 frames discarded so far" in sequence_text(bench)  # the count reaches the report


def test_the_home_side_record_keeps_the_newest_datagrams_and_counts_the_rest() -> None:
    traffic = HomeTraffic(limit=3)
    for n in range(5):
        traffic.append(_datagram(n))
    assert [d.time for d in traffic] == [2.0, 3.0, 4.0] and traffic.dropped == 2
    assert len(traffic) == 3 and traffic[-1].time == 4.0 and [d.time for d in traffic[1:]] == [3.0, 4.0]
    assert traffic == [_datagram(2), _datagram(3), _datagram(4)] and traffic != [_datagram(2)]


def test_the_hes_event_log_keeps_the_newest_events_and_counts_the_rest() -> None:
    events = HesEventLog(limit=2)
    for n in range(4):
        events.append(MalformedApplicationData(time=float(n), terminal_id="T", reason="garbage"))
    assert [e.time for e in events] == [2.0, 3.0] and events.dropped == 2
    assert [e.time for e in events.of(MalformedApplicationData, since=3.0)] == [3.0]


def test_the_sequence_attachment_says_what_the_home_record_and_the_hes_log_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(home_network, "MAX_HOME_DATAGRAMS", 10)
    monkeypatch.setattr(hes_events, "MAX_HES_EVENTS", 3)
    bench = _bench()
    for n in range(12):  # a device on the home LAN that floods it; the HES hearing garbage
        bench.home.network.send(src="fe80::99", src_port=3610, dst="ff02::1", dst_port=3610, payload=b"x")
        bench.hes.events.append(MalformedApplicationData(time=float(n), terminal_id="T", reason="garbage"))
    traffic, events = bench.home.traffic, bench.hes.events
    assert traffic.dropped > 0 and len(traffic) == 10
    assert events.dropped > 0 and len(list(events)) == 3
    text = sequence_text(bench)
    assert f"keeps the newest 10 datagrams: {traffic.dropped} earlier ones were dropped" in text
    assert f"keeps the newest 3 events: {events.dropped} earlier ones were dropped" in text


def test_the_operation_log_archives_its_oldest_entries_and_still_verifies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(log_module, "MAX_LOG_ENTRIES", 10)
    monkeypatch.setattr(log_module, "ARCHIVE_BLOCK", 4)
    log = HesLog(bytes(32))
    for n in range(25):
        log.append(float(n), "join", f"terminal T{n}")
    assert log.archived == 16 and len(log.entries) == 9 and log.entries[0].sequence == 16
    assert log.verify() is None
    del log.entries[-2:]  # cut off the end: the sealed head still knows
    finding = log.verify()
    assert finding is not None and finding.how is Tampering.TRUNCATED and finding.sequence == 23


def test_tampering_with_entries_before_they_are_archived_is_still_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(log_module, "MAX_LOG_ENTRIES", 10)
    monkeypatch.setattr(log_module, "ARCHIVE_BLOCK", 4)
    log = HesLog(bytes(32))
    for n in range(8):
        log.append(float(n), "join", f"terminal T{n}")
    log.entries[1] = log.entries[1].__class__(
        sequence=1, time=1.0, kind="join", detail="someone else", mac=log.entries[1].mac
    )
    for n in range(8, 20):
        log.append(float(n), "join", f"terminal T{n}")
    assert log.archived >= 4  # the forged entry went with the first block
    finding = log.verify()
    assert finding is not None and finding.how is Tampering.MODIFIED and finding.sequence == 1


class _NoSniffer:
    """The route of a rig, as far as the sequence is concerned: no air to show."""

    def __init__(self, route) -> None:
        self._route = route

    @property
    def air(self):
        raise NotApplicable("a rig has no sniffer on the IoT route")

    def __getattr__(self, name: str):
        return getattr(self._route, name)


def test_the_sequence_renders_where_there_is_no_sniffer() -> None:
    """On a rig ``air`` is not applicable: the sequence is the module's events alone (with
    an Allure report, a NotApplicable here once marked every scenario of a HIL run skipped)."""
    bench = _bench()
    bench.terminal.power_on()
    bench.clock.wait(120)
    bench.route = _NoSniffer(bench.route)  # type: ignore[assignment]
    text = sequence_text(bench)
    assert "observes TerminalAuthenticated" in text and " dBm " not in text  # events, no frames


def test_the_hes_log_attachment_says_how_many_entries_were_archived(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 11, third round (left out by issue 15): the operation log's attachment in the
    report opens with the count archived behind the sealed checkpoint, 0 included."""
    monkeypatch.setattr(log_module, "MAX_LOG_ENTRIES", 10)
    monkeypatch.setattr(log_module, "ARCHIVE_BLOCK", 4)
    log = HesLog(bytes(32))
    for n in range(25):
        log.append(float(n), "join", f"terminal T{n}")
    text = hes_log_text(log.lines(), log.archived)
    head = f"{log.archived} older entries archived behind the sealed checkpoint"
    assert text.splitlines()[0].startswith(head)
    assert "9 kept" in text.splitlines()[0] and text.splitlines()[1:] == log.lines()
    fresh = HesLog(bytes(32))
    fresh.append(0.0, "join", "terminal T0")
    assert hes_log_text(fresh.lines(), fresh.archived).startswith("0 older entries archived")
    assert "; 0 kept" in hes_log_text([], 0)
