"""Steps of the link-security features (features/link_security/).

Whether the terminal accepted a frame is read from the air: an ICMPv6 Echo Reply to the
probe, or none (conformance/twin/meter/probes.py). How it protects its own frames is read
from the capture, decrypted with the keys the bench's smart meters issued.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from pytest_bdd import given, parsers, then, when

from conformance.errors import TerminalFailure
from conformance.interfaces import Bench, EchoProbe, MeterSetup, Protection, if_provided
from conformance.measurements import JOIN_TIME
from conformance.observe.air import AirFrame
from conformance.observe.route_events import SessionEnded, TerminalReauthenticated
from conformance.protocols import pana, wpan
from conformance.protocols.errors import ProtocolError
from steps.common import air_of, declared_pairing_id, first_authentication, terminal_address

# How long the bench waits for an Echo Reply: many round trips on a 100 kb/s link.
ECHO_WAIT_S = 5.0
MIN_SECURITY_LEVEL = 5  # ENC-MIC-32: AES-128 CCM* with encryption and a 4-octet MIC
SWITCH_OVER_S = 30.0  # the meter keeps the old key this long after an update


# -- Given -----------------------------------------------------------------------------


@given(
    parsers.parse(
        'a smart meter "{name}" with the terminal\'s Pairing ID, granting sessions of {seconds:d} seconds'
    ),
    target_fixture="session_lifetime",
)
def meter_with_lifetime(bench: Bench, name: str, seconds: int) -> int:
    setup = MeterSetup(name=name, pairing_id=declared_pairing_id(bench), session_lifetime_s=seconds)
    bench.route.add_meter(setup)
    return seconds


@given(
    parsers.parse('a smart meter "{name}" with the terminal\'s Pairing ID, also offering AUTH_HMAC_SHA1_96')
)
def meter_offering_weak_integrity(bench: Bench, name: str) -> None:
    bench.route.add_meter(
        MeterSetup(name=name, pairing_id=declared_pairing_id(bench), offers_weak_integrity=True)
    )


@given(parsers.parse('a smart meter "{name}" with Pairing ID "{pairing_id}"'))
def meter_with_other_pairing_id(bench: Bench, name: str, pairing_id: str) -> None:
    bench.route.add_meter(MeterSetup(name=name, pairing_id=pairing_id))


# -- When ------------------------------------------------------------------------------


@when(parsers.parse('the terminal joins "{meter}"'), target_fixture="authenticated_at")
def terminal_joins(bench: Bench, meter: str) -> float:
    """A precondition: a terminal that does not join fails here, naming THK-7-JOIN."""
    joined = bench.clock.wait_until(lambda: first_authentication(bench) is not None, JOIN_TIME.high)
    event = first_authentication(bench)
    if not joined or event is None or event.meter != meter:
        raise TerminalFailure(
            f"precondition not met: the terminal was not authenticated by {meter} within "
            f"{JOIN_TIME.high:g} s (THK-7-JOIN); nothing after it could be checked"
        )
    return event.time


def _send_probes(bench: Bench, meter: str, count: int, spacing_s: float) -> list[EchoProbe]:
    probes = []
    for _ in range(count):
        probes.append(bench.route.probe_echo(meter, terminal_address(bench), Protection.SECURED))
        bench.clock.wait(spacing_s)
    return probes


@when(
    parsers.parse('"{meter}" sends the terminal {count:d} properly secured echo requests'),
    target_fixture="probes",
)
def secured_probes(bench: Bench, meter: str, count: int) -> list[EchoProbe]:
    return _send_probes(bench, meter, count, spacing_s=1.0)


@when(
    parsers.parse(
        '"{meter}" sends the terminal {count:d} properly secured echo requests over {minutes:d} minutes'
    ),
    target_fixture="probes",
)
def spread_probes(bench: Bench, meter: str, count: int, minutes: int) -> list[EchoProbe]:
    return _send_probes(bench, meter, count, spacing_s=minutes * 60 / count)


@when(parsers.parse('"{meter}" sends the terminal an echo request {protection}'), target_fixture="probe")
def one_probe(bench: Bench, meter: str, protection: str) -> EchoProbe:
    return bench.route.probe_echo(meter, terminal_address(bench), Protection(protection))


@dataclass(frozen=True, slots=True)
class KeyUpdate:
    meter: str
    at: float


@when(parsers.parse('"{meter}" distributes a new group key'), target_fixture="key_update")
def new_group_key(bench: Bench, meter: str) -> KeyUpdate:
    bench.route.renew_group_key(meter)
    return KeyUpdate(meter, bench.clock.now())


@when(parsers.parse('"{meter}" terminates the terminal\'s PANA session'))
def terminate(bench: Bench, meter: str) -> None:
    bench.route.terminate_session(meter, terminal_address(bench))
    bench.clock.wait(1.0)  # PTR and PTA


# -- Then ------------------------------------------------------------------------------


def _capture_number(bench: Bench, frame: AirFrame) -> int:
    """The frame's number in the attached capture (Wireshark counts from 1)."""
    return air_of(bench).frames().index(frame) + 1


