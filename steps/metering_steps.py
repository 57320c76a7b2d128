"""Steps of the metering features (features/metering/).

Verdicts come from what the bench observes at the terminal's interfaces: the ECHONET
Lite traffic on the home side (what the terminal asked the meter, what the meter
answered), what reached the bench's HES, what the smart meter saw, and the answers on
the maintenance port. Never from the terminal twin's state (DESIGN.md rule 1).
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise

from pytest_bdd import given, parsers, then, when

from conformance.errors import BenchError, NotApplicable, TerminalFailure
from conformance.interfaces import ID_LEFT_OUT_S, Bench, Evidence, MeterSetup, MeterSpec
from conformance.measurements import (
    ACQUISITION_DELAY,
    CLOCK_ERROR,
    REAUTHENTICATION_TIME,
    ROUND_TRIP,
    UPLOADS_PER_DAY,
)
from conformance.observe.hes_events import (
    CompletionAnswered,
    CompletionRequested,
    MalformedApplicationData,
    MeterMismatch,
    ResponseReceived,
    UploadReceived,
)
from conformance.observe.home import (
    MeterAnswer,
    answers_without_id,
    bus_requests,
    meter_answers,
    meter_reads,
    meter_settings,
    meters_read,
)
from conformance.observe.route_events import TerminalAuthenticated
from conformance.protocols.dlms import CosemAttribute, DataAccessResult
from conformance.protocols.maintenance import PortValue, parse_values, status
from conformance.stimulus.dlms_probe import object_outside
from steps.common import (
    declared_pairing_id,
    maintenance_of,
    maintenance_ok,
    slots,
    sm_datetime_of,
    sm_posix,
    stamp,
    terminal_address,
    terminal_id,
)

LOWER_8_DIGITS = 10**8
SETTLE_S = 600  # values of a slot are judged once this long has passed after it
DAY = 86400


def scenario_password(bench: Bench, purpose: str) -> str:
    """A fresh password for the scenario, derived from the seed so a run replays."""
    return hashlib.sha256(f"{bench.seed}:{purpose}".encode()).hexdigest()[:16]


# -- Given -----------------------------------------------------------------------------


@given(
    parsers.parse(
        'a smart meter "{name}" with the terminal\'s Pairing ID granting sessions of {hours:d} hours'
    )
)
def meter_with_long_sessions(bench: Bench, name: str, hours: int) -> None:
    bench.route.add_meter(
        MeterSetup(name=name, pairing_id=declared_pairing_id(bench), session_lifetime_s=hours * 3600)
    )


@given(parsers.parse('a metering device on the home side with ID "{device_id}"'), target_fixture="meter_spec")
def metering_device(bench: Bench, device_id: str) -> MeterSpec:
    spec = MeterSpec(device_id=bytes.fromhex(device_id))
    bench.home.install_meter(spec)
    return spec


@given("the HES has the terminal commissioned with that metering device", target_fixture="commissioned_at")
def commissioned(bench: Bench, meter_spec: MeterSpec) -> float:
    declaration = bench.declaration
    bench.hes.commission(
        terminal_id(bench), meter_spec.device_id, declaration.metering.granularity_s, declaration.dlms_model
    )
    return bench.clock.now()  # a rig's clock runs on across scenarios: not 0 there


@given(parsers.parse('a second metering device on the home side with ID "{device_id}"'))
def second_metering_device(bench: Bench, meter_spec: MeterSpec, device_id: str) -> None:
    # Counters far from the first meter's, so a value taken from it cannot pass for the other's.
    bench.home.add_meter_beside(MeterSpec(device_id=bytes.fromhex(device_id), import_wh=500_000_000))


@given(parsers.parse("the meter's import counter stands at {wh} Wh and rises {rate} Wh an hour"))
def counter_near_rollover(bench: Bench, meter_spec: MeterSpec, wh: str, rate: str) -> None:
    spec = MeterSpec(
        device_id=meter_spec.device_id,
        import_wh=int(wh.replace(",", "")),
        import_w=float(rate.replace(",", "")),
    )
    bench.home.install_meter(spec)


COUNTER_RANGE = 10**9  # 「積算電力量9桁」


def _counter(bench: Bench, text: str, which: str) -> int:
    """A 9-digit counter from the feature ("999,998,500"), or "seeded": one the run's seed
    draws anywhere in the range, so each seed tries another and a failure replays."""
    if text == "seeded":
        return random.Random(f"{bench.seed}:{which} counter").randrange(COUNTER_RANGE)
    value = int(text.replace(",", ""))
    if not 0 <= value < COUNTER_RANGE:
        raise BenchError(f"{which} counter {value} is not a 9-digit Wh count")
    return value


@given(
    parsers.parse(
        "the meter's counters stand at {imported} Wh imported and {exported} Wh exported, "
        "rising {import_rate} and {export_rate} Wh an hour"
    )
)
def counters_at(
    bench: Bench, meter_spec: MeterSpec, imported: str, exported: str, import_rate: str, export_rate: str
) -> None:
    spec = MeterSpec(
        device_id=meter_spec.device_id,
        import_wh=_counter(bench, imported, "import"),
        export_wh=_counter(bench, exported, "export"),
        import_w=float(import_rate.replace(",", "")),
        export_w=float(export_rate.replace(",", "")),
    )
    bench.home.install_meter(spec)


@given(parsers.parse("the meter imports {import_w} W and exports {export_w} W"))
def meter_load(bench: Bench, meter_spec: MeterSpec, import_w: str, export_w: str) -> None:
    bench.home.set_load(import_w=float(import_w.replace(",", "")), export_w=float(export_w.replace(",", "")))


@given(parsers.parse("the metering device's clock is {minutes:d} minutes slow"))
def meter_clock_slow(bench: Bench, meter_spec: MeterSpec, minutes: int) -> None:
    if not bench.declaration.metering.meter_time_sync:
        # NAT seed 2-5: 「特例計量器等との時刻同期が必要がある場合は」: only then.
        raise NotApplicable("the declaration says the meter's clock needs no setting by the terminal")
    spec = MeterSpec(device_id=meter_spec.device_id, clock_offset_s=-60.0 * minutes)
    bench.home.install_meter(spec)


# -- When ------------------------------------------------------------------------------


@when(parsers.parse("{hours:d} hours pass"), target_fixture="window")
def hours_pass(bench: Bench, hours: int) -> tuple[float, float]:
    start = bench.clock.now()
    bench.clock.wait(hours * 3600)
    return start, bench.clock.now()


@when(parsers.parse("{days:d} days pass"), target_fixture="window")
def days_pass(bench: Bench, days: int) -> tuple[float, float]:
    start = bench.clock.now()
    bench.clock.wait(days * DAY)
    return start, bench.clock.now()


@when(parsers.parse("the HES sets the terminal's granularity to {minutes:d} minutes"))
def hes_sets_granularity(bench: Bench, minutes: int) -> None:
    bench.hes.set_granularity(terminal_id(bench), minutes * 60)


@when("the HES sets the terminal to hourly values uploaded once a day")
def hes_sets_thk_service(bench: Bench) -> None:
    hes = bench.hes
    hes.set_granularity(terminal_id(bench), 3600)
    hes.set_upload_interval(terminal_id(bench), DAY)


@when(parsers.parse('the metering device is replaced by one with ID "{device_id}"'))
def meter_swapped(bench: Bench, device_id: str) -> None:
    bench.home.install_meter(MeterSpec(device_id=bytes.fromhex(device_id)))


@when(parsers.parse("the SM network between the smart meters and the HES fails for {days:d} days"))
def backhaul_outage(bench: Bench, days: int) -> None:
    hes = bench.hes
    hes.interrupt()
    bench.clock.wait(days * DAY)
    hes.restore()


@when("the HES reads the terminal's clock", target_fixture="asked_at")
def hes_reads_clock(bench: Bench) -> float:
    bench.hes.read_clock(terminal_id(bench))
    return bench.clock.now()


OUTSIDE_MODEL = "object outside the model"


@when("the HES asks the terminal for an object outside its object model", target_fixture="probe")
def hes_asks_outside_model(bench: Bench) -> tuple[CosemAttribute, float]:
    attribute = object_outside(bench.declaration.dlms_model, random.Random(f"{bench.seed}:{OUTSIDE_MODEL}"))
    bench.hes.read_attribute(terminal_id(bench), OUTSIDE_MODEL, attribute)
    return attribute, bench.clock.now()


@when(parsers.parse("a handy terminal sets the terminal's clock {minutes:d} minutes fast"))
def handy_sets_clock(bench: Bench, minutes: int) -> None:
    wrong = bench.hes.sm_time() + timedelta(minutes=minutes)
    maintenance_ok(bench, f"CLOCK {wrong.isoformat()}")


@when("the HES changes the terminal's password", target_fixture="new_password")
def hes_changes_password(bench: Bench) -> str:
    password = scenario_password(bench, "changed by the HES")
    bench.hes.set_password(terminal_id(bench), password)
    return password


@when("a handy terminal sets a new password on the maintenance port", target_fixture="new_password")
def handy_sets_password(bench: Bench) -> str:
    password = scenario_password(bench, "changed on the maintenance port")
    maintenance_ok(bench, f"SETTING password {password}")
    return password


@when(
    "the SM system learns the new password and ends the terminal's session", target_fixture="session_ended_at"
)
def sm_learns_password(bench: Bench, new_password: str) -> float:
    bench.route.provision(terminal_id(bench), new_password)
    return _end_session(bench)


@when("the SM system ends the terminal's session", target_fixture="session_ended_at")
def sm_ends_session(bench: Bench) -> float:
    return _end_session(bench)


def _end_session(bench: Bench) -> float:
    joined = bench.route.events.of(TerminalAuthenticated, terminal=terminal_address(bench))
    if not joined:
        raise TerminalFailure("the terminal was never authenticated, so no session could be ended")
    bench.route.terminate_session(joined[-1].meter, terminal_address(bench))
    return bench.clock.now()


@when("the HES tries to change the terminal's authentication ID")
def hes_changes_terminal_id(bench: Bench) -> None:
    bench.hes.set_terminal_id(terminal_id(bench), "F" * len(terminal_id(bench)))


@when(
    "a handy terminal tries to change the authentication ID on the maintenance port",
    target_fixture="port_answer",
)
def handy_changes_terminal_id(bench: Bench) -> list[str]:
    return maintenance_of(bench).command(f"SETTING authentication_id {'E' * len(terminal_id(bench))}")


@when(parsers.parse("a handy terminal sets the granularity to {minutes:d} minutes on the maintenance port"))
def handy_sets_granularity(bench: Bench, minutes: int) -> None:
    maintenance_ok(bench, f"SETTING granularity_s {minutes * 60}")


# -- Then: acquisition and values ------------------------------------------------------


def _judge_reads(bench: Bench, evidence: Evidence, first: int, last: int, step: int) -> None:
    reads = [sm_posix(bench, t) for t in meter_reads(bench.home)]
    expected = slots(first, last - SETTLE_S, step)
    if not expected:
        raise BenchError("the observation window holds no slot")
    worst = 0.0
    for slot in expected:
        delays = [r - slot for r in reads if 0 <= r - slot <= ACQUISITION_DELAY.high]
        if not delays:
            late = [r - slot for r in reads if 0 <= r - slot < step]
            evidence.measure(ACQUISITION_DELAY, late[0] if late else None, note=f"slot {stamp(slot)}")
        worst = max(worst, min(delays))
    evidence.measure(ACQUISITION_DELAY, worst, note=f"worst of {len(expected)} slots")


@then("the terminal read the meter's energy over ECHONET Lite at every :00 and :30 of those hours")
def reads_every_half_hour(bench: Bench, evidence: Evidence, window: tuple[float, float]) -> None:
    first, last = sm_posix(bench, window[0]), sm_posix(bench, window[1])
    reads = [t for t in (sm_posix(bench, r) for r in meter_reads(bench.home)) if first <= t <= last]
    gaps = Counter(round((b - a) / 60) * 60 for a, b in pairwise(reads))
    evidence.compare_declared(
        "granularity (s)",
        bench.declaration.metering.granularity_s,
        gaps.most_common(1)[0][0] if gaps else "no two reads",
        source="NAT-2.5-ACQ",
    )
    _judge_reads(bench, evidence, first, last, 1800)


@then(
    parsers.parse(
        "the terminal read the meter's energy over ECHONET Lite "
        "at every :00 and :30 of the last {hours:d} hours"
    )
)
def reads_last_hours(bench: Bench, evidence: Evidence, hours: int) -> None:
    now = sm_posix(bench)
    _judge_reads(bench, evidence, now - hours * 3600, now, 1800)


@then("the terminal read the meter's energy over ECHONET Lite every 15 minutes of the last hour")
def reads_every_quarter(bench: Bench, evidence: Evidence) -> None:
    now = sm_posix(bench)
    _judge_reads(bench, evidence, now - 3600, now, 900)


def _judge_held(bench: Bench, first: int, last: int, step: int) -> None:
    held = {r.capture_time for r in bench.hes.readings(terminal_id(bench))}
    expected = slots(first, last, step)
    missing = [s for s in expected if s not in held]
    if missing:
        shown = ", ".join(stamp(s) for s in missing[:6])
        raise TerminalFailure(
            f"the HES lacks {len(missing)} of {len(expected)} values (every {step // 60} min): {shown}"
            + (" ..." if len(missing) > 6 else "")
            + _refusals(bench)
        )


def _refusals(bench: Bench) -> str:
    """Values the HES refused (dated in the future, of no named meter ...) explain a missing
    value more often than values never sent: a failure says so rather than "lacks" alone."""
    findings = bench.hes.events.of(MalformedApplicationData)
    if not findings:
        return ""
    return f"; the HES refused the terminal's data {len(findings)} times, first: {findings[0].reason}"


@then("the HES holds a value for every :00 and :30 of those hours")
def held_every_half_hour(bench: Bench, window: tuple[float, float]) -> None:
    _judge_held(bench, sm_posix(bench, window[0]), sm_posix(bench, window[1]) - SETTLE_S, 1800)


@then("the HES holds a value for every :00 and :30 since the terminal was commissioned")
def held_since_commissioning(bench: Bench, commissioned_at: float) -> None:
    _judge_held(bench, sm_posix(bench, commissioned_at), sm_posix(bench) - SETTLE_S, 1800)


@then(parsers.parse("the HES holds a value for every 15 minutes of the last {hours:d} hours"))
def held_every_quarter(bench: Bench, hours: int) -> None:
    # The 15-minute values travel with the declared uploads (every 30 minutes for the
    # reference): a value since the last upload boundary is not due yet (the twin's scenarios
    # end just after one; a rig's calendar may stand anywhere between two).
    now = sm_posix(bench)
    upload = bench.declaration.metering.upload_interval_s
    _judge_held(bench, now - hours * 3600, min(now - SETTLE_S, now - now % upload), 900)


@then(parsers.parse("the HES holds a value for every full hour of the last {days:d} days"))
def held_every_hour(bench: Bench, days: int) -> None:
    # Uploaded once a day (THK seed ch. 7 「1日/回」), a value reaches the HES at the first
    # upload after it: the hours since the last day boundary are not due yet (the twin's
    # scenarios start at one; a rig's calendar may stand anywhere in the day).
    now = sm_posix(bench)
    _judge_held(bench, now - days * DAY, min(now - 3600, now - now % DAY), 3600)


@then("the HES holds no values between the full hours")
def held_only_hours(bench: Bench, window: tuple[float, float]) -> None:
    odd = [
        r.capture_time
        for r in bench.hes.readings(terminal_id(bench))
        if r.capture_time % 3600 and r.capture_time >= sm_posix(bench, window[0]) + DAY
    ]
    if odd:
        raise TerminalFailure(
            f"hourly values were set, yet the HES got values at {stamp(odd[0])} and {len(odd) - 1} more"
        )


@then(
    parsers.parse(
        "the HES holds every full hour of the {days:d} days up to its newest value, and nothing older"
    )
)
def held_retention(bench: Bench, days: int) -> None:
    readings = bench.hes.readings(terminal_id(bench))
    if not readings:
        raise TerminalFailure("the HES holds no value at all" + _refusals(bench))
    newest = readings[-1].capture_time
    _judge_held(bench, newest - days * DAY + 1, newest, 3600)
    oldest = readings[0].capture_time
    if oldest <= newest - days * DAY:
        raise BenchError(
            f"the HES twin kept a value of {stamp(oldest)}, more than {days} days before its newest"
        )


def _answered_at(bench: Bench) -> list[MeterAnswer]:
    return [replace(a, time=sm_posix(bench, a.time)) for a in meter_answers(bench.home)]


def _meter_value_for(bench: Bench, answers: list[MeterAnswer], capture: int) -> tuple[int, int]:
    """What the meter answered for the slot at ``capture`` (within the acquisition limit):
    (import, export) Wh, each from the first answer of the slot that carried it. A slot the
    terminal did not read, or read only in part, is a failure that says which (never "not
    read" when it was read in part)."""
    window = [a for a in answers if capture <= a.time <= capture + ACQUISITION_DELAY.high]
    imported = next((a.import_wh for a in window if a.import_wh is not None), None)
    exported = next((a.export_wh for a in window if a.export_wh is not None), None)
    if imported is not None and exported is not None:
        return imported, exported
    within = f"within {ACQUISITION_DELAY.high:g} s of {stamp(capture)}"
    if not window:
        asked = [t for t in (sm_posix(bench, r) for r in meter_reads(bench.home)) if t >= capture]
        if asked and asked[0] - capture <= ACQUISITION_DELAY.high:
            raise TerminalFailure(f"the terminal asked the meter {within}, but no answer of the meter came")
        raise TerminalFailure(
            f"the HES got a value for {stamp(capture)}, but the terminal did not read the meter {within}"
        )
    lacking = " and ".join(
        name
        for name, value in (("0xE0 (AC input)", imported), ("0xE2 (AC output)", exported))
        if value is None
    )
    raise TerminalFailure(
        f"the HES got a value for {stamp(capture)}, but the terminal read only part of the meter "
        f"{within}: no answer carried {lacking}"
    )


def _compare(bench: Bench, column: str) -> None:
    answers = _answered_at(bench)
    readings = bench.hes.readings(terminal_id(bench))
    if not readings:
        raise TerminalFailure("no value reached the HES" + _refusals(bench))
    for reading in readings:
        imp, exp = _meter_value_for(bench, answers, reading.capture_time)
        expected = {"import": imp % LOWER_8_DIGITS, "export": exp % LOWER_8_DIGITS}
        got = {"import": reading.import_wh, "export": reading.export_wh}
        for name in ("import", "export") if column == "both" else (column,):
            if got[name] != expected[name]:
                raise TerminalFailure(
                    f"value of {stamp(reading.capture_time)}: the HES got {name} {got[name]} Wh, "
                    f"the meter showed {imp if name == 'import' else exp} Wh "
                    f"(0x{'E0' if name == 'import' else 'E2'}), lower 8 digits "
                    f"{expected[name]} Wh"
                )


@then("every value at the HES is the lower 8 digits of what the meter answered at that time")
def values_are_lower_8_digits(bench: Bench) -> None:
    _compare(bench, "both")


@then("the import values at the HES follow the meter's AC input 0xE0")
def import_follows_e0(bench: Bench) -> None:
    _compare(bench, "import")


@then("the export values at the HES follow the meter's AC output 0xE2")
def export_follows_e2(bench: Bench) -> None:
    _compare(bench, "export")


@then("the import values at the HES cross 99,999,999 to a small number")
def crosses_rollover(bench: Bench) -> None:
    values = [r.import_wh for r in bench.hes.readings(terminal_id(bench))]
    if not any(a > LOWER_8_DIGITS - 10_000 and b < 10_000 for a, b in pairwise(values)):
        raise TerminalFailure(f"the import values never rolled over 99,999,999 -> 0: {values[:8]}")


@then("the HES received the energy in kWh with three decimals")
def kwh_three_decimals(bench: Bench) -> None:
    uploads = bench.hes.events.of(UploadReceived)
    if not uploads:
        raise TerminalFailure("no upload reached the HES")
    for upload in uploads:
        if upload.unit != 30 or upload.scaler != 0:
            raise TerminalFailure(
                f"upload at t={upload.time:.1f} s carries scaler {upload.scaler}, unit {upload.unit}: "
                "one count is "
                f"10^{upload.scaler} Wh, not 0.001 kWh (「小数点以下第三位が1Wh単位」)"
            )
    _compare(bench, "both")


# -- Then: upload frequency, settings, meter identity ---------------------------------


@then(
    parsers.parse("the HES received at most one upload a day from the terminal over the last {days:d} days")
)
def upload_frequency(bench: Bench, evidence: Evidence, days: int) -> None:
    since = bench.clock.now() - days * DAY
    uploads = bench.hes.events.of(UploadReceived, since=since)
    evidence.measure(UPLOADS_PER_DAY, len(uploads) / days, note=f"{len(uploads)} uploads in {days} days")


@then("the HES saw the setting accepted")
def setting_accepted(bench: Bench) -> None:
    answers = [
        e for e in bench.hes.events.of(ResponseReceived) if e.request in ("granularity", "upload interval")
    ]
    if not answers:
        raise TerminalFailure("the terminal never answered the HES's setting request")
    refused = [f"{e.request}: {e.result}" for e in answers if e.result != "success"]
    if refused:
        raise TerminalFailure("the terminal refused the setting: " + "; ".join(refused))


@then(parsers.parse('the HES flagged a metering device mismatch for "{device_id}"'))
def mismatch_flagged(bench: Bench, device_id: str) -> None:
    flagged = [e for e in bench.hes.events.of(MeterMismatch) if e.reported == device_id.upper()]
    if not flagged:
        reported = sorted({e.meter_id or "(an empty ID)" for e in bench.hes.events.of(UploadReceived)})
        raise TerminalFailure(
            f"the metering device was swapped for {device_id}, "
            f"but the terminal kept reporting {', '.join(reported)}"
        )


# -- Then: the metering devices and the wire the terminal reads --------------------------

# NAT seed 2-1 「無線端末に収容可能な特例計量器等は、1台を基本とする」.
ONE_METER = "1 (「1台を基本」)"


@then("the terminal read energy from one metering device only")
def one_meter_read(bench: Bench, evidence: Evidence) -> None:
    read = meters_read(bench.home)
    evidence.compare_declared("metering devices read", ONE_METER, len(read), source="NAT-2.1-B")
    if not read:
        raise TerminalFailure("the terminal read no metering device on the home network")
    if len(read) > 1:
        shown = "; ".join(
            f"{address} (device ID {', '.join(sorted(ids)) or 'none seen'})"
            for address, ids in sorted(read.items())
        )
        raise TerminalFailure(
            f"the terminal read {len(read)} metering devices, {shown}: it serves one (「1台を基本とする」)"
        )


@then("the HES got the values of one metering device only")
def one_meter_at_hes(bench: Bench) -> None:
    reported = sorted({e.meter_id for e in bench.hes.events.of(UploadReceived) if e.values})
    if not reported:
        raise TerminalFailure("no value reached the HES" + _refusals(bench))
    if len(reported) > 1:
        raise TerminalFailure(
            f"the terminal sent the HES values of {len(reported)} metering devices ({', '.join(reported)}): "
            "it serves one (「1台を基本とする」)"
        )


@then("the terminal read the meter over its declared wired interface and no other")
def reads_declared_wire(bench: Bench, evidence: Evidence) -> None:
    declared = bench.declaration.metering.meter_interface
    home = bench.home
    # A LAN read is a Get of the energy to the meter; a bus read is any frame the terminal,
    # the bus's master, put on the RS-485 pair (THK seed ch. 8 「有線インターフェース」).
    used = {
        name
        for name, seen in (("echonet-lite", meter_reads(home)), ("modbus-rtu", bus_requests(home)))
        if seen
    }
    observed = " and ".join(sorted(used)) or "none"
    evidence.compare_declared("meter interface", declared, observed, source="THK-8-IF")
    if declared not in used:
        raise TerminalFailure(
            f"the terminal declares {declared} to its meter but never read the meter over it"
        )
    others = sorted(used - {declared})
    if others:
        raise TerminalFailure(
            f"the terminal declares {declared} to its meter, yet it also read over {', '.join(others)}: "
            "the interface it declares is not the one it uses"
        )


# -- Then: completion, delay, time ----------------------------------------------------------


@then("the HES closed the gap by asking the terminal, with no operator action")
def gap_closed(bench: Bench) -> None:
    hes = bench.hes
    asked = hes.events.of(CompletionRequested)
    answered = [e for e in hes.events.of(CompletionAnswered) if e.new]
    if not asked:
        raise BenchError("the HES never asked for missing values: the outage left no gap")
    if not answered:
        raise TerminalFailure(
            f"the HES asked for {len(asked)} ranges; the terminal supplied no missing value"
        )
    left = hes.missing(terminal_id(bench))
    if left:
        raise TerminalFailure(
            f"after completion the HES still lacks {len(left)} ranges, from {stamp(left[0][0])}"
        )


@then(
    parsers.parse(
        "the maintenance port gives every :00 and :30 value "
        "of the last {hours:d} hours as the meter showed it"
    )
)
def port_values(bench: Bench, hours: int) -> None:
    now = sm_posix(bench)
    first, last = now - hours * 3600, now - SETTLE_S
    answer = maintenance_ok(
        bench, f"VALUES? {sm_datetime_of(first).isoformat()} {sm_datetime_of(now).isoformat()}"
    )
    values = {int(v.capture_time.timestamp()): v for v in parse_values(answer)}
    answers = _answered_at(bench)
    for slot in slots(first, last, 1800):
        if slot not in values:
            raise TerminalFailure(f"the maintenance port gave no value for {stamp(slot)}")
    _judge_port_values(bench, answers, values, now - hours * 3600, now)


def _judge_port_values(
    bench: Bench, answers: list[MeterAnswer], values: dict[int, PortValue], first: int, last: int
) -> None:
    """The value oracle of the maintenance port: every value it gave, not only those of the
    slots the scenario asks for, is what the meter answered at that slot (lower 8 digits),
    and none lies outside the range asked (NAT seed 2-5 「欠測補完」 by a handy terminal)."""
    for slot, value in sorted(values.items()):
        if not first <= slot <= last:
            raise TerminalFailure(
                f"asked for {stamp(first)} to {stamp(last)}, the maintenance port gave {stamp(slot)}"
            )
        shown = _meter_value_for(bench, answers, slot)
        if (value.import_wh, value.export_wh) != (shown[0] % LOWER_8_DIGITS, shown[1] % LOWER_8_DIGITS):
            raise TerminalFailure(
                f"the maintenance port's value for {stamp(slot)} is {value}, the meter showed {shown}"
            )


@then(parsers.parse("the HES got the answer within {seconds:d} seconds"))
def answered_within(bench: Bench, evidence: Evidence, asked_at: float, seconds: int) -> None:
    if seconds != ROUND_TRIP.high:
        raise BenchError(f"the feature says {seconds} s but the limit is {ROUND_TRIP.high:g} s")
    hes = bench.hes

    def answer():
        return next(
            (e for e in hes.events.of(ResponseReceived, since=asked_at) if e.request == "clock"), None
        )

    bench.clock.wait_until(lambda: answer() is not None, 2 * ROUND_TRIP.high)
    event = answer()
    evidence.measure(ROUND_TRIP, None if event is None else event.time - event.requested_at, note="GET clock")


@then("the terminal answers that the object is undefined")
def answered_object_undefined(bench: Bench, probe: tuple[CosemAttribute, float]) -> None:
    # IEC 62056-5-3, GET service (paraphrased): a Get-Response-Normal's Get-Data-Result is a
    # CHOICE of the Data or a Data-Access-Result; an attribute of an object the server does not
    # hold is answered with the result object-undefined (4), not left unanswered or empty.
    attribute, asked_at = probe
    hes, asked = bench.hes, f"GET {attribute.obis} attribute {attribute.attribute}"

    def answer() -> ResponseReceived | None:
        answers = hes.events.of(ResponseReceived, since=asked_at)
        return next((e for e in answers if e.request == OUTSIDE_MODEL), None)

    bench.clock.wait_until(lambda: answer() is not None, 2 * ROUND_TRIP.high)
    event, expected = answer(), DataAccessResult.OBJECT_UNDEFINED
    if event is None:
        findings = [e.reason for e in hes.events.of(MalformedApplicationData, since=asked_at)]
        said = f"; the HES could not decode what came: {findings[0]}" if findings else ""
        raise TerminalFailure(f"{asked}: no Get-Response in {2 * ROUND_TRIP.high:g} s{said}")
    if event.result != expected.name.lower():
        got = f"data {event.data!r}" if event.result == "success" else f"data-access-result {event.result}"
        raise TerminalFailure(
            f"{asked}: the terminal answered {got}, not {expected.name.lower()} ({expected.value})"
        )


@then(parsers.parse("the terminal's clock agrees with the SM system's within {seconds:d} seconds"))
def terminal_clock_agrees(bench: Bench, evidence: Evidence, seconds: int) -> None:
    answer = maintenance_ok(bench, "CLOCK?")
    terminal_time = datetime.fromisoformat(answer[-1].split(" ", 1)[1])
    error = (terminal_time - bench.hes.sm_time()).total_seconds()
    evidence.measure(CLOCK_ERROR, abs(error), note=f"terminal clock {error:+.0f} s from the SM system's")


@then("the terminal set the meter's clock over ECHONET Lite")
def meter_clock_set(bench: Bench, evidence: Evidence) -> None:
    settings = meter_settings(bench.home)
    evidence.compare_declared(
        "sets the meter's clock",
        bench.declaration.metering.meter_time_sync,
        bool(settings),
        source="NAT-2.5-TIME",
    )
    if not settings:
        raise TerminalFailure("the terminal never set the meter's time over ECHONET Lite (0x97/0x98/0xDA)")


@then(parsers.parse("the meter's clock agrees with the SM system's within {seconds:d} seconds"))
def meter_clock_agrees(bench: Bench, evidence: Evidence, seconds: int) -> None:
    error = bench.home.meter_clock_error()
    evidence.measure(CLOCK_ERROR, abs(error), note=f"meter clock {error:+.0f} s from the SM system's")


# -- Then: authentication after a setting change ------------------------------------------


def _reauthenticated(bench: Bench, evidence: Evidence, since: float) -> TerminalAuthenticated | None:
    def event():
        return next(
            (
                e
                for e in bench.route.events.of(TerminalAuthenticated, terminal=terminal_address(bench))
                if e.time > since
            ),
            None,
        )

    bench.clock.wait_until(lambda: event() is not None, REAUTHENTICATION_TIME.high * 2)
    found = event()
    evidence.measure(REAUTHENTICATION_TIME, None if found is None else found.time - since)
    return found


@then("the terminal is authenticated again with the new password within 5 minutes")
def reauthenticated_new_password(bench: Bench, evidence: Evidence, session_ended_at: float) -> None:
    _reauthenticated(bench, evidence, session_ended_at)


@then("the terminal is authenticated again with its declared authentication ID within 5 minutes")
def reauthenticated_same_id(bench: Bench, evidence: Evidence, session_ended_at: float) -> None:
    found = _reauthenticated(bench, evidence, session_ended_at)
    if found is not None and found.terminal_id != terminal_id(bench):
        raise TerminalFailure(f"the terminal authenticated as {found.terminal_id!r}, not its declared ID")


@then("the HES saw the authentication ID change refused")
def hes_id_change_refused(bench: Bench) -> None:
    answers = [e for e in bench.hes.events.of(ResponseReceived) if e.request == "authentication ID"]
    if not answers:
        raise TerminalFailure("the terminal never answered the HES's request to change its authentication ID")
    if answers[-1].result == "success":
        raise TerminalFailure(
            "the terminal accepted a new authentication ID from the HES (「認証IDは設定変更不可」)"
        )


@then("the maintenance port refused the authentication ID change")
def port_id_change_refused(port_answer: list[str]) -> None:
    if status(port_answer).startswith("OK"):
        raise TerminalFailure(
            "the maintenance port accepted a new authentication ID (「認証IDは設定変更不可」)"
        )


# -- A meter answer without its ID (NAT-3.1-T3; conformance/MODELLED.md) ------------------

HALF_HOUR = 1800


@given(
    "the metering device leaves its ID (0xD1) out of its answers in a slot the seed draws",
    target_fixture="meter_spec",
)
def meter_leaves_id_out(bench: Bench, meter_spec: MeterSpec) -> MeterSpec:
    """One :00 or :30 slot in the second to fourth hour from now (the terminal long joined),
    drawn from the run's seed: in its first minute the meter answers energy without 0xD1."""
    first = (sm_posix(bench) + 3600) // HALF_HOUR * HALF_HOUR + HALF_HOUR
    slot = first + HALF_HOUR * random.Random(f"{bench.seed}:id left out").randrange(4)
    spec = replace(meter_spec, id_left_out=(slot,))
    bench.home.install_meter(spec)
    return spec


@then("the HES got no value of the slot the meter answered without its ID, under any meter's ID")
def no_value_without_id(bench: Bench, meter_spec: MeterSpec) -> None:
    """NAT seed 7-1 ③: the ID the SM system checks must be the one obtained with the value; a
    value the meter gave without it, sent under an ID (carried over from an earlier read, or
    made up), would let a swapped meter pass. An upload with an empty ID is the identity
    monitor's (meter-identity, the same requirement)."""
    slots = meter_spec.id_left_out
    if not slots:
        raise BenchError("the scenario left no slot without the meter's ID (its Given is missing)")
    answered = [sm_posix(bench, t) for t in answers_without_id(bench.home)]
    tried = [s for s in slots if any(s <= t < s + ID_LEFT_OUT_S for t in answered)]
    if not tried:
        shown = ", ".join(stamp(s) for s in slots)
        raise NotApplicable(f"the terminal did not read the meter in the minute of {shown}: nothing to judge")
    for upload in bench.hes.events.of(UploadReceived):
        for value in (*upload.values, *upload.refused):
            if value.capture_time in tried and upload.meter_id:
                raise TerminalFailure(
                    f"the HES got the value of {stamp(value.capture_time)} under meter ID {upload.meter_id}, "
                    "but the meter's answers in that slot carried no ID (0xD1): a value not obtained "
                    "with its meter's ID (「特例計量器ID等を取得し、電力SMシステムで検知」)"
                )


@then(parsers.parse("the maintenance port shows the granularity set to {minutes:d} minutes"))
def port_shows_granularity(bench: Bench, minutes: int) -> None:
    """NAT seed 2-5 ※3 「ハンディターミナル等により、機器情報の設定・変更等ができること」: the
    setting a handy terminal made reads back as made (SETTING? granularity_s)."""
    shown = maintenance_ok(bench, "SETTING? granularity_s")[-1].split(" ", 1)
    value = shown[1].strip() if len(shown) == 2 else ""
    if value != str(minutes * 60):
        raise TerminalFailure(
            f"the maintenance port shows granularity_s {value or '(nothing)'}, not the {minutes * 60} s "
            "a handy terminal set"
        )


@given(
    "the metering device leaves the first request of a slot the seed draws unanswered",
    target_fixture="meter_spec",
)
def meter_deaf_in_a_slot(bench: Bench, meter_spec: MeterSpec) -> MeterSpec:
    """One :00 or :30 slot in the second to fourth hour from now, drawn from the run's seed:
    the terminal's first Get of it goes unanswered, so only a repeated one gets the value."""
    first = (sm_posix(bench) + 3600) // HALF_HOUR * HALF_HOUR + HALF_HOUR
    slot = first + HALF_HOUR * random.Random(f"{bench.seed}:deaf slot").randrange(4)
    spec = replace(meter_spec, deaf_at=(slot,))
    bench.home.install_meter(spec)
    return spec
