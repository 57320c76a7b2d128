"""PANA sessions: PaC and PAA wired through a fake link on a virtual clock."""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.protocols import pana
from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.pana import AvpCode, Flag, MessageType, PanaMessage, ResultCode, TerminationCause
from conformance.protocols.pana_session import (
    PCI_TIMERS,
    REQ_TIMERS,
    Authenticated,
    AuthenticationFailed,
    GroupKeyUpdated,
    MessageDiscarded,
    PaaSession,
    PaaState,
    PacSession,
    PacState,
    PeerAuthenticated,
    PeerReauthenticated,
    PeerRejected,
    Reauthenticated,
    RetransmissionExhausted,
    SessionEvent,
    SessionTerminated,
    message_kind,
)

# --- A toy EAP method: Identity, then an HMAC challenge; MSK = SHA-512(PSK | challenge) ---

TOY_TYPE = 255  # RFC 3748 section 5: the Experimental type


def _eap(code: int, identifier: int, eap_type: int | None = None, data: bytes = b"") -> bytes:
    body = b"" if eap_type is None else bytes((eap_type,)) + data
    return bytes((code, identifier)) + (4 + len(body)).to_bytes(2, "big") + body


class ToyEapServer:
    """Server side of the toy method."""

    def __init__(
        self, *, psk_for: Callable[[bytes], bytes | None], randbytes: Callable[[int], bytes]
    ) -> None:
        self._psk_for = psk_for
        self._randbytes = randbytes
        self._identifier = 0
        self.start()

    def start(self) -> bytes:
        self.msk: bytes | None = None
        self.succeeded = self.failed = False
        self.peer_id: bytes | None = None
        self._stage = "identity"
        self._identifier = (self._identifier + 1) & 0xFF
        return _eap(1, self._identifier, 1)

    def receive(self, eap: bytes) -> bytes:
        if len(eap) < 5 or eap[0] != 2 or eap[1] != self._identifier or int.from_bytes(eap[2:4]) != len(eap):
            raise DecodeError("not the expected EAP Response")
        self._identifier = (self._identifier + 1) & 0xFF
        if self._stage == "identity":
            self.peer_id = eap[5:]
            self._psk = self._psk_for(self.peer_id)
            if self._psk is None:
                self.failed = True
                return _eap(4, self._identifier)
            self._challenge = self._randbytes(16)
            self._stage = "challenge"
            return _eap(1, self._identifier, TOY_TYPE, self._challenge)
        if hmac.compare_digest(eap[5:], hmac.new(self._psk, self._challenge, "sha256").digest()):
            self.succeeded = True
            self.msk = hashlib.sha512(self._psk + self._challenge).digest()
            return _eap(3, self._identifier)
        self.failed = True
        return _eap(4, self._identifier)


class ToyEapPeer:
    """Peer side of the toy method; a Request/Identity restarts it (re-authentication)."""

    def __init__(self, *, identity: bytes, psk: bytes) -> None:
        self.identity, self.psk = identity, psk
        self.msk: bytes | None = None
        self._challenge: bytes | None = None

    def receive(self, eap: bytes) -> bytes | None:
        if len(eap) < 4 or int.from_bytes(eap[2:4]) != len(eap):
            raise DecodeError("malformed EAP packet")
        if eap[0] == 1 and len(eap) >= 5 and eap[4] == 1:
            self.msk, self._challenge = None, None
            return _eap(2, eap[1], 1, self.identity)
        if eap[0] == 1 and len(eap) >= 5 and eap[4] == TOY_TYPE:
            self._challenge = eap[5:]
            return _eap(2, eap[1], TOY_TYPE, hmac.new(self.psk, self._challenge, "sha256").digest())
        if eap[0] == 3 and self._challenge is not None:
            self.msk = hashlib.sha512(self.psk + self._challenge).digest()
            return None
        if eap[0] == 4:
            return None
        raise DecodeError("unexpected EAP packet")


PSK = bytes(range(16))
IDENTITY = b"terminal-0001"
SESSION_ID = 0x00C0FFEE
FIRST_KEY_ID = 7


