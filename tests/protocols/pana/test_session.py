"""What both PANA ends share: retransmission (RFC 5191 section 9), discards, API misuse, and
whatever arrives never raising."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.protocols import pana
from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.pana import (
    PCI_TIMERS,
    REQ_TIMERS,
    AvpCode,
    Flag,
    MessageDiscarded,
    MessageType,
    PaaSession,
    PaaState,
    PacSession,
    PacState,
    PanaMessage,
    PeerAuthenticated,
    RetransmissionExhausted,
    SessionEvent,
    message_kind,
)
from tests.protocols.pana.session_pair import (
    PSK,
    SESSION_ID,
    SessionPair,
    ToyEapPeer,
    ToyEapServer,
    events_of,
)

# --- Retransmission (RFC 5191 section 9) -------------------------------------------------


def _timeouts(end: PacSession | PaaSession, first_sent_at: float, count: int) -> list[float]:
    """Fire ``end``'s timer ``count`` times; the intervals between its transmissions."""
    sent_at, intervals = first_sent_at, []
    for _ in range(count):
        deadline = end.next_deadline
        assert deadline is not None
        assert end.on_timer(deadline)
        intervals.append(deadline - sent_at)
        sent_at = deadline
    return intervals


def _check_backoff(intervals: list[float], irt: float, mrt: float) -> None:
    # RFC 3315 section 14: RT1 = IRT +- 10%, RTn = 2 RTn-1 +- 10% of RTn-1, capped to MRT +- 10%.
    assert irt * 0.9 <= intervals[0] <= irt * 1.1
    for previous, current in itertools.pairwise(intervals):
        if current >= mrt * 0.9 and previous * 1.9 > mrt * 0.9:
            assert mrt * 0.9 <= current <= mrt * 1.1
        else:
            assert previous * 1.9 <= current <= previous * 2.1


def test_paa_retransmits_par_on_the_req_schedule_then_gives_up() -> None:
    pair = SessionPair()
    par_s = pair.paa.receive(pair.pac.start(0.0)[0], 0.0)
    intervals = _timeouts(pair.paa, 0.0, REQ_TIMERS.mrc)
    _check_backoff(intervals, REQ_TIMERS.irt, REQ_TIMERS.mrt)
    assert intervals[-1] >= 27  # the cap was reached
    deadline = pair.paa.next_deadline
    assert deadline is not None
    assert pair.paa.on_timer(deadline) == []
    assert pair.paa.pop_events() == [RetransmissionExhausted(message_name="PAR")]
    assert pair.paa.state is PaaState.CLOSED and pair.paa.next_deadline is None
    assert par_s  # the original was sent once, then REQ_MRC = 10 retransmissions


def test_retransmissions_repeat_the_original_bytes() -> None:
    pair = SessionPair()
    [par_s] = pair.paa.receive(pair.pac.start(0.0)[0], 0.0)
    deadline = pair.paa.next_deadline
    assert deadline is not None
    assert pair.paa.on_timer(deadline) == [par_s]


def test_pci_is_retransmitted_without_limit_up_to_pci_mrt() -> None:
    pac = SessionPair().pac
    pac.start(0.0)
    intervals = _timeouts(pac, 0.0, 15)
    _check_backoff(intervals, PCI_TIMERS.irt, PCI_TIMERS.mrt)
    assert max(intervals) <= PCI_TIMERS.mrt * 1.1 and intervals[-1] >= PCI_TIMERS.mrt * 0.9
    assert pac.state is PacState.WAIT_PAA and not pac.pop_events()


def test_retransmission_jitter_is_deterministic_for_a_seed() -> None:
    def schedule() -> list[float]:
        pac = SessionPair(seed=5).pac
        pac.start(0.0)
        return _timeouts(pac, 0.0, 6)

    assert schedule() == schedule()


def test_retransmitted_request_gets_the_cached_answer() -> None:
    pair = SessionPair()
    [par_s] = pair.paa.receive(pair.pac.start(0.0)[0], 0.0)
    [pan_s] = pair.pac.receive(par_s, 0.1)
    assert pair.pac.receive(par_s, 1.0) == [pan_s]
    assert not pair.pac.pop_events()


