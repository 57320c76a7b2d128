"""Sans-IO PANA sessions: the PaC (the terminal) and the PAA (the smart meter).

Theory of operation
-------------------
A session object is fed datagrams with ``receive(data, now)`` and clock ticks with
``on_timer(now)``; both return the datagrams to send, and ``next_deadline`` says when
to call ``on_timer`` next. What happened is read with ``pop_events()``. No clock, no
socket: time comes in as ``now`` (seconds, any origin), randomness from ``randbytes``.

The phases are those of RFC 5191 section 4:

* authentication and authorization (section 4.1): PCI -> PAR(S)/PAN(S) negotiating
  PRF-Algorithm and Integrity-Algorithm (and Encryption-Algorithm, RFC 6786) -> PAR/PAN
  carrying EAP, the first pair carrying the Nonces -> PAR(C)/PAN(C) with Result-Code.
  On success the PAR(C) carries Key-Id, Session-Lifetime, the group key in an
  Encryption-Encap AVP and AUTH; from then on every message carries AUTH;
* access (section 4.2): PNR(P)/PNA(P) pings; the bench's PAA also uses a PNR(P) with an
  Encryption-Encap AVP to push a new group key (a model, see ``pana``);
* re-authentication (section 4.3): the PaC sends PNR(A) at a fraction of the session
  lifetime, the PAA answers PNA(A) and runs EAP again in PAR/PAN with fresh Nonces,
  ending in PAR(C)/PAN(C) under a new Key-Id;
* termination (section 4.4): PTR/PTA with a Termination-Cause, or expiry of the
  session lifetime.

Reliability follows RFC 5191 section 5.2 and section 9: each side has at most one
request outstanding (further requests wait in a queue), retransmits it on the RFC 3315
section 14 schedule until the matching answer (same type, same Sequence Number, same
S/C/A/P flag) arrives, answers a retransmitted request from its cache of the last answer, and
discards requests out of sequence. The state names follow RFC 5609 where it has one.

A peer's malformed, unexpected, out-of-sequence or unauthenticated message never
raises: it is dropped and reported as ``MessageDiscarded`` (a finding about the peer).
Misusing the API (receiving before ``start``, terminating a session that is not open)
raises ``BenchUsageError``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, Protocol

from conformance.protocols import pana
from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError, ProtocolError
from conformance.protocols.pana import (
    Avp,
    AvpCode,
    EncryptionAlgorithm,
    Flag,
    IntegrityAlgorithm,
    MessageType,
    PanaMessage,
    PrfAlgorithm,
    ResultCode,
    Role,
    TerminationCause,
)

_SEQUENCE_MASK = 0xFFFFFFFF
NONCE_LENGTH = 16
_NO_FLAGS = Flag(0)

# --- Retransmission (RFC 5191 section 9, with RFC 3315 section 14) -------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RetransmissionTimers:
    """RFC 3315 section 14 parameters, in seconds; zero means "no limit"."""

    irt: float  # initial retransmission time
    mrt: float  # maximum retransmission time
    mrc: int  # maximum retransmission count
    mrd: float  # maximum retransmission duration


PCI_TIMERS = RetransmissionTimers(irt=1.0, mrt=120.0, mrc=0, mrd=0.0)
REQ_TIMERS = RetransmissionTimers(irt=1.0, mrt=30.0, mrc=10, mrd=0.0)

# --- The EAP side, as the sessions see it --------------------------------------------


class EapPeerMethod(Protocol):
    """An EAP peer: takes an EAP packet, returns the response (None: nothing to send)."""

    @property
    def msk(self) -> bytes | None: ...

    def receive(self, eap: bytes) -> bytes | None: ...


class EapServerMethod(Protocol):
    """An EAP server; ``start`` (re)starts a conversation and returns its first request."""

    @property
    def msk(self) -> bytes | None: ...

    @property
    def succeeded(self) -> bool: ...

    @property
    def failed(self) -> bool: ...

    @property
    def peer_id(self) -> bytes | None: ...

    def start(self) -> bytes: ...

    def receive(self, eap: bytes) -> bytes: ...


# --- Events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEvent:
    """Base of everything ``pop_events`` returns."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Authenticated(SessionEvent):
    """PaC: the PAR(C) with PANA_SUCCESS verified; the session is open."""

    session_id: int
    key_id: int
    lifetime: int | None
    group_key_index: int | None
    group_key: bytes | None = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reauthenticated(SessionEvent):
    """PaC: a re-authentication succeeded under a new Key-Id."""

    session_id: int
    key_id: int
    lifetime: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationFailed(SessionEvent):
    """PaC: the authentication (or re-authentication) did not succeed."""

    reason: str
    result_code: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupKeyUpdated(SessionEvent):
    """PaC: the PAA delivered a group key other than the one held."""

    key_index: int
    key: bytes = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTerminated(SessionEvent):
    """Either side: the session ended (PTR/PTA, or lifetime expiry as SESSION_TIMEOUT)."""

    session_id: int | None
    cause: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RetransmissionExhausted(SessionEvent):
    """Either side: a request went unanswered past REQ_MRC/MRD; the session is closed."""

    message_name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDiscarded(SessionEvent):
    """Either side: a received message was dropped; ``reason`` says why."""

    reason: str
    message_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerAuthenticated(SessionEvent):
    """PAA: the PAN(C) closing a successful authentication verified."""

    peer_id: bytes | None
    session_id: int
    key_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerReauthenticated(SessionEvent):
    """PAA: the PAN(C) closing a successful re-authentication verified."""

    peer_id: bytes | None
    session_id: int
    key_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PeerRejected(SessionEvent):
    """PAA: the PAA sent PAR(C) with PANA_AUTHENTICATION_REJECTED."""

    peer_id: bytes | None
    reason: str


# --- Shared machinery ---------------------------------------------------------------


_ANSWER_KINDS = {
    "PAR(S)": "PAN(S)",
    "PAR": "PAN",
    "PAR(C)": "PAN(C)",
    "PNR(A)": "PNA(A)",
    "PNR(P)": "PNA(P)",
    "PTR": "PTA",
}


def message_kind(msg: PanaMessage) -> str:
    """The message's name with the flag that selects its handling: PAR(S), PNR(A)..."""
    name = pana.message_name(msg)
    if msg.message_type is MessageType.AUTH:
        if msg.flags & Flag.START:
            return f"{name}(S)"
        if msg.flags & Flag.COMPLETE:
            return f"{name}(C)"
    elif msg.message_type is MessageType.NOTIFICATION:
        if msg.flags & Flag.REAUTHENTICATION:
            return f"{name}(A)"
        if msg.flags & Flag.PING:
            return f"{name}(P)"
    return name


@dataclass(frozen=True, slots=True, kw_only=True)
class _SecurityAssociation:
    """The PANA SA of one Key-Id (RFC 5191 section 5.3, RFC 6786)."""

    key_id: int
    auth_key: bytes = field(repr=False)
    pac_encr_key: bytes | None = field(repr=False)
    paa_encr_key: bytes | None = field(repr=False)

    @property
    def key_id_bytes(self) -> bytes:
        return self.key_id.to_bytes(4, "big")