# --- The pair: two ends, a lossy link, a virtual clock ----------------------------------


@dataclass
class Sent:
    """One datagram put on the link."""

    at: float
    sender: str
    data: bytes
    delivered: bool

    @property
    def message(self) -> PanaMessage:
        return pana.decode(self.data)

    @property
    def kind(self) -> str:
        return message_kind(self.message)


@dataclass
class SessionPair:
    """A PaC and a PAA joined by a link with latency and deterministic loss."""

    loss: float = 0.0
    seed: int = 0
    latency: float = 0.01
    lifetime: int = 3600
    psk: bytes = PSK
    eap_peer: object | None = None  # default: ToyEapPeer(identity=IDENTITY, psk=psk)
    eap_server: object | None = None  # default: a ToyEapServer that knows IDENTITY
    pac_options: dict = field(default_factory=dict)
    paa_options: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.now = 0.0
        self.group_key = (1, bytes(range(0x10, 0x20)))
        self.rng = random.Random(self.seed)
        self.pac = PacSession(
            eap_peer=self.eap_peer or ToyEapPeer(identity=IDENTITY, psk=self.psk),
            randbytes=random.Random(self.seed + 1000).randbytes,
            **self.pac_options,
        )
        self.paa = PaaSession(
            session_id=SESSION_ID,
            eap_server=self.eap_server
            or ToyEapServer(
                psk_for=lambda peer: PSK if peer == IDENTITY else None,
                randbytes=random.Random(self.seed + 2000).randbytes,
            ),
            randbytes=random.Random(self.seed + 3000).randbytes,
            session_lifetime=self.lifetime,
            group_key=lambda: self.group_key,
            key_id=FIRST_KEY_ID,
            **self.paa_options,
        )
        self.sent: list[Sent] = []
        self.pac_events: list[SessionEvent] = []
        self.paa_events: list[SessionEvent] = []
        self.link_up = True
        self.tamper: Callable[[str, bytes], bytes] | None = None
        self._in_flight: list[tuple[float, int, str, bytes]] = []
        self._order = 0

    def send(self, sender: str, datagrams: list[bytes]) -> None:
        for data in datagrams:
            delivered = self.link_up and self.rng.random() >= self.loss
            self.sent.append(Sent(self.now, sender, data, delivered))
            if delivered:
                if self.tamper is not None:
                    data = self.tamper(sender, data)
                self._order += 1
                receiver = "paa" if sender == "pac" else "pac"
                heapq.heappush(self._in_flight, (self.now + self.latency, self._order, receiver, data))

    def start(self) -> SessionPair:
        self.send("pac", self.pac.start(self.now))
        return self

    def _collect(self) -> None:
        self.pac_events += self.pac.pop_events()
        self.paa_events += self.paa.pop_events()

    def step(self, limit: float) -> bool:
        """Advance to the next delivery or deadline (not beyond ``limit``); False if none."""
        times = [t for t in (self.pac.next_deadline, self.paa.next_deadline) if t is not None]
        if self._in_flight:
            times.append(self._in_flight[0][0])
        if not times or min(times) > limit:
            return False
        self.now = max(self.now, min(times))
        if self._in_flight and self._in_flight[0][0] <= self.now:
            _, _, receiver, data = heapq.heappop(self._in_flight)
            if receiver == "paa":
                self.send("paa", self.paa.receive(data, self.now))
            else:
                self.send("pac", self.pac.receive(data, self.now))
        for name, end in (("pac", self.pac), ("paa", self.paa)):
            deadline = end.next_deadline
            if deadline is not None and deadline <= self.now:
                self.send(name, end.on_timer(self.now))
        self._collect()
        return True

    def run_until(self, done: Callable[[], bool], limit: float = 1000.0) -> None:
        while not done():
            if not self.step(limit):
                raise AssertionError(
                    f"not done by t={self.now:.2f}; PaC {self.pac.state}, PAA {self.paa.state}"
                )

    def run_for(self, duration: float) -> None:
        end = self.now + duration
        while self.step(end):
            pass
        self.now = end

    def authenticate(self) -> SessionPair:
        self.start()
        self.run_until(self.both_open)
        self.run_for(1.0)  # let the last answers land
        return self

    def both_open(self) -> bool:
        return self.pac.state is PacState.OPEN and self.paa.state is PaaState.OPEN

    def kinds(self, *, sender: str | None = None, since: float = 0.0) -> list[str]:
        return [s.kind for s in self.sent if s.at >= since and (sender is None or s.sender == sender)]

    def first(self, kind: str, sender: str | None = None) -> Sent:
        return next(s for s in self.sent if s.kind == kind and (sender is None or s.sender == sender))


