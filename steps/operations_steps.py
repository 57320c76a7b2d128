"""Steps of the operations features (features/operations/): the terminal's logs, its
firmware update, disconnection and reconnection by the SM system, and its LED.

Verdicts come from what the bench observes (DESIGN.md rule 1): the logs, the firmware
version and the LED as the maintenance port reports them, judged against what the smart
meter observed at the same moments (route events), what was on the air and what reached
the HES; never from the terminal twin's state.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import pairwise

import allure
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pytest_bdd import parsers, then, when

from conformance.errors import BenchError, NotApplicable, TerminalFailure
from conformance.interfaces import Bench, Evidence
from conformance.judge.incident import IncidentRecord, terminal_incident
from conformance.judge.led import judge_led
from conformance.measurements import (
    CUT_ATTEMPTS_PER_HOUR,
    CUT_RETRY_PAUSE,
    JOIN_TIME,
    LED_LAG,
    LOG_ENTRIES_KEPT,
    LOG_TIME_ERROR,
    RECONNECTION_TIME,
    UPDATE_REJOIN_TIME,
)
from conformance.observe.route_events import (
    AuthenticationRejected,
    DatagramReceived,
    PanaStarted,
    SessionEnded,
    TerminalAuthenticated,
)
from conformance.protocols import firmware_image
from conformance.protocols.maintenance import PortLogEntry, parse_log, status
from conformance.protocols.pana import PANA_PORT
from conformance.stimulus.firmware_keys import TWIN_VENDOR_KEY
from steps.common import air_if_any, maintenance_of, maintenance_ok, terminal_address, terminal_id

ACCESS, EVENT = "access", "event"
# The PTR and its answer: frames the terminal had queued at the cut may still go out.
CUT_GRACE_S = 2.0
IMAGE_PAYLOAD = hashlib.sha256(b"the bench's firmware test payload").digest() * 16  # 512 octets
WATCH_PERIOD_S = 1.0
INCIDENT = "incident record (THK-14-REPORT)"
HES_LOG = "HES operation log (NAT-3.2-LOG)"


def _log(bench: Bench, which: str) -> list[PortLogEntry]:
    return parse_log(maintenance_ok(bench, f"LOG? {which}"))


def _sm_time_at(bench: Bench, virtual: float) -> datetime:
    """The SM system's clock at a moment of the bench's clock."""
    return bench.hes.sm_time() + timedelta(seconds=virtual - bench.clock.now())


def _events(bench: Bench, kind: type, *, since: float = 0.0, meter: str | None = None) -> list:
    return [
        e
        for e in bench.route.events.of(kind, terminal=terminal_address(bench))
        if e.time >= since and meter in (None, e.meter)
    ]


# -- logs (NAT-3.1-T5, NAT-3.2-LOG) -------------------------------------------------------


@when("the SM system registers the terminal's declared password")
def declared_password_registered(bench: Bench) -> None:
    credentials = bench.declaration.credentials
    bench.route.provision(credentials.authentication_id, credentials.password.get_secret_value())


@when("a handy terminal reads the access and event logs", target_fixture="logs_before")
def read_logs(bench: Bench) -> dict[str, list[PortLogEntry]]:
    return {which: _log(bench, which) for which in (ACCESS, EVENT)}


@when(parsers.parse("the terminal is powered off for {minutes:d} minutes"))
def powered_off_for(bench: Bench, minutes: int) -> None:
    bench.terminal.power_off()
    bench.clock.wait(minutes * 60)


@when("the declared log retention period less one day passes")
def retention_passes(bench: Bench) -> None:
    bench.clock.wait((bench.declaration.logs.retention_days - 1) * 86400)


OVERFLOW = 50


@when(
    f"a handy terminal changes the upload interval {OVERFLOW} more times than the logs hold",
    target_fixture="written_values",
)
def overflow_logs(bench: Bench) -> list[int]:
    declared = bench.declaration.logs
    count = max(declared.access_log_entries, declared.event_log_entries) + OVERFLOW
    values = [10**6 + i for i in range(count)]  # seven digits each: no value is part of another
    for value in values:
        maintenance_ok(bench, f"SETTING upload_interval_s {value}")
    return values


def _judge_times(
    evidence: Evidence, bench: Bench, entries: list[PortLogEntry], observed: list, what: str
) -> None:
    """Each observation needs its own log entry, within the limit of the observation's time."""
    if not observed:
        raise BenchError(f"the scenario produced no {what} to look for in the log")
    unused = list(entries)
    worst = 0.0
    for event in observed:
        at = _sm_time_at(bench, event.time)
        errors = [abs((e.time - at).total_seconds()) for e in unused]
        if not errors:
            evidence.measure(LOG_TIME_ERROR, None, note=f"{what} at t={event.time:.1f} s has no log entry")
        best = min(range(len(errors)), key=errors.__getitem__)
        worst = max(worst, errors[best])
        if errors[best] > LOG_TIME_ERROR.high:
            evidence.measure(
                LOG_TIME_ERROR, errors[best], note=f"{what} at t={event.time:.1f} s: nearest entry"
            )
        del unused[best]
    evidence.measure(LOG_TIME_ERROR, worst, note=f"worst of {len(observed)} {what}s")


