"""The PaC: the terminal's end of a PANA session (RFC 5191 sections 4.1-4.4).

The state machine is the table ``_PAC_TRANSITIONS`` (state x event -> next state, state
names after RFC 5609 section 5): ``start`` sends the PCI; the PAR(S) fixes the algorithms
(section 4.1, RFC 6786 for encryption); EAP runs in PAR/PAN; the PAR(C) with PANA_SUCCESS,
verified under the PANA_AUTH_KEY its Key-Id introduces (section 5.3), opens the session
and delivers the group key. At ``reauthentication_fraction`` of the session lifetime the
PaC sends PNR(A) (section 4.3); at the end of the lifetime, or on a PTR, the session
closes (section 4.4). What the PaC shares with the PAA is ``session._PanaSession``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from conformance.protocols.errors import BenchUsageError, IntegrityError
from conformance.protocols.pana import keys
from conformance.protocols.pana.events import (
    Authenticated,
    AuthenticationFailed,
    GroupKeyUpdated,
    Reauthenticated,
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
    _NO_FLAGS,
    NONCE_LENGTH,
    PCI_TIMERS,
    EapPeerMethod,
    _group_key_from,
    _Handler,
    _optional_unsigned32,
    _Outstanding,
    _PanaSession,
    _unsigned32_avps,
)


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
            keys.verify(data, sa.auth_key, integrity_algorithm=self._integrity_algorithm)
        except IntegrityError as exc:
            return self._drop(f"{exc} under the new PANA_AUTH_KEY (section 5.3)", "PAR(C)")
        group_key = None
        encap = msg.avp(AvpCode.ENCRYPTION_ENCAP)
        if encap is not None and sa.paa_encr_key is not None:
            inner = keys.open_encryption_encap(
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
            inner = keys.open_encryption_encap(
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
