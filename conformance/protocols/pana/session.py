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
  Encryption-Encap AVP to push a new group key (a model, see ``messages``);
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

This module holds what both ends share: sequencing and retransmission, the answer cache,
AUTH checking, key derivation and discards (``_PanaSession``), the retransmission timers
and the EAP methods as the sessions see them. The two state machines, each a table of
(state, event) -> next state, are ``pac.PacSession`` and ``paa.PaaSession``; the events
they report are in ``events``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import ClassVar, Protocol

from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError, ProtocolError
from conformance.protocols.pana import keys, messages
from conformance.protocols.pana.events import MessageDiscarded, RetransmissionExhausted, SessionEvent
from conformance.protocols.pana.messages import (
    Avp,
    AvpCode,
    Flag,
    IntegrityAlgorithm,
    MessageType,
    PanaMessage,
    PrfAlgorithm,
    Role,
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
    name = messages.message_name(msg)
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
            msg = messages.decode(data)
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
            return messages.encode(msg)
        return keys.sign(msg, self._sa.auth_key, integrity_algorithm=self._integrity_algorithm)

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
            keys.verify(data, self._sa.auth_key, integrity_algorithm=self._integrity_algorithm)
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
        auth_key = keys.derive_auth_key(
            *inputs, prf_algorithm=self._prf_algorithm, integrity_algorithm=self._integrity_algorithm
        )
        pac_key = paa_key = None
        if self._encryption_algorithm is not None:
            pac_key, paa_key = (
                keys.derive_encr_key(
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
    avp = next((a for a in inner if a.vendor_id == messages.BENCH_VENDOR_ID), None)
    return None if avp is None else messages.parse_group_key(avp)