def _replies(bench: Bench, probe: EchoProbe) -> list:
    # HIL: the smart-meter side sees the answers to its own probes (sniffer or not);
    # the twin's meters report none, and its Echo Replies are read on the air.
    replies = if_provided(lambda: bench.route.probe_replies(probe))
    if replies is not None:
        return replies
    return air_of(bench).echo_replies(
        terminal_address(bench), probe.identifier, probe.sequence, since=probe.sent_at
    )


def _answered(bench: Bench, probe: EchoProbe) -> bool:
    return bench.clock.wait_until(lambda: bool(_replies(bench, probe)), ECHO_WAIT_S)


@then("the terminal answered all of them")
def answered_all(bench: Bench, probes: list[EchoProbe]) -> None:
    missing = [p.sequence for p in probes if not _answered(bench, p)]
    if missing:
        raise TerminalFailure(
            f"no Echo Reply the bench could decrypt for {len(missing)} of {len(probes)} secured echo "
            f"requests (sequence numbers {missing[:5]}...)"
        )


@then("the terminal does not answer it")
def not_answered(bench: Bench, probe: EchoProbe) -> None:
    if _answered(bench, probe):
        reply = _replies(bench, probe)[0]
        if not isinstance(reply, AirFrame):
            raise TerminalFailure(f"the terminal accepted the frame: it answered at t={reply.time:.3f} s")
        raise TerminalFailure(
            f"the terminal accepted the frame: it answered with an Echo Reply at t={reply.time:.3f} s "
            f"(frame {_capture_number(bench, reply)} in the air capture)"
        )


@then(parsers.parse('the terminal still answers a properly secured echo request from "{meter}"'))
def still_answers(bench: Bench, meter: str) -> None:
    probe = bench.route.probe_echo(meter, terminal_address(bench), Protection.SECURED)
    if not _answered(bench, probe):
        raise TerminalFailure(
            "after the rejected frame the terminal no longer answers a properly secured request"
        )


def _sent_after(bench: Bench, since: float) -> list[AirFrame]:
    """The terminal's frames after ``since``: acknowledgements (never secured, 802.15.4
    §9.2.1) and MAC retransmissions of frames first sent earlier are set aside."""
    earlier: set[bytes] = set()
    chosen = []
    for frame in air_of(bench).sent_by(terminal_address(bench)):
        if frame.time <= since:
            earlier.add(frame.raw)
        elif frame.raw not in earlier and (
            frame.frame is None or frame.frame.frame_type is not wpan.FrameType.ACK
        ):
            chosen.append(frame)
    return chosen


EVERYTHING_SECURED = (
    "every frame the terminal sent after authentication is secured with AES-128 CCM* at level 5 or higher"
)


@then(EVERYTHING_SECURED)
def everything_secured(bench: Bench, authenticated_at: float) -> None:
    for frame in _sent_after(bench, authenticated_at):
        security = frame.frame.security if frame.frame else None
        if security is None or security.security_level < MIN_SECURITY_LEVEL:
            level = "no security" if security is None else f"security level {security.security_level}"
            raise TerminalFailure(
                f"frame {_capture_number(bench, frame)} in the air capture (t={frame.time:.3f} s), "
                f"sent after authentication, has {level}: {frame.summary()}"
            )


