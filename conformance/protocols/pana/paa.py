"""The PAA: the smart meter's end of a PANA session, one PaC per instance (RFC 5191 section 4).

The state machine is the table ``_PAA_TRANSITIONS`` (state x event -> next state, state
names after RFC 5609 section 6): a PCI is answered by the PAR(S) offering the algorithms;
the PAR carrying the PAA's Nonce starts EAP (section 4.1), and the EAP server's outcome
ends it with a PAR(C): PANA_SUCCESS with Key-Id, Session-Lifetime and the group key in an
Encryption-Encap AVP (RFC 6786), or a rejection. A PNR(A) restarts EAP under the next
Key-Id (section 4.3); ``push_group_key`` sends a new group key in a PNR(P) (the bench's
model of a HAN key update); ``terminate`` and lifetime expiry end the session (section
4.4). What the PAA shares with the PaC is ``session._PanaSession``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from conformance.protocols.errors import BenchUsageError, ProtocolError
from conformance.protocols.pana import keys, messages
from conformance.protocols.pana.events import (
    MessageDiscarded,
    PeerAuthenticated,
    PeerReauthenticated,
    PeerRejected,
    SessionTerminated,
)
from conformance.protocols.pana.messages import (
    Avp,
    AvpCode,
    EncryptionAlgorithm,
    Flag,
    IntegrityAlgorithm,
    MessageType,
    PanaMessage,
    PrfAlgorithm,
    ResultCode,
    TerminationCause,
)
from conformance.protocols.pana.session import (
    _SEQUENCE_MASK,
    NONCE_LENGTH,
    EapServerMethod,
    _Handler,
    _optional_unsigned32,
    _Outstanding,
    _PanaSession,
    _SecurityAssociation,
    _unsigned32_avps,
)


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
        return keys.encryption_encap(
            (messages.group_key_avp(*group_key),),
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
