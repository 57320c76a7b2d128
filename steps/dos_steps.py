"""Steps of the DoS-detection and interference features (features/security/dos.feature,
features/security/interference.feature).

The bench floods the terminal through its interfaces (``IotRouteSide.inject``, a home-side
``RogueDevice``) and jams its channel (``IotRouteSide.jam``). Verdicts come from what the
HES received (the event notification, the values and when they arrived) and from the
terminal's event log read on the maintenance port (DESIGN.md rule 1).
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, replace
from datetime import datetime

from pytest_bdd import parsers, then, when

from conformance.errors import BenchError, TerminalFailure
from conformance.interfaces import Bench, Evidence
from conformance.measurements import (
    DELIVERY_RATIO_UNDER_JAMMING,
    DOS_IN_EVENT_LOG,
    DOS_REPORTED_TO_HES,
    READINGS_KEPT_UNDER_FLOOD,
)
from conformance.observe.hes_events import EventReported
from conformance.observe.route_events import TerminalAuthenticated
from conformance.protocols.maintenance import parse_log, status
from conformance.stimulus import floods
from conformance.stimulus.floods import FloodRun, FrameFlood, HomeFlood
from steps.common import air_of, maintenance_of, slots, sm_posix, stamp, terminal_address, terminal_id

DOS_DETECTED = "dos-detected"  # the event kind of conformance/protocols/maintenance.py's event log
AROUND_S = 3600  # the values judged around a flood: from an hour before to an hour after
LOG_SLACK_S = 1.0  # clock readings are to the second or so: an entry this early still counts
SETTLE_S = 600  # as the metering steps: a slot's value is judged once this long has passed


@dataclass(frozen=True, slots=True, kw_only=True)
class Flood:
    side: str
    kind: str
    run: FloodRun


@dataclass(frozen=True, slots=True, kw_only=True)
class Jamming:
    meter: str
    channel: int
    started: float
    ended: float
    hopped_at: float | None = None


def _count(text: str) -> int:
    return int(text.replace(",", ""))


def _flood_seed(bench: Bench, what: str) -> random.Random:
    return random.Random(f"{bench.seed}:{what}")


def _before_next_slot(bench: Bench, lead_s: float) -> None:
    """Let time pass until ``lead_s`` before the next slot of the declared granularity."""
    step = bench.declaration.metering.granularity_s
    now = sm_posix(bench)
    start = (now // step + 1) * step - lead_s
    if start <= now:
        start += step
    bench.clock.wait(start - now)


def _check_duration(bench: Bench, count: int, rate: float) -> None:
    declared = bench.declaration.security.dos_detection_s
    if count / rate < declared:
        raise BenchError(
            f"a flood of {count} at {rate:g} a second lasts {count / rate:g} s, shorter than the "
            f"declared detection time of {declared:g} s: the scenario could not judge it"
        )


# -- When ------------------------------------------------------------------------------


@when(
    parsers.re(
        r'the bench floods the terminal from "(?P<meter>[^"]+)"\'s channel with (?P<count>[\d,]+) '
        r"(?P<kind>.+) at (?P<rate>\d+) a second, from a minute before the next :00 or :30"
    ),
    target_fixture="flood",
)
def flood_iot_route(bench: Bench, meter: str, count: str, kind: str, rate: str) -> Flood:
    target = floods.sniff_target(
        air_of(bench), terminal=terminal_address(bench), meter=bench.route.meter_address(meter)
    )
    frames = floods.iot_flood(FrameFlood(kind), _count(count), target, _flood_seed(bench, kind))
    floods.check_rate(frames, float(rate))
    _check_duration(bench, len(frames), float(rate))
    _before_next_slot(bench, 60.0)
    send = functools.partial(bench.route.inject, meter=meter)
    return Flood(side="IoT route", kind=kind, run=floods.pace(bench.clock, frames, send, rate=float(rate)))


@when(
    parsers.re(
        r"a rogue device floods the terminal's home side with (?P<count>[\d,]+) (?P<kind>.+) "
        r"at (?P<rate>\d+) a second, from a minute before the next :00 or :30"
    ),
    target_fixture="flood",
)
def flood_home_side(bench: Bench, count: str, kind: str, rate: str) -> Flood:
    home = bench.home
    terminal = floods.terminal_home_address(home.traffic, home.meter_address)
    datagrams = floods.home_flood(
        HomeFlood(kind),
        _count(count),
        ports=bench.declaration.home_side.open_udp_ports,
        rng=_flood_seed(bench, kind),
    )
    _check_duration(bench, len(datagrams), float(rate))
    rogue = home.add_rogue()
    _before_next_slot(bench, 60.0)

    def send(datagram: floods.Datagram) -> None:
        rogue.send(datagram.payload, dst=terminal, dst_port=datagram.dst_port, src_port=49_152)

    return Flood(side="home side", kind=kind, run=floods.pace(bench.clock, datagrams, send, rate=float(rate)))


@when(
    parsers.parse(
        'a pulsed jammer destroys {percent:d} % of the frames on the channel "{meter}" uses '
        "for {hours:d} hours"
    ),
    target_fixture="jamming",
)
def pulsed_jammer(bench: Bench, percent: int, meter: str, hours: int) -> Jamming:
    started = bench.clock.now()
    channel = bench.route.jam(meter, duty=percent / 100)
    bench.clock.wait(hours * 3600)
    bench.route.stop_jamming()
    return Jamming(meter=meter, channel=channel, started=started, ended=bench.clock.now())


@when(
    parsers.parse(
        'a jammer blocks the channel "{meter}" uses for {hours:d} hours, '
        '"{mover}" hopping to another channel after {minutes:d} minute'
    ),
    target_fixture="jamming",
)
def blocking_jammer(bench: Bench, meter: str, hours: int, mover: str, minutes: int) -> Jamming:
    started = bench.clock.now()
    channel = bench.route.jam(meter, duty=1.0)
    bench.clock.wait(minutes * 60)
    bench.route.move_meter(mover)
    hopped_at = bench.clock.now()
    bench.clock.wait(hours * 3600 - minutes * 60)
    bench.route.stop_jamming()
    return Jamming(
        meter=meter, channel=channel, started=started, ended=bench.clock.now(), hopped_at=hopped_at
    )


# -- Then: DoS detection ---------------------------------------------------------------


def _declared(limit, seconds: float):
    return limit if limit.high == seconds else replace(limit, high=seconds)


@then("the terminal reported the flood to the HES within the declared detection time")
def reported_to_hes(bench: Bench, evidence: Evidence, flood: Flood) -> None:
    limit = _declared(DOS_REPORTED_TO_HES, bench.declaration.security.dos_detection_s)
    reports = [
        e
        for e in bench.hes.events.of(EventReported, since=flood.run.started)
        if e.event_kind == DOS_DETECTED and e.terminal_id == terminal_id(bench)
    ]
    delay = reports[0].time - flood.run.started if reports else None
    note = f"{flood.run.sent:,} {flood.kind} on the {flood.side} at {flood.run.rate:g}/s"
    evidence.measure(limit, delay, note=note if reports else f"{note}; no event notification at the HES")


@then("the terminal's event log on the maintenance port shows the detection within the declared time")
def detection_in_event_log(bench: Bench, evidence: Evidence, flood: Flood) -> None:
    port = maintenance_of(bench)
    answer = port.command("LOG? event")
    if not status(answer).startswith("OK"):
        raise TerminalFailure(f"the terminal keeps no event log on its maintenance port: {answer[-1]}")
    entries = parse_log(answer)
    # Entries carry the terminal's clock: the flood's start is taken on that clock, from the
    # clock's offset to the SM system's read on the same port (CLOCK?).
    clock = status(port.command("CLOCK?"))
    if not clock.startswith("OK "):
        raise TerminalFailure(f"the maintenance port does not tell the terminal's clock: {clock}")
    offset = datetime.fromisoformat(clock[3:]).timestamp() - bench.hes.sm_time().timestamp()
    began = bench.hes.sm_time().timestamp() - bench.clock.now() + flood.run.started + offset
    found = [e for e in entries if e.kind == DOS_DETECTED and e.time.timestamp() >= began - LOG_SLACK_S]
    limit = _declared(DOS_IN_EVENT_LOG, bench.declaration.security.dos_detection_s)
    delay = found[0].time.timestamp() - began if found else None
    note = f"by the terminal's clock ({offset:+.0f} s from the SM system's); {len(entries)} entries read"
    evidence.measure(limit, delay, note=note)


@then("the HES holds every :00 and :30 value from an hour before the flood to an hour after it")
def readings_kept(bench: Bench, evidence: Evidence, flood: Flood) -> None:
    if bench.clock.now() < flood.run.ended + AROUND_S:
        raise BenchError("the scenario must let an hour pass after the flood before judging the values")
    first = sm_posix(bench, flood.run.started) - AROUND_S
    last = sm_posix(bench, flood.run.ended) + AROUND_S - SETTLE_S
    due = slots(first, last, bench.declaration.metering.granularity_s)
    held = {r.capture_time for r in bench.hes.readings(terminal_id(bench))}
    missing = [s for s in due if s not in held]
    note = f"{len(due) - len(missing)} of {len(due)} values from {stamp(due[0])} to {stamp(due[-1])}"
    if missing:
        note += "; missing " + ", ".join(stamp(s) for s in missing)
    evidence.measure(READINGS_KEPT_UNDER_FLOOD, 100.0 * (len(due) - len(missing)) / len(due), note=note)


# -- Then: interference ----------------------------------------------------------------


@then("the terminal delivered at least the declared share of its values in time while jammed")
def delivered_while_jammed(bench: Bench, evidence: Evidence, jamming: Jamming) -> None:
    """A value is in time when it reaches the HES before the next upload is due."""
    in_time = bench.declaration.metering.upload_interval_s
    first = sm_posix(bench, jamming.started)
    last = sm_posix(bench, jamming.ended) - in_time
    due = slots(first, last, bench.declaration.metering.granularity_s)
    if not due:
        raise BenchError("the jamming lasted less than one upload interval: no value to judge")
    offset = sm_posix(bench, 0.0)
    arrived = {r.capture_time: r.received_at + offset for r in bench.hes.readings(terminal_id(bench))}
    delivered = [s for s in due if s in arrived and arrived[s] <= s + in_time]
    limit = DELIVERY_RATIO_UNDER_JAMMING
    declared = bench.declaration.security.min_delivery_ratio
    if limit.low != declared:
        limit = replace(limit, low=declared)
    how = "pulsed" if jamming.hopped_at is None else "blocking, the meter hopped"
    evidence.measure(
        limit,
        len(delivered) / len(due),
        note=f"{len(delivered)} of {len(due)} values in time; channel {jamming.channel} jammed ({how})",
    )


@then(parsers.parse('the terminal was authenticated again by "{meter}" on its new channel'))
def rejoined_after_hop(bench: Bench, meter: str, jamming: Jamming) -> None:
    assert jamming.hopped_at is not None
    again = [
        e
        for e in bench.route.events.of(TerminalAuthenticated, terminal=terminal_address(bench))
        if e.meter == meter and e.time > jamming.hopped_at
    ]
    if not again:
        raise TerminalFailure(
            f"{meter} moved off jammed channel {jamming.channel}; the terminal never authenticated with it "
            f"again in the {(jamming.ended - jamming.hopped_at) / 3600:.0f} hours that followed"
        )