def events_of(events: list[SessionEvent], kind: type) -> list:
    return [e for e in events if isinstance(e, kind)]


# --- Authentication -----------------------------------------------------------------------


def test_full_authentication_follows_the_section_4_1_flow() -> None:
    pair = SessionPair().authenticate()
    assert pair.kinds() == ["PCI", "PAR(S)", "PAN(S)", "PAR", "PAN", "PAR", "PAN", "PAR(C)", "PAN(C)"]
    [authenticated] = events_of(pair.pac_events, Authenticated)
    assert authenticated.session_id == SESSION_ID
    assert authenticated.key_id == FIRST_KEY_ID
    assert authenticated.lifetime == 3600
    assert (authenticated.group_key_index, authenticated.group_key) == pair.group_key
    assert pair.pac.group_key == pair.group_key
    assert events_of(pair.paa_events, PeerAuthenticated) == [
        PeerAuthenticated(peer_id=IDENTITY, session_id=SESSION_ID, key_id=FIRST_KEY_ID)
    ]
    assert not events_of(pair.pac_events + pair.paa_events, MessageDiscarded)


def test_both_ends_derive_the_section_5_3_auth_key_from_the_messages_as_sent() -> None:
    pair = SessionPair().authenticate()
    assert pair.pac.pana_auth_key is not None
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key
    # Recompute from the captured datagrams: I_PAR, I_PAN, the Nonces, the Key-Id.
    par_s, pan_s = pair.first("PAR(S)").data, pair.first("PAN(S)").data
    paa_nonce = pair.first("PAR", "paa").message.avp(AvpCode.NONCE)
    pac_nonce = pair.first("PAN", "pac").message.avp(AvpCode.NONCE)
    assert paa_nonce is not None and pac_nonce is not None
    msk = pair.pac._eap_peer.msk
    assert msk is not None
    expected = pana.derive_auth_key(
        msk, par_s, pan_s, pac_nonce.value, paa_nonce.value, FIRST_KEY_ID.to_bytes(4)
    )
    assert pair.pac.pana_auth_key == expected


def test_start_and_complete_messages_carry_the_section_4_1_avps() -> None:
    pair = SessionPair().authenticate()
    key = pair.pac.pana_auth_key
    assert key is not None
    par_s = pair.first("PAR(S)").message
    assert par_s.session_id == SESSION_ID
    assert [a.unsigned32() for a in par_s.all_avps(AvpCode.PRF_ALGORITHM)] == [5]
    assert [a.unsigned32() for a in par_s.all_avps(AvpCode.INTEGRITY_ALGORITHM)] == [12]
    assert [a.unsigned32() for a in par_s.all_avps(AvpCode.ENCRYPTION_ALGORITHM)] == [1]
    pci = pair.first("PCI").message
    assert (pci.session_id, pci.sequence_number, pci.flags, pci.avps) == (0, 0, Flag(0), ())
    par_c = pana.verify(pair.first("PAR(C)").data, key)
    assert [a.code for a in par_c.avps] == [
        AvpCode.RESULT_CODE,
        AvpCode.EAP_PAYLOAD,
        AvpCode.KEY_ID,
        AvpCode.SESSION_LIFETIME,
        AvpCode.ENCRYPTION_ENCAP,
        AvpCode.AUTH,
    ]
    assert par_c.avp(AvpCode.RESULT_CODE).unsigned32() == ResultCode.PANA_SUCCESS
    assert par_c.avp(AvpCode.EAP_PAYLOAD).value[0] == 3  # EAP-Success
    pan_c = pana.verify(pair.first("PAN(C)").data, key)
    assert [a.code for a in pan_c.avps] == [AvpCode.KEY_ID, AvpCode.AUTH]
    assert pan_c.avp(AvpCode.KEY_ID).unsigned32() == FIRST_KEY_ID
    # Only the PAA's first EAP PAR and the PaC's answer to it carry Nonces.
    assert [s.kind for s in pair.sent if s.message.avp(AvpCode.NONCE)] == ["PAR", "PAN"]