@dataclass(slots=True, kw_only=True)
class _Outstanding:
    name: str
    kind: str
    data: bytes
    message_type: MessageType
    sequence_number: int
    timers: RetransmissionTimers
    started: float
    timeout: float
    deadline: float
    retransmissions: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pending:
    name: str
    build: Callable[[int, float], PanaMessage]  # called with the Sequence Number and time when sent
    timers: RetransmissionTimers
    sequenced: bool = True  # a PCI always carries Sequence Number 0


_Handler = Callable[[PanaMessage, bytes, float], "list[bytes] | None"]


class _PanaSession:
    """What PaC and PAA share: sequencing, retransmission, AUTH, discards, events."""

    _TRANSITIONS: ClassVar[Mapping[tuple[Enum, str], Enum]]
    _REQUESTS_ACCEPTED: ClassVar[Mapping[Enum, frozenset[str]]]
    _CLOSED: ClassVar[Enum]
    # Requests whose AUTH the handler checks itself (with a key the message introduces).
    _SELF_VERIFIED: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, randbytes: Callable[[int], bytes], initial_state: Enum) -> None:
        self._randbytes = randbytes
        self._state = initial_state
        self._events: list[SessionEvent] = []
        self._session_id: int | None = None
        self._next_sequence: int | None = None
        self._outstanding: _Outstanding | None = None
        self._queue: list[_Pending] = []
        self._peer_sequence: int | None = None
        self._cached_answer: bytes | None = None
        self._sa: _SecurityAssociation | None = None
        self._prf_algorithm: int = PrfAlgorithm.PRF_HMAC_SHA2_256
        self._integrity_algorithm: int = IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128
        self._encryption_algorithm: int | None = None
        self._i_par: bytes | None = None
        self._i_pan: bytes | None = None
        self._pac_nonce: bytes | None = None
        self._paa_nonce: bytes | None = None
        self._expires_at: float | None = None

    # Public surface common to both ends.

    @property
    def state(self) -> Enum:
        """The current state (``PacState`` or ``PaaState``)."""
        return self._state

    @property
    def session_id(self) -> int | None:
        """The Session Identifier (None on a PaC before the PAR(S))."""
        return self._session_id

    @property
    def key_id(self) -> int | None:
        """The Key-Id of the PANA SA in force, if any."""
        return self._sa.key_id if self._sa else None

    @property
    def pana_auth_key(self) -> bytes | None:
        """PANA_AUTH_KEY in force: for the bench's own checks, never for reports."""
        return self._sa.auth_key if self._sa else None

    @property
    def next_deadline(self) -> float | None:
        """When ``on_timer`` must next be called, or None if nothing is scheduled."""
        deadlines = [d for d in self._deadlines() if d is not None]
        return min(deadlines) if deadlines else None

    def pop_events(self) -> list[SessionEvent]:
        """The events since the last call, oldest first."""
        events, self._events = self._events, []
        return events

    def receive(self, data: bytes, now: float) -> list[bytes]:
        """Handle one received datagram; returns the datagrams to send."""
        self._check_can_receive()
        data = bytes(data)
        try:
            msg = pana.decode(data)
        except DecodeError as exc:
            return self._discard(f"malformed PANA message: {exc}", None)
        kind = message_kind(msg)
        try:
            if msg.message_type is MessageType.PCI:
                return self._on_pci(msg, data, now)
            if msg.is_request:
                return self._on_request(kind, msg, data, now)
            return self._on_answer(kind, msg, data, now)
        except ProtocolError as exc:
            # An AVP with a malformed value, met while acting on the message.
            return self._discard(f"{type(exc).__name__}: {exc}", kind)

    # Hooks for the subclasses.

    def _check_can_receive(self) -> None:
        pass

    def _deadlines(self) -> list[float | None]:
        return [self._outstanding.deadline if self._outstanding else None, self._expires_at]

    def _request_handler(self, kind: str) -> _Handler:
        raise NotImplementedError

    def _answer_handler(self, kind: str) -> _Handler | None:
        raise NotImplementedError

    def _on_pci(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes]:
        return self._discard("a PaC does not accept PCI", "PCI")

    def _on_exhausted(self, outstanding: _Outstanding, now: float) -> None:
        raise NotImplementedError

    # Events, states and discards.

    def _discard(self, reason: str, kind: str | None) -> list[bytes]:
        """Record a dropped message; nothing is sent back."""
        self._events.append(MessageDiscarded(reason=reason, message_name=kind))
        return []

    def _drop(self, reason: str, kind: str | None) -> None:
        """``_discard`` for handlers, whose None tells the caller the message was refused."""
        self._events.append(MessageDiscarded(reason=reason, message_name=kind))

    def _fire(self, event: str) -> None:
        try:
            self._state = self._TRANSITIONS[(self._state, event)]
        except KeyError:
            raise BenchUsageError(f"no transition for {event!r} in state {self._state.name}") from None

    def _close(self) -> None:
        """Forget timers and pending requests; the state table has already said CLOSED."""
        self._outstanding = None
        self._queue.clear()
        self._expires_at = None

    # Random values (RFC 3315 section 14 RAND, ISN, nonces) come from ``randbytes``.

    def _random(self, length: int) -> bytes:
        value = self._randbytes(length)
        if len(value) != length:
            raise BenchUsageError(f"randbytes({length}) returned {len(value)} bytes")
        return bytes(value)

    def _rand_factor(self) -> float:
        """RAND of RFC 3315 section 14, uniform in [-0.1, 0.1]."""
        return int.from_bytes(self._random(2), "big") / 0xFFFF * 0.2 - 0.1

    def _allocate_sequence(self) -> int:
        if self._next_sequence is None:
            # RFC 5191 section 5.2: the initial sequence number is chosen at random.
            self._next_sequence = int.from_bytes(self._random(4), "big")
        sequence = self._next_sequence
        self._next_sequence = (sequence + 1) & _SEQUENCE_MASK
        return sequence

    def _builder(
        self, message_type: MessageType, flags: Flag, avps: tuple[Avp, ...]
    ) -> Callable[[int, float], PanaMessage]:
        """A request factory: the Sequence Number is only known when it is sent."""
        session_id = self._session_id or 0

        def build(sequence: int, _now: float) -> PanaMessage:
            return PanaMessage(
                message_type=message_type,
                flags=flags,
                session_id=session_id,
                sequence_number=sequence,
                avps=avps,
            )

        return build

    # Sending.

    def _encode(self, msg: PanaMessage) -> bytes:
        if self._sa is None:
            return pana.encode(msg)
        return pana.sign(msg, self._sa.auth_key, integrity_algorithm=self._integrity_algorithm)

    def _answer(self, request: PanaMessage, flags: Flag = _NO_FLAGS, avps: tuple[Avp, ...] = ()) -> bytes:
        """The answer to ``request``, remembered for its retransmissions (section 5.2)."""
        answer = PanaMessage(
            message_type=request.message_type,
            flags=flags,
            session_id=request.session_id,
            sequence_number=request.sequence_number,
            avps=avps,
        )
        self._cached_answer = self._encode(answer)
        return self._cached_answer

    def _request(
        self,
        name: str,
        build: Callable[[int, float], PanaMessage],
        now: float,
        *,
        timers: RetransmissionTimers = REQ_TIMERS,
        sequenced: bool = True,
    ) -> list[bytes]:
        pending = _Pending(name=name, build=build, timers=timers, sequenced=sequenced)
        if self._outstanding is not None:
            self._queue.append(pending)
            return []
        return [self._transmit(pending, now)]

    def _transmit(self, pending: _Pending, now: float) -> bytes:
        sequence = self._allocate_sequence() if pending.sequenced else 0
        msg = pending.build(sequence, now)
        data = self._encode(msg)
        timeout = self._first_timeout(pending.timers)
        self._outstanding = _Outstanding(
            name=pending.name,
            kind=message_kind(msg),
            data=data,
            message_type=msg.message_type,
            sequence_number=msg.sequence_number,
            timers=pending.timers,
            started=now,
            timeout=timeout,
            deadline=now + timeout,
        )
        return data

    def _flush_queue(self, now: float) -> list[bytes]:
        if self._outstanding is not None or not self._queue:
            return []
        return [self._transmit(self._queue.pop(0), now)]

    def _first_timeout(self, timers: RetransmissionTimers) -> float:
        # RFC 3315 section 14: RT = IRT + RAND*IRT.
        return timers.irt + self._rand_factor() * timers.irt

    def _retransmission_due(self, now: float) -> list[bytes]:
        outstanding = self._outstanding
        if outstanding is None or now < outstanding.deadline:
            return []
        timers = outstanding.timers
        elapsed = now - outstanding.started
        if (timers.mrc and outstanding.retransmissions >= timers.mrc) or (
            timers.mrd and elapsed >= timers.mrd
        ):
            self._outstanding = None
            self._events.append(RetransmissionExhausted(message_name=outstanding.name))
            self._on_exhausted(outstanding, now)
            return []
        # RFC 3315 section 14: RT = 2*RTprev + RAND*RTprev, capped to MRT + RAND*MRT.
        timeout = 2 * outstanding.timeout + self._rand_factor() * outstanding.timeout
        if timers.mrt and timeout > timers.mrt:
            timeout = timers.mrt + self._rand_factor() * timers.mrt
        if timers.mrd:
            timeout = min(timeout, timers.mrd - elapsed)
        outstanding.retransmissions += 1
        outstanding.timeout = timeout
        outstanding.deadline = now + timeout
        return [outstanding.data]

    # Receiving.

    def _session_matches(self, msg: PanaMessage) -> bool:
        return self._session_id is None or msg.session_id == self._session_id

    def _on_request(self, kind: str, msg: PanaMessage, data: bytes, now: float) -> list[bytes]:
        if not self._session_matches(msg):
            return self._discard(f"Session Identifier {msg.session_id:#010x} is not this session's", kind)
        sequence = msg.sequence_number
        if self._peer_sequence is not None:
            if sequence == self._peer_sequence:
                # RFC 5191 section 5.2: a retransmitted request gets the cached answer again.
                if self._cached_answer is None:
                    return self._discard("retransmitted request, but no answer is cached", kind)
                return [self._cached_answer]
            expected = (self._peer_sequence + 1) & _SEQUENCE_MASK
            if sequence != expected:
                return self._discard(f"Sequence Number {sequence}, expected {expected}", kind)
        if self._state is self._CLOSED:
            return self._discard("the session is closed", kind)
        if kind not in self._REQUESTS_ACCEPTED.get(self._state, frozenset()):
            return self._discard(f"{kind} is not expected in state {self._state.name}", kind)
        if self._sa is not None and kind not in self._SELF_VERIFIED and not self._auth_verifies(data, kind):
            return []
        out = self._request_handler(kind)(msg, data, now)
        if out is None:
            return []
        self._peer_sequence = sequence
        return out

    def _on_answer(self, kind: str, msg: PanaMessage, data: bytes, now: float) -> list[bytes]:
        if not self._session_matches(msg):
            return self._discard(f"Session Identifier {msg.session_id:#010x} is not this session's", kind)
        outstanding = self._outstanding
        if outstanding is None:
            return self._discard("answer with no request outstanding", kind)
        if msg.message_type != outstanding.message_type or msg.sequence_number != outstanding.sequence_number:
            return self._discard(
                f"does not answer the outstanding {outstanding.name} #{outstanding.sequence_number}", kind
            )
        # Section 6.2: an answer repeats the S, C, A or P flag of its request.
        handler = self._answer_handler(kind)
        if handler is None or kind != _ANSWER_KINDS.get(outstanding.kind):
            return self._discard(f"{kind} does not answer {outstanding.kind}", kind)
        if self._sa is not None and not self._auth_verifies(data, kind):
            return []
        # The handler sees no request outstanding, so that it can send the next one.
        self._outstanding = None
        try:
            out = handler(msg, data, now)
        except ProtocolError:
            self._outstanding = outstanding
            raise
        if out is None:
            self._outstanding = outstanding
            return []
        return out + self._flush_queue(now)

    def _auth_verifies(self, data: bytes, kind: str) -> bool:
        """Check AUTH under the SA in force; a failure is recorded as a discard."""
        assert self._sa is not None
        try:
            pana.verify(data, self._sa.auth_key, integrity_algorithm=self._integrity_algorithm)
        except IntegrityError as exc:
            self._drop(f"{exc} (RFC 5191 section 5.3)", kind)
            return False
        return True

    # Key derivation (RFC 5191 section 5.3, RFC 6786).

    def _derive_sa(self, msk: bytes, key_id: int) -> _SecurityAssociation:
        if None in (self._i_par, self._i_pan, self._pac_nonce, self._paa_nonce):
            raise BenchUsageError("key derivation before I_PAR, I_PAN and both Nonces are known")
        inputs = (
            msk,
            self._i_par or b"",
            self._i_pan or b"",
            self._pac_nonce or b"",
            self._paa_nonce or b"",
            key_id.to_bytes(4, "big"),
        )
        auth_key = pana.derive_auth_key(
            *inputs, prf_algorithm=self._prf_algorithm, integrity_algorithm=self._integrity_algorithm
        )
        pac_key = paa_key = None
        if self._encryption_algorithm is not None:
            pac_key, paa_key = (
                pana.derive_encr_key(
                    *inputs,
                    sender=sender,
                    prf_algorithm=self._prf_algorithm,
                    encryption_algorithm=self._encryption_algorithm,
                )
                for sender in (Role.PAC, Role.PAA)
            )
        return _SecurityAssociation(
            key_id=key_id, auth_key=auth_key, pac_encr_key=pac_key, paa_encr_key=paa_key
        )