@then(
    parsers.parse(
        'the access log has an authentication failure for every rejection "{meter}" made, '
        "at the time it made it"
    )
)
def failures_logged(bench: Bench, evidence: Evidence, meter: str) -> None:
    failures = [e for e in _log(bench, ACCESS) if e.kind == "auth-failure"]
    _judge_times(evidence, bench, failures, _events(bench, AuthenticationRejected, meter=meter), "rejection")


@then(
    parsers.parse(
        'the access log has an authentication failure for every rejection "{meter}" made in those minutes, '
        "at the time it made it"
    )
)
def failures_logged_in_window(
    bench: Bench, evidence: Evidence, meter: str, window: tuple[float, float]
) -> None:
    """The rejections of a window the logs were already full in: a full log drops its oldest
    entries, never the newest failures (NAT-3.2-LOG with NAT-3.1-T5's 「不正アクセス…の証跡」)."""
    failures = [e for e in _log(bench, ACCESS) if e.kind == "auth-failure"]
    rejections = _events(bench, AuthenticationRejected, since=window[0], meter=meter)
    _judge_times(evidence, bench, failures, rejections, "rejection")


@then(
    parsers.parse(
        'the access log has an authentication success for every time "{meter}" authenticated the terminal'
    )
)
def successes_logged(bench: Bench, evidence: Evidence, meter: str) -> None:
    successes = [e for e in _log(bench, ACCESS) if e.kind == "auth-success"]
    observed = _events(bench, TerminalAuthenticated, meter=meter)
    _judge_times(evidence, bench, successes, observed, "authentication")


def _setting_entries(bench: Bench, name: str, value: int, source: str) -> list[PortLogEntry]:
    return [
        e
        for e in _log(bench, EVENT)
        if e.kind == "setting-changed" and f"{name}={value}" in e.detail.split() and source in e.detail
    ]


@then(
    parsers.parse(
        "the event log records the granularity set to {by_hes:d} s by the SM system "
        "and to {by_port:d} s by the maintenance port"
    )
)
def settings_logged(bench: Bench, by_hes: int, by_port: int) -> None:
    for value, source in ((by_hes, "SM system"), (by_port, "maintenance port")):
        if not _setting_entries(bench, "granularity_s", value, source):
            raise TerminalFailure(
                f"the event log has no setting-changed entry for granularity_s={value} by the {source}"
            )


@then(parsers.parse('the event log records the metering device changing from "{old}" to "{new}"'))
def meter_change_logged(bench: Bench, old: str, new: str) -> None:
    changes = [e for e in _log(bench, EVENT) if e.kind == "meter-changed"]
    if not any(old.upper() in e.detail.upper() and new.upper() in e.detail.upper() for e in changes):
        shown = "; ".join(e.detail for e in changes) or "none"
        raise TerminalFailure(
            f"no meter-changed entry from {old} to {new} in the event log (entries: {shown})"
        )


@then("the event log records a DoS detection after the flood began")
def dos_logged(bench: Bench, flood) -> None:
    """``flood`` is the DoS steps' (steps/dos_steps.py): when the bench's flood began."""
    began = _sm_time_at(bench, flood.run.started) - timedelta(seconds=LOG_TIME_ERROR.high)
    if not [e for e in _log(bench, EVENT) if e.kind == "dos-detected" and e.time >= began]:
        raise TerminalFailure(f"no dos-detected entry in the event log after the {flood.kind} flood began")


def _lost(before: list[PortLogEntry], after: list[PortLogEntry]) -> list[PortLogEntry]:
    kept = set(after)
    return [e for e in before if e not in kept]