# --- Discards: the peer's mistakes are findings, not crashes ------------------------------


def _flip_auth_once(kind: str) -> Callable[[str, bytes], bytes]:
    done = False

    def tamper(sender: str, data: bytes) -> bytes:
        nonlocal done
        if done or message_kind(pana.decode(data)) != kind:
            return data
        done = True
        return data[:-1] + bytes((data[-1] ^ 0x01,))  # AUTH is the last AVP

    return tamper


def test_tampered_par_c_is_discarded_then_the_retransmission_succeeds() -> None:
    pair = SessionPair()
    pair.tamper = _flip_auth_once("PAR(C)")
    pair.authenticate()
    [discard] = events_of(pair.pac_events, MessageDiscarded)
    assert discard.message_name == "PAR(C)" and "does not verify" in discard.reason
    assert pair.kinds().count("PAR(C)") == 2
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key


def test_tampered_pan_c_is_discarded_by_the_paa() -> None:
    pair = SessionPair()
    pair.tamper = _flip_auth_once("PAN(C)")
    pair.authenticate()
    [discard] = events_of(pair.paa_events, MessageDiscarded)
    assert discard.message_name == "PAN(C)" and "does not verify" in discard.reason
    assert len(events_of(pair.paa_events, PeerAuthenticated)) == 1


def test_out_of_sequence_request_is_discarded() -> None:
    pair = SessionPair()
    [par_s] = pair.paa.receive(pair.pac.start(0.0)[0], 0.0)
    pair.pac.receive(par_s, 0.1)
    msg = pana.decode(par_s)
    skipped = pana.encode(
        PanaMessage(
            message_type=MessageType.AUTH,
            flags=Flag.REQUEST,
            session_id=SESSION_ID,
            sequence_number=(msg.sequence_number + 2) & 0xFFFFFFFF,
        )
    )
    assert pair.pac.receive(skipped, 0.2) == []
    [event] = pair.pac.pop_events()
    assert isinstance(event, MessageDiscarded) and "expected" in event.reason


def test_answers_that_match_no_request_are_discarded() -> None:
    pair = SessionPair()
    [par_s] = pair.paa.receive(pair.pac.start(0.0)[0], 0.0)
    stray = pana.encode(PanaMessage(message_type=MessageType.AUTH, session_id=SESSION_ID, sequence_number=1))
    assert pair.paa.receive(stray, 0.1) == []
    assert isinstance(pair.paa.pop_events()[0], MessageDiscarded)
    wrong_session = pana.decode(pair.pac.receive(par_s, 0.1)[0])
    other = pana.encode(
        PanaMessage(message_type=MessageType.AUTH, flags=Flag.START, session_id=1, avps=wrong_session.avps)
    )
    assert pair.paa.receive(other, 0.2) == []
    assert "Session Identifier" in pair.paa.pop_events()[0].reason


def test_messages_without_auth_after_the_sa_are_discarded() -> None:
    pair = SessionPair().authenticate()
    unsigned_ptr = pana.encode(
        PanaMessage(
            message_type=MessageType.TERMINATION,
            flags=Flag.REQUEST,
            session_id=SESSION_ID,
            sequence_number=pair.pac._peer_sequence + 1,
        )
    )
    assert pair.pac.receive(unsigned_ptr, pair.now) == []
    [event] = pair.pac.pop_events()
    assert isinstance(event, MessageDiscarded) and "AUTH" in event.reason
    assert pair.pac.state is PacState.OPEN


# --- Misuse of the API is a bench error ---------------------------------------------------