@then("the terminal's frame counters strictly increase")
def counters_increase(bench: Bench) -> None:
    previous: AirFrame | None = None
    seen: set[bytes] = set()
    for frame in air_of(bench).sent_by(terminal_address(bench)):
        if frame.raw in seen or frame.frame is None or frame.frame.security is None:
            continue  # a MAC retransmission repeats the same frame and counter legitimately
        seen.add(frame.raw)
        if (
            previous is not None
            and frame.frame.security.frame_counter <= previous.frame.security.frame_counter
        ):
            counter, before = frame.frame.security.frame_counter, previous.frame.security.frame_counter
            raise TerminalFailure(
                f"frame {_capture_number(bench, frame)} uses frame counter {counter} after frame "
                f"{_capture_number(bench, previous)} used {before}"
            )
        previous = frame


def _opens_with(frame: AirFrame, key: bytes) -> bool:
    try:
        wpan.unsecure(frame.raw, key)
    except ProtocolError:
        return False
    return True


@then(
    parsers.parse(
        'the terminal\'s secured frames decrypt with the group key "{meter}" delivered and with no other key'
    )
)
def decrypts_with_delivered_key(bench: Bench, meter: str, authenticated_at: float) -> None:
    delivered = bench.route.issued_keys(meter)
    others = [k for k in bench.route.issued_keys() if k not in delivered]
    secured = [f for f in _sent_after(bench, authenticated_at) if f.frame and f.frame.security]
    if not secured:
        raise TerminalFailure("the terminal sent no secured frame after authentication")
    for frame in secured:
        if not any(_opens_with(frame, key) for key in delivered):
            raise TerminalFailure(
                f"frame {_capture_number(bench, frame)} does not decrypt with the group key {meter} delivered"
            )
        if any(_opens_with(frame, key) for key in others):
            raise TerminalFailure(f"frame {_capture_number(bench, frame)} decrypts with another meter's key")


NEW_KEY_ONLY = (
    "from {seconds:d} seconds after the update the terminal secures its frames only with the new key"
)


@then(parsers.parse(NEW_KEY_ONLY))
def uses_new_key(bench: Bench, key_update: KeyUpdate, seconds: int) -> None:
    new_key = bench.route.issued_keys(key_update.meter)[-1]
    late = [f for f in _sent_after(bench, key_update.at + seconds) if f.frame and f.frame.security]
    if not late:
        raise TerminalFailure(f"the terminal sent no secured frame from {seconds} s after the key update on")
    for frame in late:
        if not _opens_with(frame, new_key):
            raise TerminalFailure(
                f"frame {_capture_number(bench, frame)} is not secured with the new group key, "
                f"{frame.time - key_update.at:.1f} s after the update"
            )


@then("the terminal renewed its session before each expiry")
def renewed_in_time(bench: Bench, authenticated_at: float, session_lifetime: int) -> None:
    terminal = terminal_address(bench)
    ended = bench.route.events.first(SessionEnded, terminal=terminal)
    if ended is not None:
        raise TerminalFailure(f"{ended.meter} ended the session at t={ended.time:.3f} s: {ended.cause}")
    renewals = [e.time for e in bench.route.events.of(TerminalReauthenticated, terminal=terminal)]
    moments = [authenticated_at, *renewals, bench.clock.now()]
    for start, end in pairwise(moments):
        if end - start >= session_lifetime:
            raise TerminalFailure(
                f"no re-authentication between t={start:.1f} s and t={end:.1f} s, longer than the "
                f"{session_lifetime} s session lifetime"
            )


@then(parsers.parse("the terminal chose the integrity algorithm {name}"))
def integrity_algorithm(bench: Bench, name: str) -> None:
    wanted = pana.IntegrityAlgorithm[name]
    for frame in air_of(bench).sent_by(terminal_address(bench)):
        message = frame.pana
        if message is None or not message.flags & pana.Flag.START or message.is_request:
            continue
        avp = message.avp(pana.AvpCode.INTEGRITY_ALGORITHM)
        chosen = avp.unsigned32() if avp is not None else None
        if chosen != wanted:
            shown = (
                pana.IntegrityAlgorithm(chosen).name if chosen in iter(pana.IntegrityAlgorithm) else chosen
            )
            raise TerminalFailure(
                f"the terminal's PAN(S) (frame {_capture_number(bench, frame)}) chose {shown}, not {name}"
            )
        return
    raise TerminalFailure("no PAN(S) from the terminal was seen on the air")