@then("the access and event logs still hold every entry read before")
def logs_kept(bench: Bench, logs_before: dict[str, list[PortLogEntry]]) -> None:
    for which, before in logs_before.items():
        if not before:
            raise BenchError(f"the {which} log was empty before: nothing to keep")
        lost = _lost(before, _log(bench, which))
        if lost:
            raise TerminalFailure(
                f"the {which} log lost {len(lost)} of the {len(before)} entries read before, "
                f"the first: {lost[0].time.isoformat()} {lost[0].kind} {lost[0].detail}"
            )


@then(parsers.parse("the {which} log holds at least its declared number of entries, the newest of them"))
def newest_kept(bench: Bench, evidence: Evidence, written_values: list[int], which: str) -> None:
    declared = getattr(bench.declaration.logs, f"{which}_log_entries")
    entries = _log(bench, which)
    evidence.measure(replace(LOG_ENTRIES_KEPT, low=declared), len(entries), note=f"{which} log")
    held = {
        int(number)
        for e in entries
        if e.kind in ("maintenance", "setting-changed") and "upload_interval_s" in e.detail
        for number in re.findall(r"\d+", e.detail)
    }
    missing = [v for v in written_values[-declared:] if v not in held]
    if missing:
        raise TerminalFailure(
            f"the {which} log lacks {len(missing)} of the newest {declared} changes the bench made, "
            f"the first: upload_interval_s {missing[0]} (change {written_values.index(missing[0]) + 1} "
            f"of {len(written_values)})"
        )


# -- firmware update (NAT-3.1-T6) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Update:
    version: str  # of the image offered
    at: float
    answer: list[str]


def _vendor_key(bench: Bench) -> Ed25519PrivateKey:
    """The bench signs test images only for the twin vendor, whose key it holds."""
    declared = bytes.fromhex(bench.declaration.firmware.signing_public_key)
    if TWIN_VENDOR_KEY.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) != declared:
        raise NotApplicable(
            "the bench holds no signing key for this vendor: signed test images are the vendor's to supply"
        )
    return TWIN_VENDOR_KEY


def _running_version(bench: Bench) -> str:
    return maintenance_ok(bench, "FIRMWARE?")[-1].split(" ", 1)[1]


def _bumped(version: str, step: int) -> str:
    """A version just above (step +1) or just below (step -1) ``version``: 1.0.0 -> 1.0.1, 0.99.99."""
    parts = [int(p) for p in version.split(".")]
    if step < 0:
        position = max((i for i, p in enumerate(parts) if p > 0), default=None)
        if position is None:
            raise BenchError(f"no version is older than {version}")
        parts[position] -= 1
        parts[position + 1 :] = [99] * (len(parts) - position - 1)
    else:
        parts[-1] += 1
    return ".".join(str(p) for p in parts)


def _image(bench: Bench, version: str, **changes) -> bytes:
    identity = bench.declaration.identity
    fields = {"vendor": identity.vendor, "model": identity.model, "key": _vendor_key(bench)} | changes
    return firmware_image.build(version=version, payload=IMAGE_PAYLOAD, **fields)


def _offer(bench: Bench, version: str, data: bytes) -> Update:
    answer = maintenance_of(bench).command(f"FIRMWARE {base64.b64encode(data).decode('ascii')}")
    return Update(version, bench.clock.now(), answer)


@when("a handy terminal installs a signed image of a newer version", target_fixture="update")
def install_newer(bench: Bench) -> Update:
    version = _bumped(_running_version(bench), +1)
    return _offer(bench, version, _image(bench, version))


def _altered(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x01])


OFFERS = {
    "signed by the vendor, with the payload altered": lambda b, v: _altered(_image(b, _bumped(v, +1))),
    "with no signature": lambda b, v: _image(b, _bumped(v, +1), key=None),
    "signed with another key": lambda b, v: _image(
        b,
        _bumped(v, +1),
        key=Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"not the vendor").digest()),
    ),
    "of an older version": lambda b, v: _image(b, _bumped(v, -1)),
    "of the version it runs": lambda b, v: _image(b, v),
    "for another model": lambda b, v: _image(
        b, _bumped(v, +1), model=b.declaration.identity.model + " Mk II"
    ),
    "cut short": lambda b, v: _image(b, _bumped(v, +1))[:-100],
}