def test_group_key_travels_encrypted() -> None:
    pair = SessionPair().authenticate()
    assert pair.group_key[1] not in pair.first("PAR(C)").data


def test_pac_that_does_not_piggyback_sends_eap_in_its_own_par() -> None:
    pair = SessionPair(pac_options={"piggyback": False}).authenticate()
    assert pair.kinds() == [
        "PCI",
        "PAR(S)",
        "PAN(S)",
        "PAR",
        "PAN",
        "PAR",
        "PAN",
        "PAR",
        "PAN",
        "PAR",
        "PAN",
        "PAR(C)",
        "PAN(C)",
    ]
    assert [s.sender for s in pair.sent if s.kind == "PAR"] == ["paa", "pac", "paa", "pac"]
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key


def test_sha1_algorithms_are_negotiated_when_offered_alone() -> None:
    pair = SessionPair(
        paa_options={
            "prf_algorithms": (pana.PrfAlgorithm.PRF_HMAC_SHA1,),
            "integrity_algorithms": (pana.IntegrityAlgorithm.AUTH_HMAC_SHA1_160,),
        }
    ).authenticate()
    pan_s = pair.first("PAN(S)").message
    assert pan_s.avp(AvpCode.PRF_ALGORITHM).unsigned32() == 2
    assert pan_s.avp(AvpCode.INTEGRITY_ALGORITHM).unsigned32() == 7
    assert len(pair.pac.pana_auth_key or b"") == 20
    assert len(pana.decode(pair.first("PAN(C)").data).avp(AvpCode.AUTH).value) == 20


def test_pac_gives_up_when_no_algorithm_is_shared() -> None:
    pair = SessionPair(pac_options={"prf_algorithms_supported": (pana.PrfAlgorithm.PRF_HMAC_SHA1,)}).start()
    pair.run_for(5)
    assert pair.pac.state is PacState.CLOSED
    assert events_of(pair.pac_events, AuthenticationFailed)
    assert "PAN(S)" not in pair.kinds()


def test_without_encryption_no_group_key_is_delivered() -> None:
    pair = SessionPair(pac_options={"encryption_algorithms_supported": ()}).authenticate()
    [authenticated] = events_of(pair.pac_events, Authenticated)
    assert authenticated.group_key is None and authenticated.group_key_index is None
    assert pana.decode(pair.first("PAR(C)").data).avp(AvpCode.ENCRYPTION_ENCAP) is None


@pytest.mark.parametrize("seed", range(8))
def test_authentication_completes_through_30_percent_loss(seed: int) -> None:
    pair = SessionPair(loss=0.3, seed=seed).start()
    pair.run_until(pair.both_open, limit=600)
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key
    assert pair.pac.group_key == pair.group_key
    assert any(not s.delivered for s in pair.sent)


def test_eap_failure_ends_with_par_c_rejected_and_no_auth() -> None:
    pair = SessionPair(psk=b"\xee" * 16).start()
    pair.run_for(10)
    par_c = pair.first("PAR(C)").message
    assert par_c.avp(AvpCode.RESULT_CODE).unsigned32() == ResultCode.PANA_AUTHENTICATION_REJECTED
    assert par_c.avp(AvpCode.EAP_PAYLOAD).value[0] == 4  # EAP-Failure
    assert par_c.avp(AvpCode.AUTH) is None and par_c.avp(AvpCode.KEY_ID) is None
    assert pair.first("PAN(C)").message.avp(AvpCode.AUTH) is None
    assert events_of(pair.pac_events, AuthenticationFailed) == [
        AuthenticationFailed(reason="PAA answered PANA_AUTHENTICATION_REJECTED", result_code=1)
    ]
    assert events_of(pair.paa_events, PeerRejected) == [
        PeerRejected(peer_id=IDENTITY, reason="EAP authentication failed")
    ]
    assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED
    assert pair.pac.pana_auth_key is None and pair.pac.next_deadline is None


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


