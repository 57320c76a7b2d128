"""Steps of the joining features (features/join/).

Each step is a few lines over the bench's interfaces; verdicts come from what the smart
meters observed and what was on the air, never from the terminal twin's state.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

from pytest_bdd import given, parsers, then, when

from conformance.errors import BenchError, TerminalFailure
from conformance.interfaces import Bench, Evidence, MeterSetup
from conformance.measurements import FULL_METER_ATTEMPTS, JOIN_TIME, PANA_START_DELAY
from conformance.observe.air import AirFrame, AirLog
from conformance.observe.route_events import (
    DatagramReceived,
    PanaStarted,
    TerminalRefused,
)
from conformance.protocols import wpan
from conformance.protocols.pana import PANA_PORT
from steps.common import air_if_any, air_of, declared_pairing_id, first_authentication, terminal_address

# NAT seed 2-3: 「"IOT"+一送コード(2桁)+一送自由コード(3桁)」, ASCII 0-9 and A-Z, 8 characters.
PAIRING_ID_FORMAT = re.compile(r"^IOT[0-9A-Z]{2}[0-9A-Z]{3}$")
# A join is watched for twice its limit, so a late terminal's actual time is reported.
OBSERVATION_FACTOR = 2.0
# A smart meter's beacon reached the terminal when it fell within the terminal's active
# scan of the beacon's channel: after one of its Enhanced Beacon Requests on that channel and
# before its next request (on any channel), the two at most this far apart. A scan dwells a
# fraction of a second on a channel (the reference twin 0.3 s; SKSTACK-IP's SKSCAN duration
# 7, about 2 s); the pause between two scans is longer.
SCAN_STEP_MAX_S = 3.0
# Seconds the bench waits past the scenario's own wait for a meter's beacon to reach the
# terminal before it calls the setup broken: on the emulated rig the neighbour's requests
# reach the air once per round of the emulator (rigs/profile/neighbour.py), and a scan of
# the meter's channel may fall between two of them.
HEARD_WAIT_S = 600.0


# -- Given -----------------------------------------------------------------------------


@given(parsers.parse('a smart meter "{name}" with the terminal\'s Pairing ID'))
def meter_with_pairing_id(bench: Bench, name: str) -> None:
    bench.route.add_meter(MeterSetup(name=name, pairing_id=declared_pairing_id(bench)))


@given(parsers.parse('a smart meter "{name}" with the terminal\'s Pairing ID at {rssi:g} dBm'))
def meter_at_rssi(bench: Bench, name: str, rssi: float) -> None:
    bench.route.add_meter(MeterSetup(name=name, pairing_id=declared_pairing_id(bench), rssi_dbm=rssi))


# The 920 MHz band's channels 33-60 (922.5-927.9 MHz, ARIB STD-T108; DESIGN.md's protocol
# notes): the steps name them without reaching into the twin's radio medium.
BAND = tuple(range(33, 61))


@given(parsers.parse('a smart meter "{name}" with the terminal\'s Pairing ID on channel {channel}'))
def meter_on_channel(bench: Bench, name: str, channel: str) -> None:
    """``channel``: a number (a band edge, 33 or 60, with words after it), or "drawn from the
    seed": a channel of the band the run's seed picks, so each seed covers another and a
    failure replays with its seed."""
    if channel == "drawn from the seed":
        number = random.Random(f"{bench.seed}:meter channel").choice(BAND)
    else:
        number = int(channel.split(",")[0])
    if number not in BAND:
        raise BenchError(f"channel {number} is outside the band's {BAND[0]}-{BAND[-1]}")
    bench.route.add_meter(MeterSetup(name=name, pairing_id=declared_pairing_id(bench), channel=number))


FULL_METER = (
    'a smart meter "{name}" with the terminal\'s Pairing ID at {rssi:g} dBm, '
    "already serving {count:d} terminals"
)


@given(parsers.parse(FULL_METER))
def full_meter(bench: Bench, name: str, rssi: float, count: int) -> None:
    setup = MeterSetup(name=name, pairing_id=declared_pairing_id(bench), rssi_dbm=rssi, occupied=count)
    bench.route.add_meter(setup)


@given("these smart meters:")
def meters_from_table(bench: Bench, datatable: list[list[str]]) -> None:
    header, *rows = datatable
    expected = ["name", "pairing id", "rssi (dBm)"]
    if header != expected:
        raise BenchError(f"smart meter table needs the columns {expected}, not {header}")
    for name, pairing_id, rssi in rows:
        pid = declared_pairing_id(bench) if pairing_id == "declared" else pairing_id
        bench.route.add_meter(MeterSetup(name=name, pairing_id=pid, rssi_dbm=float(rssi)))


@given(parsers.parse('a neighbouring terminal keeps scanning for Pairing ID "{pairing_id}"'))
def neighbour_scanning(bench: Bench, pairing_id: str) -> None:
    bench.route.neighbour_scans(pairing_id, every_s=0.2)


@given(parsers.parse("the IoT route loses {percent:d} % of frames"))
def frame_loss(bench: Bench, percent: int) -> None:
    bench.route.set_frame_loss(percent / 100)


@given("the SM system holds another password for the terminal")
def wrong_password(bench: Bench) -> None:
    credentials = bench.declaration.credentials
    bench.route.provision(
        credentials.authentication_id, "not-" + credentials.password.get_secret_value()[::-1]
    )


# -- When ------------------------------------------------------------------------------


@when("the terminal is powered on", target_fixture="powered_on_at")
def power_on(bench: Bench) -> float:
    bench.terminal.power_on()
    return bench.clock.now()


@when(parsers.parse("{minutes:d} minutes pass"), target_fixture="window")
def minutes_pass(bench: Bench, minutes: int) -> tuple[float, float]:
    start = bench.clock.now()
    bench.clock.wait(minutes * 60)
    return start, bench.clock.now()


@when(parsers.parse('one of the terminals on "{meter}" leaves'), target_fixture="slot_freed_at")
def slot_freed(bench: Bench, meter: str) -> float:
    bench.route.free_slot(meter)
    return bench.clock.now()


def _beacons_of(air: AirLog, meter: bytes) -> list[AirFrame]:
    return [f for f in air.sent_by(meter) if f.frame and f.frame.frame_type is wpan.FrameType.BEACON]


def beacons_heard(air: AirLog, terminal: bytes, meter: bytes) -> list[AirFrame]:
    """``meter``'s Enhanced Beacons that fell within one of ``terminal``'s active scans of
    their channel (``SCAN_STEP_MAX_S``), as the air shows them."""
    requests = [f for f in air.sent_by(terminal) if f.is_beacon_request]
    heard, after = [], 0
    for beacon in _beacons_of(air, meter):
        while after < len(requests) and requests[after].time <= beacon.time:
            after += 1
        if 0 < after < len(requests):
            before, next_request = requests[after - 1], requests[after]
            if before.channel == beacon.channel and next_request.time - before.time <= SCAN_STEP_MAX_S:
                heard.append(beacon)
    return heard


@when(parsers.parse('the terminal has heard the beacon of "{meter}" in an active scan'))
def heard_in_a_scan(bench: Bench, meter: str) -> None:
    """The scenario's precondition, observed on the air (waited for, up to ``HEARD_WAIT_S``
    more): a scenario whose terminal never heard the meter must not pass for never taking
    it. Then the terminal has a join's time to act on the beacon (THK-7-JOIN: 90 s from
    power-on, a scan included) before the scenario judges what it did."""
    air, terminal, address = air_of(bench), terminal_address(bench), bench.route.meter_address(meter)
    started = bench.clock.now()
    if not bench.clock.wait_until(lambda: bool(beacons_heard(air, terminal, address)), HEARD_WAIT_S):
        _never_heard(air, terminal, address, meter, bench.clock.now() - started)
    first = beacons_heard(air, terminal, address)[0]
    bench.clock.wait(max(0.0, first.time + JOIN_TIME.high - bench.clock.now()))


def _never_heard(air: AirLog, terminal: bytes, meter_address: bytes, meter: str, waited_s: float) -> None:
    """Why the terminal never heard ``meter``: the terminal's failure if it never scanned the
    meter's channel, else the bench's (its setup did not make the meter answer in time)."""
    beacons = _beacons_of(air, meter_address)
    others = len([f for f in air.frames() if f.is_beacon_request and f.src != terminal])
    requests = [f for f in air.sent_by(terminal) if f.is_beacon_request]
    if not beacons:
        raise BenchError(
            f"{meter} never beaconed ({others} Enhanced Beacon Requests on the air from others than "
            "the terminal): the bench did not set up the scenario"
        )
    on = {f.channel for f in beacons}
    channels = ", ".join(map(str, sorted(on)))
    scanned = len([f for f in requests if f.channel in on])
    if not scanned:
        raise TerminalFailure(
            f"the terminal never scanned channel {channels}, where {meter} beacons: it cannot be judged "
            f"on leaving {meter} alone (see the active-scan scenarios)"
        )
    raise BenchError(
        f"none of {meter}'s {len(beacons)} beacons on channel {channels} fell within the terminal's "
        f"scans of it ({scanned} of its Enhanced Beacon Requests there), {waited_s:g} s past the "
        f"scenario's wait ({others} requests from the neighbouring terminal on the air): the bench did "
        "not set up the scenario"
    )


# -- Then ------------------------------------------------------------------------------


def _judge_join(bench: Bench, evidence: Evidence, meter: str, since: float, limit_s: float) -> None:
    bench.clock.wait_until(
        lambda: first_authentication(bench) is not None,
        since + limit_s * OBSERVATION_FACTOR - bench.clock.now(),
    )
    event = first_authentication(bench)
    elapsed = None if event is None else event.time - since
    limit = JOIN_TIME if limit_s == JOIN_TIME.high else replace(JOIN_TIME, high=limit_s)
    evidence.measure(limit, elapsed, note=f"expected smart meter {meter}")
    assert event is not None
    if event.meter != meter:
        raise TerminalFailure(f"the terminal was authenticated by {event.meter}, not by {meter}")


@then(parsers.parse('the terminal is authenticated by "{meter}" within {seconds:g} seconds of power-on'))
def authenticated_within(
    bench: Bench, evidence: Evidence, powered_on_at: float, meter: str, seconds: float
) -> None:
    if seconds != JOIN_TIME.high:
        raise BenchError(f"the feature says {seconds:g} s but the join limit is {JOIN_TIME.high:g} s")
    _judge_join(bench, evidence, meter, powered_on_at, seconds)


@then(
    parsers.parse(
        'the terminal is authenticated by "{meter}" within its declared retry interval plus 90 seconds'
    )
)
def authenticated_after_slot_freed(
    bench: Bench, evidence: Evidence, slot_freed_at: float, meter: str
) -> None:
    retry = bench.declaration.join.retry_interval_max_s
    _judge_join(bench, evidence, meter, slot_freed_at, retry + JOIN_TIME.high)


@when(
    parsers.parse('a smart meter "{name}" with the terminal\'s Pairing ID comes into range'),
    target_fixture="in_range_at",
)
def meter_comes_into_range(bench: Bench, name: str) -> float:
    bench.route.add_meter(MeterSetup(name=name, pairing_id=declared_pairing_id(bench)))
    return bench.clock.now()


@then(
    parsers.parse(
        'the terminal is authenticated by "{meter}" within its declared retry interval plus 90 seconds '
        "of it coming into range"
    )
)
def authenticated_after_coming_into_range(
    bench: Bench, evidence: Evidence, in_range_at: float, meter: str
) -> None:
    """However long it scanned in vain, a terminal still scans within its declared retry
    interval (its rescan pause is capped), so a meter that appears is found in time."""
    retry = bench.declaration.join.retry_interval_max_s
    _judge_join(bench, evidence, meter, in_range_at, retry + JOIN_TIME.high)


@then(parsers.parse('"{meter}" refuses the terminal'))
def meter_refuses(bench: Bench, powered_on_at: float, meter: str) -> None:
    def refused() -> bool:
        return any(
            e.meter == meter for e in bench.route.events.of(TerminalRefused, terminal=terminal_address(bench))
        )

    if not bench.clock.wait_until(refused, powered_on_at + JOIN_TIME.high - bench.clock.now()):
        raise TerminalFailure(f"the terminal never tried {meter}, the strongest meter with its Pairing ID")


@then(parsers.parse('the terminal never started authentication with "{meter}"'))
def never_tried(bench: Bench, meter: str) -> None:
    attempts = [
        e for e in bench.route.events.of(PanaStarted, terminal=terminal_address(bench)) if e.meter == meter
    ]
    if attempts:
        raise TerminalFailure(f"the terminal started PANA with {meter} at t={attempts[0].time:.3f} s")


@then("the terminal has sent Enhanced Beacon Requests")
def sent_beacon_requests(bench: Bench) -> None:
    if not [f for f in air_of(bench).sent_by(terminal_address(bench)) if f.is_beacon_request]:
        raise TerminalFailure("no Enhanced Beacon Request from the terminal was seen on the air")


@then("every Enhanced Beacon Request from the terminal carries the declared Pairing ID")
def beacon_requests_carry_pairing_id(bench: Bench, evidence: Evidence) -> None:
    declared = declared_pairing_id(bench)
    requests = [f for f in air_of(bench).sent_by(terminal_address(bench)) if f.is_beacon_request]
    carried = sorted({_pairing_id_or_error(f) for f in requests})
    evidence.compare_declared(
        "Pairing ID in the Enhanced Beacon Requests", declared, ", ".join(carried), source="NAT-2.3-A"
    )
    for frame in requests:
        try:
            carried = wpan.pairing_id_of(frame.frame)
        except Exception as exc:  # a malformed IE is the terminal's fault: report it as such
            raise TerminalFailure(
                f"Enhanced Beacon Request at t={frame.time:.3f} s: malformed Pairing ID IE ({exc})"
            ) from None
        if carried != declared:
            raise TerminalFailure(
                f"Enhanced Beacon Request at t={frame.time:.3f} s on channel {frame.channel} carries "
                f"Pairing ID {carried!r}, declared {declared!r}"
            )


def _pairing_id_or_error(frame) -> str:
    try:
        return str(wpan.pairing_id_of(frame.frame))
    except Exception as exc:  # shown, not judged: the step below names the frame
        return f"malformed ({exc})"


@then("the Pairing ID on the air has the guideline's format")
def pairing_id_format(bench: Bench) -> None:
    seen = set()
    for frame in (f for f in air_of(bench).sent_by(terminal_address(bench)) if f.is_beacon_request):
        seen.add(wpan.pairing_id_of(frame.frame))
    if not seen:
        raise TerminalFailure("no Enhanced Beacon Request carried a Pairing ID")
    for pairing_id in sorted(seen, key=str):
        if pairing_id is None or not PAIRING_ID_FORMAT.match(pairing_id):
            raise TerminalFailure(
                f'Pairing ID {pairing_id!r} is not "IOT" + 2 + 3 characters of 0-9 A-Z (NAT seed 2-3)'
            )


@then(parsers.parse("PANA started within {seconds:g} seconds of the end of the active scan"))
def pana_started_promptly(bench: Bench, evidence: Evidence, seconds: float) -> None:
    if seconds != PANA_START_DELAY.high:
        raise BenchError(f"the feature says {seconds:g} s but the limit is {PANA_START_DELAY.high:g} s")
    started = bench.route.events.first(PanaStarted, terminal=terminal_address(bench))
    if started is None:
        evidence.measure(PANA_START_DELAY, None, note="the terminal never started PANA")
        return
    # The scan ends with the terminal's last Enhanced Beacon Request: it must compare
    # every answering meter before it may choose (NAT seed 2-3 ②).
    requests = [
        f.time
        for f in air_of(bench).sent_by(terminal_address(bench))
        if f.is_beacon_request and f.time <= started.time
    ]
    if not requests:
        raise TerminalFailure(f"the terminal started PANA with {started.meter} without an active scan")
    evidence.measure(PANA_START_DELAY, started.time - requests[-1])


def _application_from_terminal(bench: Bench, before: float | None = None) -> list[str]:
    """Application traffic the terminal sent, from the meters' and the sniffer's view."""
    terminal = terminal_address(bench)
    found = [
        f"t={e.time:.3f} s: {e.meter} received UDP {e.src_port}->{e.dst_port}"
        for e in bench.route.events.of(DatagramReceived, terminal=terminal)
        if e.dst_port != PANA_PORT and (before is None or e.time < before)
    ]
    air = air_if_any(bench)
    if air is not None:
        found += [
            f"t={f.time:.3f} s: on the air, {f.summary()}"
            for f in air.sent_by(terminal)
            if f.is_application and (before is None or f.time < before)
        ]
    return found


@then("the terminal sent no application data before it was authenticated")
def no_data_before_authentication(bench: Bench) -> None:
    event = first_authentication(bench)
    early = _application_from_terminal(bench, before=None if event is None else event.time)
    if early:
        raise TerminalFailure(
            "application data before PANA authentication completed: " + "; ".join(early[:3])
        )


@then("the terminal sent no application data")
def no_application_data(bench: Bench) -> None:
    sent = _application_from_terminal(bench)
    if sent:
        raise TerminalFailure("application data from an unauthenticated terminal: " + "; ".join(sent[:3]))


@then("the smart meters never authenticated the terminal")
def never_authenticated(bench: Bench) -> None:
    event = first_authentication(bench)
    if event is not None:
        raise TerminalFailure(f"{event.meter} authenticated the terminal at t={event.time:.3f} s")


@then(
    parsers.parse(
        'the terminal made at most {count:d} authentication attempts on "{meter}" in those 10 minutes'
    )
)
def bounded_attempts(
    bench: Bench, evidence: Evidence, window: tuple[float, float], meter: str, count: int
) -> None:
    if count != FULL_METER_ATTEMPTS.high:
        raise BenchError(f"the feature says {count} attempts but the limit is {FULL_METER_ATTEMPTS.high:g}")
    start, end = window
    attempts = [
        e
        for e in bench.route.events.of(PanaStarted, terminal=terminal_address(bench))
        if e.meter == meter and start <= e.time <= end
    ]
    evidence.measure(FULL_METER_ATTEMPTS, len(attempts))