@when(parsers.parse("a handy terminal tries to install an image {which}"), target_fixture="update")
def install_bad(bench: Bench, which: str) -> Update:
    if which not in OFFERS:
        raise BenchError(f"the bench has no image {which!r}; it has: {', '.join(OFFERS)}")
    running = _running_version(bench)
    return _offer(bench, running, OFFERS[which](bench, running))


@then("the maintenance port accepted the image")
def image_accepted(update: Update) -> None:
    if status(update.answer) != f"OK {update.version}":
        raise TerminalFailure(f"the terminal refused a signed image of {update.version}: {update.answer[-1]}")


@then("the maintenance port refused the image")
def image_refused(update: Update) -> None:
    if not status(update.answer).startswith("ERR REFUSED"):
        raise TerminalFailure(f"the terminal took an image it must refuse: {update.answer[-1]}")


@then(parsers.parse("the terminal is authenticated again within {minutes:d} minutes of the update"))
def rejoined_after_update(bench: Bench, evidence: Evidence, update: Update, minutes: int) -> None:
    if minutes * 60 != UPDATE_REJOIN_TIME.high:
        raise BenchError(f"the feature says {minutes} min but the limit is {UPDATE_REJOIN_TIME.high:g} s")

    def rejoined() -> list:
        return _events(bench, TerminalAuthenticated, since=update.at)

    bench.clock.wait_until(
        lambda: bool(rejoined()), update.at + 2 * UPDATE_REJOIN_TIME.high - bench.clock.now()
    )
    found = rejoined()
    evidence.measure(UPDATE_REJOIN_TIME, found[0].time - update.at if found else None, note=update.version)


@then("the terminal reports the new version on the maintenance port")
def reports_new_version(bench: Bench, update: Update) -> None:
    running = _running_version(bench)
    if running != update.version:
        raise TerminalFailure(f"after installing {update.version} the terminal reports firmware {running}")


@then("the terminal still reports its declared firmware version")
def reports_declared_version(bench: Bench) -> None:
    running, declared = _running_version(bench), bench.declaration.identity.firmware_version
    if running != declared:
        raise TerminalFailure(f"the terminal reports firmware {running}, not the declared {declared}")


def _firmware_entries(bench: Bench, kind: str, since: float) -> list[PortLogEntry]:
    earliest = _sm_time_at(bench, since) - timedelta(seconds=LOG_TIME_ERROR.high)
    return [e for e in _log(bench, EVENT) if e.kind == kind and e.time >= earliest]


@then("the event log records the installation of the new version")
def installation_logged(bench: Bench, update: Update) -> None:
    entries = _firmware_entries(bench, "firmware-installed", update.at)
    if not any(update.version in e.detail.split() for e in entries):
        raise TerminalFailure(f"the event log has no firmware-installed entry for {update.version}")


@then("the event log records the refusal")
def refusal_logged(bench: Bench, update: Update) -> None:
    if not _firmware_entries(bench, "firmware-refused", update.at):
        raise TerminalFailure(
            "the terminal refused the image but its event log has no firmware-refused entry"
        )


@then("the terminal stayed on the network")
def stayed_on(bench: Bench, update: Update) -> None:
    ended = _events(bench, SessionEnded, since=update.at)
    if ended:
        raise TerminalFailure(f"{ended[0].meter} saw the terminal's session end at t={ended[0].time:.1f} s")


# -- disconnection and reconnection (NAT-3.4-CUT, THK-14-CUT, THK-14-REPORT) -------------


@when("the SM system invalidates the terminal's credentials and ends its session", target_fixture="cut_at")
def cut_off(bench: Bench) -> float:
    joined = _events(bench, TerminalAuthenticated)
    if not joined:
        raise TerminalFailure(
            "precondition not met: the terminal was never authenticated, so it cannot be cut off"
        )
    bench.hes.set_credentials_enabled(terminal_id(bench), enabled=False)
    bench.route.terminate_session(joined[-1].meter, terminal_address(bench))
    return bench.clock.now()


@when("the SM system re-enables the terminal's credentials", target_fixture="reinstated_at")
def reinstated(bench: Bench) -> float:
    bench.hes.set_credentials_enabled(terminal_id(bench), enabled=True)
    return bench.clock.now()


@then("the smart meters have not authenticated the terminal since the cut")
def not_authenticated_since(bench: Bench, cut_at: float) -> None:
    joined = _events(bench, TerminalAuthenticated, since=cut_at)
    if joined:
        raise BenchError(f"{joined[0].meter} authenticated the terminal with invalidated credentials")