def test_misuse_raises_bench_usage_error() -> None:
    pair = SessionPair()
    with pytest.raises(BenchUsageError, match="before start"):
        pair.pac.receive(b"", 0.0)
    pair.pac.start(0.0)
    with pytest.raises(BenchUsageError):
        pair.pac.start(0.0)
    with pytest.raises(BenchUsageError):
        pair.pac.terminate(0.0)
    with pytest.raises(BenchUsageError):
        pair.paa.terminate(0.0)
    with pytest.raises(BenchUsageError):
        pair.paa.push_group_key(0.0)
    with pytest.raises(BenchUsageError):
        PacSession(
            eap_peer=ToyEapPeer(identity=b"x", psk=PSK),
            randbytes=random.randbytes,
            reauthentication_fraction=1,
        )
    with pytest.raises(BenchUsageError):
        PaaSession(
            session_id=0,
            eap_server=ToyEapServer(psk_for=lambda _: None, randbytes=random.randbytes),
            randbytes=random.randbytes,
            session_lifetime=10,
            group_key=lambda: (0, bytes(16)),
            key_id=1,
        )
    broken = PacSession(eap_peer=ToyEapPeer(identity=b"x", psk=PSK), randbytes=lambda n: b"")
    with pytest.raises(BenchUsageError, match="randbytes"):
        broken.start(0.0)


# --- Properties: whatever arrives, the machines only discard or proceed -----------------


def _pair_in(stage: str) -> SessionPair:
    pair = SessionPair()
    if stage == "fresh":
        pair.pac.start(0.0)
        return pair
    if stage == "eap":
        pair.start()
        pair.run_until(
            lambda: pair.pac.state is PacState.WAIT_EAP_MSG and pair.paa.state is PaaState.WAIT_EAP_MSG
        )
        return pair
    return pair.authenticate()


def _check_never_raises(pair: SessionPair, data: bytes) -> None:
    try:
        pana.decode(data)
        malformed = False
    except DecodeError:
        malformed = True
    for end in (pair.pac, pair.paa):
        end.receive(data, pair.now)
        events = end.pop_events()
        assert all(isinstance(e, SessionEvent) for e in events)
        if malformed:
            assert len(events) == 1 and isinstance(events[0], MessageDiscarded)
        end.on_timer(pair.now + 0.5)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stage=st.sampled_from(["fresh", "eap", "open"]), data=st.binary(max_size=96))
def test_random_bytes_into_both_machines_only_discard(stage: str, data: bytes) -> None:
    _check_never_raises(_pair_in(stage), data)


avp_codes = st.sampled_from(list(AvpCode)) | st.integers(0, 20)
avp_values = st.binary(max_size=24) | st.integers(0, 20).map(lambda n: n.to_bytes(4, "big"))
structured = st.builds(
    PanaMessage,
    message_type=st.sampled_from(MessageType),
    flags=st.sets(st.sampled_from([Flag.R, Flag.S, Flag.C, Flag.A, Flag.P])).map(lambda fs: Flag(sum(fs))),
    session_id=st.sampled_from([0, SESSION_ID, 1]),
    sequence_number=st.integers(0, 0xFFFFFFFF),
    avps=st.lists(st.builds(pana.Avp, code=avp_codes, value=avp_values), max_size=5).map(tuple),
)


def _aimed_sequence(pair: SessionPair, target: str) -> int | None:
    """A Sequence Number one of the ends would accept, for the ``target`` role."""
    pac_outstanding, paa_outstanding = pair.pac._outstanding, pair.paa._outstanding
    if target == "new request to the PaC" and pair.pac._peer_sequence is not None:
        return (pair.pac._peer_sequence + 1) & 0xFFFFFFFF
    if target == "answer to the PAA" and paa_outstanding is not None:
        return paa_outstanding.sequence_number
    if target == "answer to the PaC" and pac_outstanding is not None:
        return pac_outstanding.sequence_number
    return None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stage=st.sampled_from(["fresh", "eap", "open"]),
    msg=structured,
    target=st.sampled_from(["any", "new request to the PaC", "answer to the PAA", "answer to the PaC"]),
    signed=st.booleans(),
)
def test_well_formed_but_arbitrary_messages_never_raise(
    stage: str, msg: PanaMessage, target: str, signed: bool
) -> None:
    pair = _pair_in(stage)
    sequence = _aimed_sequence(pair, target)
    if sequence is not None:
        msg = PanaMessage(
            message_type=msg.message_type,
            flags=msg.flags,
            session_id=msg.session_id,
            sequence_number=sequence,
            avps=msg.avps,
        )
    key = pair.pac.pana_auth_key
    data = pana.sign(msg, key) if signed and key is not None else pana.encode(msg)
    _check_never_raises(pair, data)