# --- Re-authentication, expiry, termination (RFC 5191 sections 4.3 and 4.4) ---------------


def test_pac_reauthenticates_at_80_percent_of_the_lifetime() -> None:
    pair = SessionPair(lifetime=100).authenticate()
    opened_at = pair.now
    old_key = pair.pac.pana_auth_key
    pair.group_key = (2, bytes(range(0x20, 0x30)))
    pair.run_until(lambda: bool(events_of(pair.paa_events, PeerReauthenticated)), limit=opened_at + 100)
    pair.run_for(1.0)
    pnr = pair.first("PNR(A)")
    assert 80.0 <= pnr.at <= 80.1
    assert pair.kinds(since=pnr.at) == ["PNR(A)", "PNA(A)", "PAR", "PAN", "PAR", "PAN", "PAR(C)", "PAN(C)"]
    assert pair.first("PAR", "paa").message.avp(AvpCode.NONCE) is not None
    assert events_of(pair.pac_events, Reauthenticated) == [
        Reauthenticated(session_id=SESSION_ID, key_id=FIRST_KEY_ID + 1, lifetime=100)
    ]
    assert events_of(pair.pac_events, GroupKeyUpdated) == [
        GroupKeyUpdated(key_index=2, key=pair.group_key[1])
    ]
    assert pair.pac.key_id == pair.paa.key_id == FIRST_KEY_ID + 1
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key != old_key
    # Every message after the first PAR(C) carries AUTH (section 5.3).
    after = [s for s in pair.sent if s.at > pair.first("PAR(C)").at]
    assert after and all(s.message.avp(AvpCode.AUTH) for s in after)


def test_reauthentication_keeps_the_session_open_across_lifetimes() -> None:
    pair = SessionPair(lifetime=100).authenticate()
    pair.run_for(450)
    assert pair.both_open()
    assert pair.pac.key_id == FIRST_KEY_ID + 5
    assert not events_of(pair.pac_events, SessionTerminated)


def test_reauthentication_survives_loss() -> None:
    pair = SessionPair(lifetime=100, loss=0.3, seed=3).start()
    pair.run_until(pair.both_open, limit=600)
    pair.run_until(lambda: bool(events_of(pair.pac_events, Reauthenticated)), limit=pair.now + 100)
    pair.run_until(pair.both_open, limit=pair.now + 300)
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key


def test_lifetime_expiry_terminates_both_ends() -> None:
    pair = SessionPair(lifetime=100).authenticate()
    pair.link_up = False  # the PNR(A) at 80 s gets no answer
    received_par_c_at = pair.first("PAR(C)").at + pair.latency
    pair.run_for(received_par_c_at + 99.9 - pair.now)
    assert pair.pac.state is PacState.WAIT_PNA_REAUTH
    pair.run_for(0.2)
    expected = SessionTerminated(session_id=SESSION_ID, cause=TerminationCause.SESSION_TIMEOUT)
    assert events_of(pair.pac_events, SessionTerminated) == [expected]
    assert events_of(pair.paa_events, SessionTerminated) == [expected]
    assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED
    assert pair.pac.next_deadline is None and pair.paa.next_deadline is None