@then("the terminal sent no application data after the cut")
def silent_after_cut(bench: Bench, cut_at: float) -> None:
    terminal, since = terminal_address(bench), cut_at + CUT_GRACE_S
    found = [
        f"t={e.time:.1f} s: {e.meter} received UDP {e.src_port}->{e.dst_port} "
        f"({'secured' if e.secured else 'plaintext'})"
        for e in bench.route.events.of(DatagramReceived, terminal=terminal)
        if e.dst_port != PANA_PORT and e.time > since
    ]
    air = air_if_any(bench)
    if air is not None:
        found += [
            f"t={f.time:.1f} s on the air: {f.summary()}"
            for f in air.sent_by(terminal)
            if f.is_application and f.time > since
        ]
    if found:
        raise TerminalFailure(
            f"application data after the SM system cut the terminal off: {'; '.join(found[:3])}"
        )


@then("the terminal kept trying to rejoin while cut off, at a sensible rate")
def kept_trying(bench: Bench, evidence: Evidence, cut_at: float) -> None:
    now = bench.clock.now()
    attempts = [e.time for e in _events(bench, PanaStarted, since=cut_at)]
    hours = (now - cut_at) / 3600
    evidence.measure(CUT_ATTEMPTS_PER_HOUR, len(attempts) / hours, note=f"{len(attempts)} in {hours:.1f} h")
    marks = [cut_at, *attempts, now]
    pause = max(b - a for a, b in pairwise(marks))
    limit = replace(CUT_RETRY_PAUSE, high=bench.declaration.join.retry_interval_max_s + JOIN_TIME.high)
    evidence.measure(limit, pause, note=f"{len(attempts)} attempts after the cut")


@then("the terminal is back on the network within its declared retry interval plus 90 seconds")
def back_in_time(bench: Bench, evidence: Evidence, reinstated_at: float) -> None:
    limit = replace(RECONNECTION_TIME, high=bench.declaration.join.retry_interval_max_s + JOIN_TIME.high)

    def back() -> list:
        return _events(bench, TerminalAuthenticated, since=reinstated_at)

    assert limit.high is not None
    bench.clock.wait_until(lambda: bool(back()), reinstated_at + 2 * limit.high - bench.clock.now())
    found = back()
    evidence.measure(limit, found[0].time - reinstated_at if found else None)


@then("the HES's operation log records the cut and the reconnection")
def hes_log_records(bench: Bench) -> None:
    lines = bench.hes.operation_log()  # a log that does not verify is a bench error
    archived = bench.hes.operation_log_archived
    allure.attach(hes_log_text(lines, archived), name=HES_LOG, attachment_type=allure.attachment_type.TEXT)
    mine = [line for line in lines if terminal_id(bench) in line and " credentials " in line]
    if not (any("invalidated" in line for line in mine) and any("enabled" in line for line in mine)):
        raise BenchError(f"the HES's operation log lacks the cut or the reconnection: {mine}")


def hes_log_text(lines: list[str], archived: int) -> str:
    """The operation log as the report shows it, headed by how many of its oldest entries
    were archived behind the sealed checkpoint (issue 15: the log is bounded), so a QA
    engineer sees that the entries shown are not all there were. The count is the HES log's
    own (``HeadEnd.operation_log_archived``, the twin's ``HesLog.archived``), not read back
    from the lines' text."""
    head = (
        f"{archived} older entries archived behind the sealed checkpoint; "
        f"{len(lines)} kept, verified as a chain from it"
    )
    return "\n".join([head, *lines]) + "\n"


@when("the operator reports an incident at the terminal", target_fixture="incident")
def incident_reported(bench: Bench) -> IncidentRecord:
    """The operator names the terminal as the terminal itself shows its ID (handy terminal)."""
    shown = maintenance_ok(bench, "SETTING? authentication_id")[-1].split(" ", 1)
    record = terminal_incident(
        bench.declaration.operator,
        shown[1] if len(shown) > 1 else "",
        event="suspected abnormal traffic from the terminal to the smart meter",
        occurred_at=bench.hes.sm_time(),
    )
    allure.attach(record.to_json(), name=INCIDENT, attachment_type=allure.attachment_type.JSON)
    return record