def _unsigned32_avps(msg: PanaMessage, code: AvpCode) -> list[int]:
    return [avp.unsigned32() for avp in msg.all_avps(code)]


def _optional_unsigned32(msg: PanaMessage, code: AvpCode) -> int | None:
    avp = msg.avp(code)
    return None if avp is None else avp.unsigned32()


def _group_key_from(inner: tuple[Avp, ...]) -> tuple[int, bytes] | None:
    avp = next((a for a in inner if a.vendor_id == pana.BENCH_VENDOR_ID), None)
    return None if avp is None else pana.parse_group_key(avp)


# --- The PaC ------------------------------------------------------------------------


class PacState(Enum):
    """PaC states (RFC 5609 section 5 names where it has them)."""

    INITIAL = "INITIAL"
    WAIT_PAA = "WAIT_PAA"  # PCI sent, waiting for PAR(S)
    WAIT_EAP_MSG = "WAIT_EAP_MSG"  # EAP running in PAR/PAN (authentication or re-authentication)
    OPEN = "OPEN"
    WAIT_PNA_REAUTH = "WAIT_PNA_REAUTH"  # PNR(A) sent
    SESS_TERM = "SESS_TERM"  # PTR sent
    CLOSED = "CLOSED"


_P = PacState
_PAC_TRANSITIONS: dict[tuple[Enum, str], Enum] = {
    (_P.INITIAL, "start"): _P.WAIT_PAA,
    (_P.WAIT_PAA, "PAR(S)"): _P.WAIT_EAP_MSG,
    (_P.WAIT_PAA, "no common algorithm"): _P.CLOSED,
    (_P.WAIT_EAP_MSG, "PAR"): _P.WAIT_EAP_MSG,
    (_P.WAIT_EAP_MSG, "PAR(C) success"): _P.OPEN,
    (_P.WAIT_EAP_MSG, "PAR(C) failure"): _P.CLOSED,
    (_P.OPEN, "PAR"): _P.WAIT_EAP_MSG,  # re-authentication started by the PAA (section 4.3)
    (_P.OPEN, "PNR(P)"): _P.OPEN,
    (_P.OPEN, "re-authentication due"): _P.WAIT_PNA_REAUTH,
    (_P.WAIT_PNA_REAUTH, "PNA(A)"): _P.WAIT_EAP_MSG,
    (_P.WAIT_PNA_REAUTH, "PAR"): _P.WAIT_EAP_MSG,  # the PAR overtook the PNA(A)
    **{(s, "PTR"): _P.CLOSED for s in (_P.WAIT_EAP_MSG, _P.OPEN, _P.WAIT_PNA_REAUTH, _P.SESS_TERM)},
    **{(s, "terminate"): _P.SESS_TERM for s in (_P.WAIT_EAP_MSG, _P.OPEN, _P.WAIT_PNA_REAUTH)},
    (_P.SESS_TERM, "PTA"): _P.CLOSED,
    **{
        (s, "lifetime expired"): _P.CLOSED
        for s in (_P.WAIT_EAP_MSG, _P.OPEN, _P.WAIT_PNA_REAUTH, _P.SESS_TERM)
    },
    **{(s, "retransmissions exhausted"): _P.CLOSED for s in PacState if s not in (_P.INITIAL, _P.CLOSED)},
}