def test_pac_terminates_with_logout() -> None:
    pair = SessionPair().authenticate()
    pair.send("pac", pair.pac.terminate(pair.now))
    pair.run_for(1)
    ptr = pana.verify(pair.first("PTR").data, pair.paa.pana_auth_key or b"")
    assert ptr.avp(AvpCode.TERMINATION_CAUSE).unsigned32() == TerminationCause.LOGOUT
    assert pair.first("PTA").sender == "paa"
    expected = SessionTerminated(session_id=SESSION_ID, cause=TerminationCause.LOGOUT)
    assert events_of(pair.pac_events, SessionTerminated) == [expected]
    assert events_of(pair.paa_events, SessionTerminated) == [expected]
    assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED


def test_paa_terminates_administratively_and_pta_is_resent_from_cache() -> None:
    pair = SessionPair().authenticate()
    [ptr] = pair.paa.terminate(pair.now)
    [pta] = pair.pac.receive(ptr, pair.now + 0.01)
    assert pair.pac.receive(ptr, pair.now + 1.0) == [pta]  # the PTA was lost, the PTR repeated
    assert pair.paa.receive(pta, pair.now + 1.01) == []
    expected = SessionTerminated(session_id=SESSION_ID, cause=TerminationCause.ADMINISTRATIVE)
    assert pair.pac.pop_events() == [expected]
    assert pair.paa.pop_events() == [expected]


def test_unanswered_ptr_still_ends_the_session() -> None:
    pair = SessionPair().authenticate()
    pair.link_up = False
    pair.send("pac", pair.pac.terminate(pair.now))
    pair.run_for(300)
    assert events_of(pair.pac_events, RetransmissionExhausted) == [
        RetransmissionExhausted(message_name="PTR")
    ]
    assert events_of(pair.pac_events, SessionTerminated)[-1].cause == TerminationCause.LOGOUT
    assert pair.pac.state is PacState.CLOSED


def test_paa_pushes_a_new_group_key_in_a_pnr_ping() -> None:
    pair = SessionPair().authenticate()
    pair.group_key = (2, bytes(range(0x40, 0x50)))
    pair.send("paa", pair.paa.push_group_key(pair.now))
    pair.run_for(1)
    assert pair.kinds(since=pair.now - 1) == ["PNR(P)", "PNA(P)"]
    assert events_of(pair.pac_events, GroupKeyUpdated) == [
        GroupKeyUpdated(key_index=2, key=pair.group_key[1])
    ]
    assert pair.paa.state is PaaState.OPEN


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


# --- With the real EAP method --------------------------------------------------------------


@pytest.mark.parametrize("peer_psk", [PSK, b"\xee" * 16], ids=["right PSK", "wrong PSK"])
def test_pana_runs_eap_psk(peer_psk: bytes) -> None:
    eap_psk = pytest.importorskip("conformance.protocols.eap_psk")
    terminal, meter = b"terminal@iot-route.example", b"meter@iot-route.example"
    pair = SessionPair(
        lifetime=100,
        eap_peer=eap_psk.EapPskPeer(id_p=terminal, psk=peer_psk, randbytes=random.Random(1).randbytes),
        eap_server=eap_psk.EapPskServer(
            id_s=meter,
            psk_for=lambda peer: PSK if peer == terminal else None,
            randbytes=random.Random(2).randbytes,
        ),
    ).start()
    pair.run_for(90)  # through one re-authentication at 80 s
    if peer_psk != PSK:
        assert events_of(pair.paa_events, PeerRejected)
        assert events_of(pair.pac_events, AuthenticationFailed)
        assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED
        return
    # Identity, EAP-PSK 1/2 and 3/4 in PAR/PAN, then Success in the PAR(C) (RFC 4764 section 3).
    assert pair.kinds()[:11] == ["PCI", "PAR(S)", "PAN(S)", *["PAR", "PAN"] * 3, "PAR(C)", "PAN(C)"]
    assert events_of(pair.paa_events, PeerAuthenticated) == [
        PeerAuthenticated(peer_id=terminal, session_id=SESSION_ID, key_id=FIRST_KEY_ID)
    ]
    assert events_of(pair.pac_events, Reauthenticated)[0].key_id == FIRST_KEY_ID + 1
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key
    assert pair.pac.group_key == pair.group_key
    assert not events_of(pair.pac_events + pair.paa_events, MessageDiscarded)


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