@then("the incident report carries the company name, the company ID and the terminal ID, as declared")
def incident_fields(bench: Bench, incident: IncidentRecord) -> None:
    missing = incident.missing()
    if missing:
        raise TerminalFailure(
            f"the incident report lacks {', '.join(missing)} ({incident.as_json()['clause']})"
        )
    operator = bench.declaration.operator
    reported = (incident.company_name, incident.company_id, incident.terminal_id)
    declared = (operator.company_name, operator.company_id, terminal_id(bench))
    if reported != declared:
        raise TerminalFailure(f"the incident report names {reported}, the declaration {declared}")


@then("the SM system knows the reported terminal ID as the terminal it authenticated")
def incident_terminal_known(bench: Bench, incident: IncidentRecord) -> None:
    known = {e.terminal_id for e in _events(bench, TerminalAuthenticated)}
    if not known:
        raise TerminalFailure("precondition not met: the SM system never authenticated the terminal")
    if incident.terminal_id not in known:
        raise TerminalFailure(
            f"the report names terminal {incident.terminal_id!r}; the SM system knows it as "
            f"{', '.join(sorted(known))}: it could not cut off the right terminal"
        )


# -- LED (NAT-2.5-LED, THK-8-LED) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LedSample:
    time: float
    pattern: str


@pytest.fixture
def led_samples() -> list[LedSample]:
    return []


def _watch(bench: Bench, samples: list[LedSample], seconds: float) -> None:
    end = bench.clock.now() + seconds
    while bench.clock.now() < end:
        answer = maintenance_ok(bench, "LED?")
        samples.append(LedSample(bench.clock.now(), answer[-1].split(" ", 1)[1]))
        bench.clock.wait(WATCH_PERIOD_S)


@when(parsers.parse("the bench watches the LED every second for {seconds:d} seconds"))
def watch_seconds(bench: Bench, led_samples: list[LedSample], seconds: int) -> None:
    _watch(bench, led_samples, seconds)


@when(parsers.parse("the bench watches the LED every second for {minutes:d} minutes"))
def watch_minutes(bench: Bench, led_samples: list[LedSample], minutes: int) -> None:
    _watch(bench, led_samples, minutes * 60)


def _meter_view(bench: Bench) -> list[tuple[float, bool]]:
    """When the smart meters saw the terminal connected (True) or not (False)."""
    changes = [(e.time, True) for e in _events(bench, TerminalAuthenticated)]
    changes += [(e.time, False) for e in _events(bench, SessionEnded)]
    return sorted(changes)


@then(
    parsers.parse(
        "the LED showed the connection state the smart meter observed, "
        "within {seconds:d} seconds of each change"
    )
)
def led_follows(bench: Bench, evidence: Evidence, led_samples: list[LedSample], seconds: int) -> None:
    if seconds != LED_LAG.high:
        raise BenchError(f"the feature says {seconds} s but the limit is {LED_LAG.high:g} s")
    if not led_samples:
        raise BenchError("the scenario watched no LED")
    declared = bench.declaration.led
    unknown = sorted({s.pattern for s in led_samples} - {declared.connected, *declared.not_connected})
    if unknown:
        raise TerminalFailure(f"the LED showed {', '.join(unknown)}, a pattern the declaration does not name")
    judged = judge_led(
        [(s.time, s.pattern) for s in led_samples],
        _meter_view(bench),
        connected_pattern=declared.connected,
        lag_s=LED_LAG.high,
    )
    if judged.unobserved is not None:
        gap_from, gap_to = judged.unobserved
        raise BenchError(
            f"the bench took no LED sample from t={gap_from:.1f} s to t={gap_to:.1f} s, longer than "
            f"the {LED_LAG.high:g} s lag: it could not observe the LED (asked every {WATCH_PERIOD_S:g} s)"
        )
    if judged.stale is not None:
        start, connected, pattern = judged.stale
        shown = "connected" if connected else "not connected"
        evidence.measure(
            LED_LAG,
            None,
            note=f"from t={start:.1f} s the smart meter saw the terminal {shown}; "
            f"the LED kept showing {pattern}",
        )
    evidence.measure(LED_LAG, judged.worst, note=f"{len(led_samples)} samples, {judged.changes} changes")


@then("the smart meter authenticated the terminal while the LED was watched")
def joined_while_watched(bench: Bench, led_samples: list[LedSample]) -> None:
    if not led_samples or not _events(bench, TerminalAuthenticated, since=led_samples[0].time):
        raise TerminalFailure(
            f"precondition not met: the terminal was not authenticated within {JOIN_TIME.high:g} s "
            "(THK-7-JOIN), so the LED's connected pattern could not be checked"
        )