# Requests the PaC acts on, per state; answers are accepted when they match the
# outstanding request (same type and Sequence Number, RFC 5191 section 5.2).
_PAC_REQUESTS_ACCEPTED: dict[Enum, frozenset[str]] = {
    _P.WAIT_PAA: frozenset({"PAR(S)"}),
    _P.WAIT_EAP_MSG: frozenset({"PAR", "PAR(C)", "PTR"}),
    _P.WAIT_PNA_REAUTH: frozenset({"PAR", "PTR"}),
    _P.OPEN: frozenset({"PAR", "PNR(P)", "PTR"}),
    _P.SESS_TERM: frozenset({"PTR"}),
}


class PacSession(_PanaSession):
    """The PANA client: the terminal's side."""

    _TRANSITIONS = _PAC_TRANSITIONS
    _REQUESTS_ACCEPTED = _PAC_REQUESTS_ACCEPTED
    _CLOSED = PacState.CLOSED
    _SELF_VERIFIED = frozenset({"PAR(C)"})  # verified with the key its Key-Id introduces

    def __init__(
        self,
        *,
        eap_peer: EapPeerMethod,
        randbytes: Callable[[int], bytes],
        prf_algorithms_supported: tuple[int, ...] = (
            PrfAlgorithm.PRF_HMAC_SHA2_256,
            PrfAlgorithm.PRF_HMAC_SHA1,
        ),
        integrity_algorithms_supported: tuple[int, ...] = (
            IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,
            IntegrityAlgorithm.AUTH_HMAC_SHA1_160,
        ),
        encryption_algorithms_supported: tuple[int, ...] = (EncryptionAlgorithm.AES128_CTR,),
        reauthentication_fraction: float = 0.8,
        piggyback: bool = True,
    ) -> None:
        """Create a PaC.

        Args:
            eap_peer: the EAP method, peer side.
            randbytes: source of random bytes (nonces, ISN, retransmission jitter).
            prf_algorithms_supported: in order of preference.
            integrity_algorithms_supported: in order of preference.
            encryption_algorithms_supported: in order of preference; empty refuses RFC 6786.
            reauthentication_fraction: when in the session lifetime to start re-authentication.
            piggyback: answer a PAR with the EAP response in the PAN (RFC 5191 section 4.1);
                if False, answer with an empty PAN and send the response in a PAR of its own.
        """
        super().__init__(randbytes=randbytes, initial_state=PacState.INITIAL)
        if not 0 < reauthentication_fraction < 1:
            raise BenchUsageError("reauthentication_fraction must lie strictly between 0 and 1")
        if not prf_algorithms_supported or not integrity_algorithms_supported:
            raise BenchUsageError("a PaC needs at least one PRF and one integrity algorithm")
        self._eap_peer = eap_peer
        self._prf_supported = tuple(prf_algorithms_supported)
        self._integrity_supported = tuple(integrity_algorithms_supported)
        self._encryption_supported = tuple(encryption_algorithms_supported)
        self._reauthentication_fraction = reauthentication_fraction
        self._piggyback = piggyback
        self._reauthenticate_at: float | None = None
        self._group_key: tuple[int, bytes] | None = None
        self._last_eap_in: bytes | None = None
        self._last_eap_out: bytes | None = None

    @property
    def group_key(self) -> tuple[int, bytes] | None:
        """``(key_index, key)`` last delivered by the PAA."""
        return self._group_key

    def start(self, now: float) -> list[bytes]:
        """Send the PCI (RFC 5191 section 4.1); it is retransmitted on PCI_* timers."""
        if self._state is not PacState.INITIAL:
            raise BenchUsageError(f"start() in state {self._state.name}")
        self._fire("start")
        pci = PanaMessage(message_type=MessageType.PCI)
        return self._request("PCI", lambda _sequence, _now: pci, now, timers=PCI_TIMERS, sequenced=False)

    def terminate(self, now: float) -> list[bytes]:
        """Send PTR with Termination-Cause LOGOUT (RFC 5191 section 4.4)."""
        if self._sa is None or (self._state, "terminate") not in self._TRANSITIONS:
            raise BenchUsageError(f"terminate() with no open session (state {self._state.name})")
        self._outstanding = None
        self._queue.clear()
        self._fire("terminate")
        cause = Avp.from_unsigned32(AvpCode.TERMINATION_CAUSE, TerminationCause.LOGOUT)
        return self._request("PTR", self._builder(MessageType.TERMINATION, Flag.REQUEST, (cause,)), now)

    def on_timer(self, now: float) -> list[bytes]:
        """Retransmissions, start of re-authentication, lifetime expiry (section 4.3, 4.4)."""
        if self._expires_at is not None and now >= self._expires_at:
            self._events.append(
                SessionTerminated(session_id=self._session_id, cause=TerminationCause.SESSION_TIMEOUT)
            )
            self._fire("lifetime expired")
            self._close()
            return []
        out = self._retransmission_due(now)
        if (
            self._state is PacState.OPEN
            and self._reauthenticate_at is not None
            and now >= self._reauthenticate_at
        ):
            out += self._start_reauthentication(now)
        return out

    # Internals.

    def _check_can_receive(self) -> None:
        if self._state is PacState.INITIAL:
            raise BenchUsageError("PacSession.receive() before start()")

    def _deadlines(self) -> list[float | None]:
        reauth = self._reauthenticate_at if self._state is PacState.OPEN else None
        return [*super()._deadlines(), reauth]

    def _request_handler(self, kind: str) -> _Handler:
        return {
            "PAR(S)": self._on_par_start,
            "PAR": self._on_par,
            "PAR(C)": self._on_par_complete,
            "PNR(P)": self._on_ping,
            "PTR": self._on_ptr,
        }[kind]

    def _answer_handler(self, kind: str) -> _Handler | None:
        return {"PAN": self._on_pan, "PNA(A)": self._on_pna_reauth, "PTA": self._on_pta}.get(kind)

    def _feed_eap(self, payload: bytes) -> bytes | None:
        # The same EAP packet twice in a row is a copy (for instance a PAR(C) whose AUTH
        # failed, then its genuine retransmission): the method sees it once.
        if payload != self._last_eap_in:
            self._last_eap_out = self._eap_peer.receive(payload)
            self._last_eap_in = payload
        return self._last_eap_out

    def _choose(self, offered: list[int], supported: tuple[int, ...]) -> int | None:
        return next((algorithm for algorithm in supported if algorithm in offered), None)

    def _on_par_start(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        prf = self._choose(_unsigned32_avps(msg, AvpCode.PRF_ALGORITHM), self._prf_supported)
        integrity = self._choose(
            _unsigned32_avps(msg, AvpCode.INTEGRITY_ALGORITHM), self._integrity_supported
        )
        encryption = self._choose(
            _unsigned32_avps(msg, AvpCode.ENCRYPTION_ALGORITHM), self._encryption_supported
        )
        eap = msg.avp(AvpCode.EAP_PAYLOAD)
        # A PAA may start EAP in the PAR(S) already; fed first, as the method may refuse it.
        response = self._feed_eap(eap.value) if eap is not None else None
        self._session_id = msg.session_id
        if prf is None or integrity is None:
            self._events.append(
                AuthenticationFailed(reason="no PRF or integrity algorithm in common with the PAA")
            )
            self._fire("no common algorithm")
            self._close()
            return []
        self._outstanding = None  # the PAR(S) ends the PCI's retransmissions
        self._prf_algorithm, self._integrity_algorithm = prf, integrity
        self._encryption_algorithm = encryption
        avps = [
            Avp.from_unsigned32(AvpCode.PRF_ALGORITHM, prf),
            Avp.from_unsigned32(AvpCode.INTEGRITY_ALGORITHM, integrity),
        ]
        if encryption is not None:
            avps.append(Avp.from_unsigned32(AvpCode.ENCRYPTION_ALGORITHM, encryption))
        if response is not None:
            avps.append(Avp(code=AvpCode.EAP_PAYLOAD, value=response))
        self._i_par = data
        self._i_pan = self._answer(msg, Flag.START, tuple(avps))
        self._fire("PAR(S)")
        return [self._i_pan]

    def _on_par(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        starts_reauthentication = self._state is PacState.OPEN
        needs_nonce = starts_reauthentication or self._paa_nonce is None
        nonce = msg.avp(AvpCode.NONCE)
        if needs_nonce and nonce is None:
            return self._drop("the first PAR of an authentication lacks the Nonce AVP (section 4.1)", "PAR")
        eap = msg.avp(AvpCode.EAP_PAYLOAD)
        response = self._feed_eap(eap.value) if eap is not None else None  # may raise: before changes
        if starts_reauthentication:
            self._reauthenticate_at = None
            self._pac_nonce = self._paa_nonce = None
        avps: list[Avp] = []
        if needs_nonce:
            assert nonce is not None
            self._paa_nonce = nonce.value
            self._pac_nonce = self._random(NONCE_LENGTH)
            avps.append(Avp(code=AvpCode.NONCE, value=self._pac_nonce))
        if response is not None and self._piggyback:
            avps.append(Avp(code=AvpCode.EAP_PAYLOAD, value=response))
        out = [self._answer(msg, _NO_FLAGS, tuple(avps))]
        self._fire("PAR")
        if response is not None and not self._piggyback:
            payload = (Avp(code=AvpCode.EAP_PAYLOAD, value=response),)
            out += self._request("PAR", self._builder(MessageType.AUTH, Flag.REQUEST, payload), now)
        return out

    def _on_par_complete(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        result = msg.avp(AvpCode.RESULT_CODE)
        if result is None:
            return self._drop("PAR(C) lacks the Result-Code AVP (section 4.1)", "PAR(C)")
        result_code = result.unsigned32()
        if result_code == ResultCode.PANA_SUCCESS:
            return self._on_success(msg, data, now)
        # A failed re-authentication is still protected by the old SA.
        if self._sa is not None and not self._auth_verifies(data, "PAR(C)"):
            return None
        eap = msg.avp(AvpCode.EAP_PAYLOAD)
        if eap is not None:
            self._feed_eap(eap.value)
        answer = self._answer(msg, Flag.COMPLETE)
        try:
            reason = ResultCode(result_code).name
        except ValueError:
            reason = f"Result-Code {result_code}"
        self._events.append(AuthenticationFailed(reason=f"PAA answered {reason}", result_code=result_code))
        self._fire("PAR(C) failure")
        self._close()
        return [answer]

    def _on_success(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        key_id_avp = msg.avp(AvpCode.KEY_ID)
        if key_id_avp is None:
            return self._drop("PAR(C) with PANA_SUCCESS lacks the Key-Id AVP", "PAR(C)")
        key_id = key_id_avp.unsigned32()
        lifetime = _optional_unsigned32(msg, AvpCode.SESSION_LIFETIME)
        if self._pac_nonce is None or self._paa_nonce is None:
            return self._drop("PAR(C) before the Nonces were exchanged", "PAR(C)")
        eap = msg.avp(AvpCode.EAP_PAYLOAD)
        if eap is not None:
            self._feed_eap(eap.value)
        msk = self._eap_peer.msk
        if msk is None:
            return self._drop("PANA_SUCCESS, but the EAP method produced no MSK", "PAR(C)")
        sa = self._derive_sa(msk, key_id)
        try:
            pana.verify(data, sa.auth_key, integrity_algorithm=self._integrity_algorithm)
        except IntegrityError as exc:
            return self._drop(f"{exc} under the new PANA_AUTH_KEY (section 5.3)", "PAR(C)")
        group_key = None
        encap = msg.avp(AvpCode.ENCRYPTION_ENCAP)
        if encap is not None and sa.paa_encr_key is not None:
            inner = pana.open_encryption_encap(
                encap,
                sa.paa_encr_key,
                key_id=sa.key_id_bytes,
                session_id=msg.session_id,
                sequence_number=msg.sequence_number,
            )
            group_key = _group_key_from(inner)
        reauthentication = self._sa is not None
        self._sa = sa
        answer = self._answer(msg, Flag.COMPLETE, (key_id_avp,))
        if lifetime is not None:
            self._expires_at = now + lifetime
            self._reauthenticate_at = now + lifetime * self._reauthentication_fraction
        else:
            self._expires_at = self._reauthenticate_at = None
        if reauthentication:
            self._events.append(Reauthenticated(session_id=msg.session_id, key_id=key_id, lifetime=lifetime))
            if group_key is not None and group_key != self._group_key:
                self._events.append(GroupKeyUpdated(key_index=group_key[0], key=group_key[1]))
        else:
            self._events.append(
                Authenticated(
                    session_id=msg.session_id,
                    key_id=key_id,
                    lifetime=lifetime,
                    group_key_index=group_key[0] if group_key else None,
                    group_key=group_key[1] if group_key else None,
                )
            )
        if group_key is not None:
            self._group_key = group_key
        self._fire("PAR(C) success")
        return [answer]

    def _on_ping(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        group_key = None
        encap = msg.avp(AvpCode.ENCRYPTION_ENCAP)
        if encap is not None:
            assert self._sa is not None
            if self._sa.paa_encr_key is None:
                return self._drop("Encryption-Encap AVP, but no encryption was negotiated", "PNR(P)")
            inner = pana.open_encryption_encap(
                encap,
                self._sa.paa_encr_key,
                key_id=self._sa.key_id_bytes,
                session_id=msg.session_id,
                sequence_number=msg.sequence_number,
            )
            group_key = _group_key_from(inner)
        answer = self._answer(msg, Flag.PING)
        if group_key is not None and group_key != self._group_key:
            self._group_key = group_key
            self._events.append(GroupKeyUpdated(key_index=group_key[0], key=group_key[1]))
        self._fire("PNR(P)")
        return [answer]

    def _on_ptr(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        if self._sa is None:
            return self._drop("PTR before a PANA SA exists", "PTR")
        cause = _optional_unsigned32(msg, AvpCode.TERMINATION_CAUSE)
        answer = self._answer(msg)
        self._events.append(SessionTerminated(session_id=self._session_id, cause=cause))
        self._fire("PTR")
        self._close()
        self._reauthenticate_at = None
        return [answer]

    def _on_pan(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        return []  # it only acknowledges our PAR carrying an EAP response

    def _on_pna_reauth(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        if self._state is PacState.WAIT_PNA_REAUTH:
            self._fire("PNA(A)")
        return []

    def _on_pta(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        self._events.append(SessionTerminated(session_id=self._session_id, cause=TerminationCause.LOGOUT))
        self._fire("PTA")
        self._close()
        return []

    def _start_reauthentication(self, now: float) -> list[bytes]:
        # RFC 5191 section 4.3: PNR with the A flag; the PAA then runs EAP again.
        self._reauthenticate_at = None
        self._pac_nonce = self._paa_nonce = None
        self._fire("re-authentication due")
        return self._request("PNR", self._builder(MessageType.NOTIFICATION, Flag.REQUEST | Flag.A, ()), now)

    def _on_exhausted(self, outstanding: _Outstanding, now: float) -> None:
        if self._state is PacState.SESS_TERM:
            self._events.append(SessionTerminated(session_id=self._session_id, cause=TerminationCause.LOGOUT))
        self._fire("retransmissions exhausted")
        self._close()
        self._reauthenticate_at = None


# --- The PAA ------------------------------------------------------------------------


class PaaState(Enum):
    """PAA states (RFC 5609 section 6 names where it has them)."""

    INITIAL = "INITIAL"
    WAIT_PAN_START = "WAIT_PAN_START"  # PAR(S) sent
    WAIT_EAP_MSG = "WAIT_EAP_MSG"  # EAP running (authentication or re-authentication)
    WAIT_SUCC_PAN = "WAIT_SUCC_PAN"
    WAIT_FAIL_PAN = "WAIT_FAIL_PAN"
    OPEN = "OPEN"
    WAIT_PNA_PING = "WAIT_PNA_PING"  # PNR(P) with a new group key sent
    SESS_TERM = "SESS_TERM"  # PTR sent
    CLOSED = "CLOSED"


_A = PaaState
_PAA_WITH_SA = (_A.WAIT_EAP_MSG, _A.WAIT_SUCC_PAN, _A.WAIT_FAIL_PAN, _A.OPEN, _A.WAIT_PNA_PING)
_PAA_TRANSITIONS: dict[tuple[Enum, str], Enum] = {
    (_A.INITIAL, "PCI"): _A.WAIT_PAN_START,
    (_A.WAIT_PAN_START, "PAN(S)"): _A.WAIT_EAP_MSG,
    (_A.WAIT_EAP_MSG, "EAP request"): _A.WAIT_EAP_MSG,
    (_A.WAIT_EAP_MSG, "EAP success"): _A.WAIT_SUCC_PAN,
    (_A.WAIT_EAP_MSG, "EAP failure"): _A.WAIT_FAIL_PAN,
    (_A.WAIT_SUCC_PAN, "PAN(C)"): _A.OPEN,
    (_A.WAIT_FAIL_PAN, "PAN(C)"): _A.CLOSED,
    (_A.OPEN, "PNR(A)"): _A.WAIT_EAP_MSG,
    (_A.WAIT_PNA_PING, "PNR(A)"): _A.WAIT_EAP_MSG,
    (_A.OPEN, "PNR(P)"): _A.OPEN,
    (_A.WAIT_PNA_PING, "PNR(P)"): _A.WAIT_PNA_PING,
    (_A.OPEN, "push group key"): _A.WAIT_PNA_PING,
    (_A.WAIT_PNA_PING, "PNA(P)"): _A.OPEN,
    **{(s, "PTR"): _A.CLOSED for s in (*_PAA_WITH_SA, _A.SESS_TERM)},
    **{(s, "terminate"): _A.SESS_TERM for s in _PAA_WITH_SA},
    (_A.SESS_TERM, "PTA"): _A.CLOSED,
    **{(s, "lifetime expired"): _A.CLOSED for s in (*_PAA_WITH_SA, _A.SESS_TERM)},
    **{(s, "retransmissions exhausted"): _A.CLOSED for s in PaaState if s not in (_A.INITIAL, _A.CLOSED)},
}

_PAA_REQUESTS_ACCEPTED: dict[Enum, frozenset[str]] = {
    _A.WAIT_EAP_MSG: frozenset({"PAR", "PTR"}),
    _A.WAIT_SUCC_PAN: frozenset({"PTR"}),
    _A.WAIT_FAIL_PAN: frozenset({"PTR"}),
    _A.OPEN: frozenset({"PNR(A)", "PNR(P)", "PTR"}),
    _A.WAIT_PNA_PING: frozenset({"PNR(A)", "PNR(P)", "PTR"}),
    _A.SESS_TERM: frozenset({"PTR"}),
}


class PaaSession(_PanaSession):
    """The PANA authentication agent: the smart meter's side, one PaC per instance."""

    _TRANSITIONS = _PAA_TRANSITIONS
    _REQUESTS_ACCEPTED = _PAA_REQUESTS_ACCEPTED
    _CLOSED = PaaState.CLOSED

    def __init__(
        self,
        *,
        session_id: int,
        eap_server: EapServerMethod,
        randbytes: Callable[[int], bytes],
        session_lifetime: int,
        group_key: Callable[[], tuple[int, bytes]],
        key_id: int,
        prf_algorithms: tuple[int, ...] = (PrfAlgorithm.PRF_HMAC_SHA2_256,),
        integrity_algorithms: tuple[int, ...] = (IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,),
        encryption_algorithms: tuple[int, ...] = (EncryptionAlgorithm.AES128_CTR,),
        authorize: Callable[[bytes | None], bool] = lambda peer_id: True,
    ) -> None:
        """Create a PAA waiting for a PCI.

        Args:
            session_id: the Session Identifier it assigns (non-zero).
            eap_server: the EAP method, server side; ``start`` is called per (re-)authentication.
            randbytes: source of random bytes (nonces, ISN, retransmission jitter).
            session_lifetime: Session-Lifetime AVP value, seconds.
            group_key: returns the current ``(key_index, key)`` of the HAN group key.
            key_id: Key-Id of the first PANA SA; each re-authentication takes the next value.
            prf_algorithms: offered in the PAR(S), in order of preference.
            integrity_algorithms: offered in the PAR(S), in order of preference.
            encryption_algorithms: offered in the PAR(S); empty offers no RFC 6786 encryption.
        """
        super().__init__(randbytes=randbytes, initial_state=PaaState.INITIAL)
        if not 0 < session_id <= _SEQUENCE_MASK:
            raise BenchUsageError(f"session id {session_id} is not a non-zero 32-bit value")
        if not 0 <= key_id <= _SEQUENCE_MASK:
            raise BenchUsageError(f"Key-Id {key_id} does not fit 32 bits")
        if not 0 < session_lifetime <= _SEQUENCE_MASK:
            raise BenchUsageError(f"session lifetime {session_lifetime} is not a positive 32-bit value")
        if not prf_algorithms or not integrity_algorithms:
            raise BenchUsageError("a PAA offers at least one PRF and one integrity algorithm")
        self._session_id = session_id
        self._eap_server = eap_server
        self._session_lifetime = session_lifetime
        self._authorize = authorize
        self._group_key_source = group_key
        self._next_key_id = key_id
        self._prf_offered = tuple(prf_algorithms)
        self._integrity_offered = tuple(integrity_algorithms)
        self._encryption_offered = tuple(encryption_algorithms)
        self._awaiting_eap = False
        self._reauthenticating = False
        self._last_eap_identifier = 0
        self._termination_cause: int | None = None

    def terminate(self, now: float, cause: int = TerminationCause.ADMINISTRATIVE) -> list[bytes]:
        """Send PTR with ``cause`` (RFC 5191 section 4.4)."""
        if self._sa is None or (self._state, "terminate") not in self._TRANSITIONS:
            raise BenchUsageError(f"terminate() with no open session (state {self._state.name})")
        self._outstanding = None
        self._queue.clear()
        self._termination_cause = cause
        self._fire("terminate")
        avps = (Avp.from_unsigned32(AvpCode.TERMINATION_CAUSE, cause),)
        return self._request("PTR", self._builder(MessageType.TERMINATION, Flag.REQUEST, avps), now)

    def push_group_key(self, now: float) -> list[bytes]:
        """Send the current group key in a PNR(P) (the bench's model of a HAN key update)."""
        if self._state is not PaaState.OPEN:
            raise BenchUsageError(f"push_group_key() in state {self._state.name}")
        sa = self._sa
        if sa is None or sa.paa_encr_key is None:
            raise BenchUsageError("push_group_key() needs a session with RFC 6786 encryption")
        self._fire("push group key")
        group_key = self._group_key_source()

        def build(sequence: int, sent_at: float) -> PanaMessage:
            encap = self._encap_group_key(group_key, sa, sequence)
            return self._builder(MessageType.NOTIFICATION, Flag.REQUEST | Flag.PING, (encap,))(
                sequence, sent_at
            )

        return self._request("PNR", build, now)

    def on_timer(self, now: float) -> list[bytes]:
        """Retransmissions and lifetime expiry."""
        if self._expires_at is not None and now >= self._expires_at:
            self._events.append(
                SessionTerminated(session_id=self._session_id, cause=TerminationCause.SESSION_TIMEOUT)
            )
            self._fire("lifetime expired")
            self._close()
            return []
        return self._retransmission_due(now)

    # Internals.

    def _request_handler(self, kind: str) -> _Handler:
        return {
            "PAR": self._on_par,
            "PNR(A)": self._on_pnr_reauth,
            "PNR(P)": self._on_ping,
            "PTR": self._on_ptr,
        }[kind]

    def _answer_handler(self, kind: str) -> _Handler | None:
        return {
            "PAN(S)": self._on_pan_start,
            "PAN": self._on_pan,
            "PAN(C)": self._on_pan_complete,
            "PNA(P)": self._on_pna_ping,
            "PTA": self._on_pta,
        }.get(kind)

    def _encap_group_key(self, group_key: tuple[int, bytes], sa: _SecurityAssociation, sequence: int) -> Avp:
        assert sa.paa_encr_key is not None
        return pana.encryption_encap(
            (pana.group_key_avp(*group_key),),
            sa.paa_encr_key,
            key_id=sa.key_id_bytes,
            session_id=self._session_id or 0,
            sequence_number=sequence,
        )

    def _on_pci(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes]:
        if self._state is not PaaState.INITIAL:
            return self._discard("PCI for a session already under way", "PCI")
        avps = (
            *(Avp.from_unsigned32(AvpCode.PRF_ALGORITHM, a) for a in self._prf_offered),
            *(Avp.from_unsigned32(AvpCode.INTEGRITY_ALGORITHM, a) for a in self._integrity_offered),
            *(Avp.from_unsigned32(AvpCode.ENCRYPTION_ALGORITHM, a) for a in self._encryption_offered),
        )
        self._fire("PCI")
        out = self._request("PAR", self._builder(MessageType.AUTH, Flag.REQUEST | Flag.START, avps), now)
        self._i_par = out[0]  # I_PAR: the PAR(S) exactly as sent (section 5.3)
        return out

    def _on_pan_start(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        prf = _unsigned32_avps(msg, AvpCode.PRF_ALGORITHM)
        integrity = _unsigned32_avps(msg, AvpCode.INTEGRITY_ALGORITHM)
        encryption = _unsigned32_avps(msg, AvpCode.ENCRYPTION_ALGORITHM)
        # Section 4.1: the PAN(S) carries exactly one of each, chosen from the offer.
        if len(prf) != 1 or prf[0] not in self._prf_offered:
            return self._drop(f"PAN(S) PRF-Algorithm {prf} is not one offered algorithm", "PAN(S)")
        if len(integrity) != 1 or integrity[0] not in self._integrity_offered:
            return self._drop(
                f"PAN(S) Integrity-Algorithm {integrity} is not one offered algorithm", "PAN(S)"
            )
        if len(encryption) > 1 or (encryption and encryption[0] not in self._encryption_offered):
            return self._drop(
                f"PAN(S) Encryption-Algorithm {encryption} is not one offered algorithm", "PAN(S)"
            )
        self._prf_algorithm, self._integrity_algorithm = prf[0], integrity[0]
        self._encryption_algorithm = encryption[0] if encryption else None
        self._i_pan = data
        self._fire("PAN(S)")
        return self._start_eap(now)

    def _start_eap(self, now: float) -> list[bytes]:
        # Section 4.1/4.3: the first PAR of an (re-)authentication carries the PAA's Nonce.
        self._reauthenticating = self._sa is not None
        self._pac_nonce = None
        self._paa_nonce = self._random(NONCE_LENGTH)
        return self._send_eap_request(self._eap_server.start(), now, nonce=self._paa_nonce)

    def _send_eap_request(self, eap: bytes, now: float, *, nonce: bytes | None = None) -> list[bytes]:
        avps = (Avp(code=AvpCode.NONCE, value=nonce),) if nonce is not None else ()
        avps += (Avp(code=AvpCode.EAP_PAYLOAD, value=eap),)
        if len(eap) >= 2:
            self._last_eap_identifier = eap[1]
        self._awaiting_eap = True
        return self._request("PAR", self._builder(MessageType.AUTH, Flag.REQUEST, avps), now)

    def _on_pan(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        if self._state is not PaaState.WAIT_EAP_MSG:
            return self._drop(f"PAN without the C flag in state {self._state.name}", "PAN")
        nonce = msg.avp(AvpCode.NONCE)
        if self._pac_nonce is None:
            if nonce is None:
                return self._drop("the PAN answering the Nonce PAR lacks the Nonce AVP (section 4.1)", "PAN")
            self._pac_nonce = nonce.value
        eap = msg.avp(AvpCode.EAP_PAYLOAD)
        if eap is None:
            return []  # the PaC sends its EAP response in a PAR of its own
        return self._eap_response(eap.value, "PAN", now)

    def _on_par(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        eap = msg.avp(AvpCode.EAP_PAYLOAD)
        if eap is None:
            return self._drop("a PaC's PAR without EAP-Payload", "PAR")
        out = [self._answer(msg)]
        return out + self._eap_response(eap.value, "PAR", now)

    def _eap_response(self, payload: bytes, kind: str, now: float) -> list[bytes]:
        # One EAP response per EAP request sent; one to a request still queued is bogus.
        if not self._awaiting_eap or self._queue:
            self._events.append(
                MessageDiscarded(reason="EAP-Payload when no EAP request is open", message_name=kind)
            )
            return []
        self._awaiting_eap = False
        try:
            eap_out = self._eap_server.receive(payload)
        except ProtocolError as exc:
            self._events.append(
                MessageDiscarded(reason=f"EAP server refused the payload: {exc}", message_name=kind)
            )
            return self._conclude_failure(self._eap_failure(), f"malformed EAP: {exc}", now)
        if self._eap_server.succeeded:
            if not self._authorize(self._eap_server.peer_id):
                # Section 4.1: EAP succeeded but the PAA will not serve the peer (for the
                # smart meter: no free slot, NAT-2.1-A).
                return self._conclude_failure(
                    eap_out, "authorization rejected", now, ResultCode.PANA_AUTHORIZATION_REJECTED
                )
            return self._conclude_success(eap_out, now)
        if self._eap_server.failed:
            return self._conclude_failure(eap_out, "EAP authentication failed", now)
        self._fire("EAP request")
        return self._send_eap_request(eap_out, now)

    def _eap_failure(self) -> bytes:
        # RFC 3748 section 4.2: Failure, Identifier of the last Request, Length 4.
        return bytes((4, self._last_eap_identifier, 0, 4))

    def _conclude_success(self, eap_success: bytes, now: float) -> list[bytes]:
        msk = self._eap_server.msk
        if msk is None:
            return self._conclude_failure(self._eap_failure(), "the EAP method produced no MSK", now)
        key_id = self._next_key_id
        self._next_key_id = (key_id + 1) & _SEQUENCE_MASK
        self._fire("EAP success")

        def build(sequence: int, sent_at: float) -> PanaMessage:
            # Runs when the PAR(C) is sent, after the PaC's Nonce has arrived.
            sa = self._derive_sa(msk, key_id)
            self._sa = sa  # the PAR(C) is signed with the new key (section 5.3)
            self._expires_at = sent_at + self._session_lifetime
            avps = [
                Avp.from_unsigned32(AvpCode.RESULT_CODE, ResultCode.PANA_SUCCESS),
                Avp(code=AvpCode.EAP_PAYLOAD, value=eap_success),
                Avp.from_unsigned32(AvpCode.KEY_ID, key_id),
                Avp.from_unsigned32(AvpCode.SESSION_LIFETIME, self._session_lifetime),
            ]
            if sa.paa_encr_key is not None:
                avps.append(self._encap_group_key(self._group_key_source(), sa, sequence))
            return self._builder(MessageType.AUTH, Flag.REQUEST | Flag.COMPLETE, tuple(avps))(
                sequence, sent_at
            )

        return self._request("PAR", build, now)

    def _conclude_failure(
        self,
        eap_payload: bytes,
        reason: str,
        now: float,
        result_code: int = ResultCode.PANA_AUTHENTICATION_REJECTED,
    ) -> list[bytes]:
        self._events.append(PeerRejected(peer_id=self._eap_server.peer_id, reason=reason))
        self._fire("EAP failure")
        avps = (
            Avp.from_unsigned32(AvpCode.RESULT_CODE, result_code),
            Avp(code=AvpCode.EAP_PAYLOAD, value=eap_payload),
        )
        return self._request("PAR", self._builder(MessageType.AUTH, Flag.REQUEST | Flag.COMPLETE, avps), now)

    def _on_pan_complete(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        if self._state is PaaState.WAIT_FAIL_PAN:
            self._fire("PAN(C)")
            self._close()
            return []
        assert self._sa is not None
        key_id = msg.avp(AvpCode.KEY_ID)
        if key_id is None or key_id.unsigned32() != self._sa.key_id:
            return self._drop(f"PAN(C) Key-Id is not {self._sa.key_id} (section 4.1)", "PAN(C)")
        event_type = PeerReauthenticated if self._reauthenticating else PeerAuthenticated
        self._events.append(
            event_type(peer_id=self._eap_server.peer_id, session_id=msg.session_id, key_id=self._sa.key_id)
        )
        self._fire("PAN(C)")
        return []

    def _on_pnr_reauth(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        answer = self._answer(msg, Flag.REAUTHENTICATION)
        self._fire("PNR(A)")
        return [answer, *self._start_eap(now)]

    def _on_ping(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        answer = self._answer(msg, Flag.PING)
        self._fire("PNR(P)")
        return [answer]

    def _on_pna_ping(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        if self._state is PaaState.WAIT_PNA_PING:
            self._fire("PNA(P)")
        return []

    def _on_ptr(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        if self._sa is None:
            return self._drop("PTR before a PANA SA exists", "PTR")
        cause = _optional_unsigned32(msg, AvpCode.TERMINATION_CAUSE)
        answer = self._answer(msg)
        self._events.append(SessionTerminated(session_id=self._session_id, cause=cause))
        self._fire("PTR")
        self._close()
        return [answer]

    def _on_pta(self, msg: PanaMessage, data: bytes, now: float) -> list[bytes] | None:
        self._events.append(SessionTerminated(session_id=self._session_id, cause=self._termination_cause))
        self._fire("PTA")
        self._close()
        return []

    def _on_exhausted(self, outstanding: _Outstanding, now: float) -> None:
        if self._state is PaaState.SESS_TERM:
            self._events.append(SessionTerminated(session_id=self._session_id, cause=self._termination_cause))
        self._fire("retransmissions exhausted")
        self._close()
