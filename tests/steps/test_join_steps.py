"""The neighbour scenario's precondition (NAT-2.3-B, ``steps/join_steps.py``): the bench
judges "never started authentication with SM-X" only once the air shows that SM-X's beacon
fell within one of the terminal's scans of its channel, and otherwise says whose fault that
is, instead of passing a terminal that never heard it."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conformance.errors import BenchError, TerminalFailure
from conformance.observe.air import AirLog
from conformance.protocols import wpan
from conformance.sim.radio import AirRecord
from steps.join_steps import SCAN_STEP_MAX_S, beacons_heard, heard_in_a_scan

TERMINAL = bytes.fromhex("02123400000000AA")
METER = bytes.fromhex("0212340000000001")
NEIGHBOUR = bytes.fromhex("02123400000000FE")
PAIRING_ID = "IOT99901"


def request(time: float, channel: int, src: bytes = TERMINAL) -> AirRecord:
    frame = wpan.enhanced_beacon_request(sequence_number=1, src_addr=src, pairing_id=PAIRING_ID)
    return AirRecord(time, channel, -60.0, wpan.encode(frame))


def beacon(time: float, channel: int) -> AirRecord:
    frame = wpan.enhanced_beacon(sequence_number=1, src_addr=METER, pan_id=0x1234, pairing_id=PAIRING_ID)
    return AirRecord(time, channel, -60.0, wpan.encode(frame))


def air(*records: AirRecord) -> AirLog:
    log = AirLog(lambda: ())
    for record in sorted(records, key=lambda r: r.time):
        log.record(record)
    return log


def scan(start: float, channels: range, dwell: float = 0.3) -> list[AirRecord]:
    return [request(start + i * dwell, channel) for i, channel in enumerate(channels)]


def test_a_beacon_within_the_terminal_s_scan_of_its_channel_was_heard():
    log = air(*scan(10.0, range(33, 61)), beacon(10.0 + 7 * 0.3 + 0.1, 40))
    assert [f.time for f in beacons_heard(log, TERMINAL, METER)] == [pytest.approx(12.2)]


def test_a_beacon_while_the_terminal_scans_another_channel_or_pauses_was_not_heard():
    first = scan(10.0, range(33, 61))
    second = scan(10.0 + 28 * 0.3 + SCAN_STEP_MAX_S + 30.0, range(33, 61))
    on_another_channel = beacon(10.0 + 3 * 0.3 + 0.1, 40)
    in_the_pause = beacon(first[-1].time + 1.0 + SCAN_STEP_MAX_S, 60)
    after_the_last_request = beacon(second[-1].time + 0.1, 60)
    log = air(*first, *second, on_another_channel, in_the_pause, after_the_last_request)
    assert beacons_heard(log, TERMINAL, METER) == []


class Clock:
    """Virtual time that nothing else moves: a wait just passes."""

    def __init__(self) -> None:
        self.time = 600.0

    def now(self) -> float:
        return self.time

    def wait(self, seconds: float) -> None:
        self.time += seconds

    def wait_until(self, condition, timeout: float) -> bool:
        if condition():
            return True
        self.time += timeout
        return condition()


def bench(log: AirLog) -> SimpleNamespace:
    return SimpleNamespace(
        clock=Clock(),
        declaration=SimpleNamespace(identity=SimpleNamespace(eui64=TERMINAL)),
        route=SimpleNamespace(air=log, meter_address=lambda name: METER),
    )


def test_a_heard_beacon_leaves_the_terminal_a_join_s_time_to_act_on_it():
    heard = bench(air(*scan(590.0, range(33, 61)), beacon(590.0 + 7 * 0.3 + 0.1, 40)))
    heard_in_a_scan(heard, "SM-X")
    assert heard.clock.now() == pytest.approx(592.2 + 90.0)


def test_a_meter_the_terminal_never_heard_is_the_bench_s_error_not_a_pass():
    scans = [r for start in (10.0, 80.0, 150.0) for r in scan(start, range(33, 61))]
    neighbour = [request(t, 40, NEIGHBOUR) for t in (5.0, 30.0, 60.0)]
    missed = bench(air(*scans, *neighbour, *(beacon(t + 0.01, 40) for t in (5.0, 30.0, 60.0))))
    with pytest.raises(BenchError, match=r"none of SM-X's 3 beacons on channel 40 .*\(3 requests from the"):
        heard_in_a_scan(missed, "SM-X")
    silent = bench(air(*scans, *neighbour))
    with pytest.raises(BenchError, match=r"SM-X never beaconed \(3 Enhanced Beacon Requests"):
        heard_in_a_scan(silent, "SM-X")


def test_a_terminal_that_never_scans_the_meter_s_channel_fails_saying_so():
    skips = bench(air(*scan(10.0, range(41, 61)), beacon(5.0, 40)))
    with pytest.raises(TerminalFailure, match="never scanned channel 40, where SM-X beacons"):
        heard_in_a_scan(skips, "SM-X")
