"""The EAP-PSK peer (the terminal's side), sans-IO: a table of (state, event) -> handler.

RFC 4764 section 4.1: the peer answers Request/Identity with its ID_P, the first message
with the second (RAND_P and MAC_P), and the third, once MAC_S and the PCHANNEL verify,
with a fourth echoing the server's result; keys are released only on EAP-Success (section
8.7). Extensions (section 6.2) are answered "not recognised". ``_PEER_TRANSITIONS`` is the
table, each row naming its handler and the next state. What raises and what is an
outcome is in the package docstring.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from enum import Enum, auto

from conformance.protocols import eap
from conformance.protocols.eap import EapCode, EapPacket
from conformance.protocols.eap_psk.common import _check_nonce, _check_rand_s, _decode_psk, _Incoming, _random
from conformance.protocols.eap_psk.keys import (
    RAND_LENGTH,
    compute_mac_p,
    compute_mac_s,
    derive_ak_kdk,
    derive_tek_msk_emsk,
)
from conformance.protocols.eap_psk.messages import (
    HEADER_H_LENGTH,
    PChannelPayload,
    PskExtension,
    PskFirstMessage,
    PskFourthMessage,
    PskResult,
    PskSecondMessage,
    PskThirdMessage,
    _check_nai,
    encode_packet,
)
from conformance.protocols.eap_psk.pchannel import build_protected_packet, open_pchannel
from conformance.protocols.errors import IntegrityError, ProtocolError


class PeerState(Enum):
    """States of the EAP-PSK peer."""

    IDLE = auto()  # waiting for Request/Identity or the first EAP-PSK message
    WAIT_THIRD = auto()  # second message sent
    WAIT_PCHANNEL = auto()  # answered CONT in an extension; waiting for message 5
    WAIT_RESULT = auto()  # final PCHANNEL answer sent; waiting for EAP-Success/Failure
    DONE_SUCCESS = auto()
    FAILED = auto()


class _PeerEvent(Enum):
    IDENTITY = auto()
    NOTIFICATION = auto()
    OTHER_METHOD = auto()
    FIRST = auto()
    THIRD = auto()
    LATER_PCHANNEL = auto()
    SUCCESS = auto()
    FAILURE = auto()


_PEER_FINAL = frozenset({PeerState.DONE_SUCCESS, PeerState.FAILED})


class EapPskPeer:
    """The peer (the terminal's side) of EAP-PSK, sans-IO.

    ``receive()`` takes the EAP packet from the authenticator and returns the EAP
    Response to send, or None when there is nothing to send (EAP-Success, EAP-Failure).
    See the package docstring for when it raises.
    """

    def __init__(self, *, id_p: bytes, psk: bytes, randbytes: Callable[[int], bytes]) -> None:
        _check_nai("ID_P", id_p)
        self._id_p = bytes(id_p)
        # Section 3.1: derive AK and KDK once; the PSK itself is not kept.
        self._ak, self._kdk = derive_ak_kdk(psk)
        self._randbytes = randbytes
        self._new_conversation()

    def _new_conversation(self) -> None:
        self.state = PeerState.IDLE
        self.failure_reason: str | None = None
        self.msk: bytes | None = None
        self.emsk: bytes | None = None
        self.id_s: bytes | None = None
        self._rand_s: bytes | None = None
        self._rand_p: bytes | None = None
        self._tek: bytes | None = None
        self._keys: tuple[bytes, bytes] | None = None
        self._extension_type: int | None = None
        self._next_nonce = 0
        self._sent_result: PskResult | None = None
        self._last_response_identifier: int | None = None
        self._last_request: bytes | None = None
        self._last_response: bytes | None = None

    @property
    def succeeded(self) -> bool:
        return self.state is PeerState.DONE_SUCCESS

    @property
    def failed(self) -> bool:
        return self.state is PeerState.FAILED

    def receive(self, data: bytes) -> bytes | None:
        """Process one EAP packet from the authenticator; returns the Response, if any."""
        if data == self._last_request and self._last_response is not None:
            return self._last_response  # RFC 3748 section 4.1: retransmitted Request
        try:
            incoming = self._classify(data)
            event = self._event(incoming)
            handler = _PEER_TRANSITIONS.get((self.state, event))
            if handler is None:
                raise ProtocolError(f"unexpected {event.name} in peer state {self.state.name}")
            response = handler(self, incoming)
        except ProtocolError as exc:
            if self.state not in _PEER_FINAL:
                self._fail(str(exc))
            raise
        if response is not None:
            self._last_request, self._last_response = bytes(data), response
        return response

    # -- classification

    @staticmethod
    def _classify(data: bytes) -> _Incoming:
        packet = eap.decode(data)
        if packet.code is EapCode.RESPONSE:
            raise ProtocolError("the peer received an EAP Response")
        message = None
        if packet.code is EapCode.REQUEST:
            if packet.type == eap.EAP_TYPE_NAK:
                raise ProtocolError("Nak is a Response type, not a Request (RFC 3748 5.3)")
            message = _decode_psk(packet)
            if isinstance(message, PskSecondMessage):
                raise ProtocolError("EAP-PSK T=1 in a Request")
        return _Incoming(bytes(data), packet, message)

    @staticmethod
    def _event(incoming: _Incoming) -> _PeerEvent:
        packet, message = incoming.packet, incoming.message
        if packet.code is EapCode.SUCCESS:
            return _PeerEvent.SUCCESS
        if packet.code is EapCode.FAILURE:
            return _PeerEvent.FAILURE
        if isinstance(message, PskFirstMessage):
            return _PeerEvent.FIRST
        if isinstance(message, PskThirdMessage):
            return _PeerEvent.THIRD
        if isinstance(message, PskFourthMessage):
            return _PeerEvent.LATER_PCHANNEL
        if packet.type == eap.EAP_TYPE_IDENTITY:
            return _PeerEvent.IDENTITY
        if packet.type == eap.EAP_TYPE_NOTIFICATION:
            return _PeerEvent.NOTIFICATION
        return _PeerEvent.OTHER_METHOD

    # -- handlers, one per row of _PEER_TRANSITIONS

    def _respond(self, identifier: int, eap_type: int, type_data: bytes) -> bytes:
        self._last_response_identifier = identifier
        packet = EapPacket(code=EapCode.RESPONSE, identifier=identifier, type=eap_type, type_data=type_data)
        return eap.encode(packet)

    def _on_identity(self, incoming: _Incoming) -> bytes:
        # RFC 3748 section 5.1.
        return self._respond(incoming.packet.identifier, eap.EAP_TYPE_IDENTITY, self._id_p)

    def _on_notification(self, incoming: _Incoming) -> bytes:
        # RFC 3748 section 5.2: acknowledged with an empty Response/Notification. Inside
        # the EAP-PSK dialog notifications are refused (RFC 4764 section 8.8).
        return self._respond(incoming.packet.identifier, eap.EAP_TYPE_NOTIFICATION, b"")

    def _on_other_method(self, incoming: _Incoming) -> bytes:
        # RFC 3748 section 5.3: propose EAP-PSK instead, in the Nak form the Request allows.
        identifier = incoming.packet.identifier
        if incoming.packet.type == eap.EAP_TYPE_EXPANDED:
            expanded_nak = bytes(3) + (3).to_bytes(4, "big")
            proposal = bytes((eap.EAP_TYPE_EXPANDED, 0, 0, 0)) + eap.EAP_TYPE_PSK.to_bytes(4, "big")
            return self._respond(identifier, eap.EAP_TYPE_EXPANDED, expanded_nak + proposal)
        return self._respond(identifier, eap.EAP_TYPE_NAK, bytes((eap.EAP_TYPE_PSK,)))

    def _on_first(self, incoming: _Incoming) -> bytes:
        assert isinstance(incoming.message, PskFirstMessage)
        first = incoming.message
        self.id_s, self._rand_s = first.id_s, first.rand_s
        self._rand_p = _random(self._randbytes, RAND_LENGTH)
        mac_p = compute_mac_p(
            self._ak, id_p=self._id_p, id_s=first.id_s, rand_s=first.rand_s, rand_p=self._rand_p
        )
        second = PskSecondMessage(rand_s=first.rand_s, rand_p=self._rand_p, mac_p=mac_p, id_p=self._id_p)
        self.state = PeerState.WAIT_THIRD
        self._last_response_identifier = incoming.packet.identifier
        return encode_packet(EapCode.RESPONSE, incoming.packet.identifier, second)

    def _on_third(self, incoming: _Incoming) -> bytes:
        assert isinstance(incoming.message, PskThirdMessage)
        assert self.id_s is not None and self._rand_p is not None
        third = incoming.message
        _check_rand_s(third.rand_s, self._rand_s)
        # Section 4.1: MAC_S first, then (with the TEK it yields) the PCHANNEL tag.
        expected = compute_mac_s(self._ak, id_s=self.id_s, rand_p=self._rand_p)
        if not hmac.compare_digest(expected, third.mac_s):
            raise IntegrityError("MAC_S does not verify")
        tek, msk, emsk = derive_tek_msk_emsk(self._kdk, self._rand_p)
        self._tek, self._keys = tek, (msk, emsk)
        _check_nonce(third.pchannel.nonce, 0)
        payload = open_pchannel(tek, header=incoming.raw[:HEADER_H_LENGTH], pchannel=third.pchannel)
        extension = payload.extension
        if extension is not None:
            if not extension.payload:
                raise ProtocolError("an extension must not start with an empty EXT_Payload")
            self._extension_type = extension.ext_type
            # Section 6.2: no extension is implemented here, so answer "not recognised"
            # (same EXT_Type, empty payload); policy: succeed anyway if the server does.
            answer = payload.result
        elif payload.result is PskResult.CONT:
            # Section 6.1.1: CONT serves extensions; with none there is nothing to
            # continue, so the peer ends the dialog (hostapd's peer does the same).
            answer = PskResult.DONE_FAILURE
        else:
            answer = payload.result  # section 6.1: DONE_SUCCESS or DONE_FAILURE echoed
        return self._answer_pchannel(incoming, answer, nonce=1)

    def _on_later_pchannel(self, incoming: _Incoming) -> bytes:
        assert isinstance(incoming.message, PskFourthMessage) and self._tek is not None
        message = incoming.message
        _check_rand_s(message.rand_s, self._rand_s)
        _check_nonce(message.pchannel.nonce, self._next_nonce)
        payload = open_pchannel(self._tek, header=incoming.raw[:HEADER_H_LENGTH], pchannel=message.pchannel)
        # Section 6.2: after an unrecognised extension and a CONT, the fifth message
        # carries DONE_SUCCESS or DONE_FAILURE, E=1, the same EXT_Type, empty payload.
        extension = payload.extension
        if extension is None or extension.ext_type != self._extension_type or extension.payload:
            raise ProtocolError("message 5 must carry the proposed EXT_Type, empty payload")
        if payload.result is PskResult.CONT:
            raise ProtocolError("message 5 must be DONE_SUCCESS or DONE_FAILURE (6.2)")
        return self._answer_pchannel(incoming, payload.result, nonce=self._next_nonce + 1)

    def _answer_pchannel(self, incoming: _Incoming, answer: PskResult, *, nonce: int) -> bytes:
        assert self._rand_s is not None and self._tek is not None
        extension = None if self._extension_type is None else PskExtension(ext_type=self._extension_type)
        response = build_protected_packet(
            EapCode.RESPONSE,
            incoming.packet.identifier,
            flags=PskFourthMessage.T << 6,
            rand_s=self._rand_s,
            tek=self._tek,
            nonce=nonce,
            payload=PChannelPayload(result=answer, extension=extension),
        )
        self._last_response_identifier = incoming.packet.identifier
        self._sent_result = answer
        self._next_nonce = nonce + 1
        if answer is PskResult.CONT:
            self.state = PeerState.WAIT_PCHANNEL
        else:
            self.state = PeerState.WAIT_RESULT
            if answer is PskResult.DONE_FAILURE:
                self.failure_reason = "EAP-PSK dialog ended with DONE_FAILURE"
        return response

    def _on_success(self, incoming: _Incoming) -> None:
        # RFC 3748 section 4.2: Success answers the last Response, same Identifier.
        if incoming.packet.identifier != self._last_response_identifier:
            raise ProtocolError("EAP-Success Identifier does not match the last Response")
        if self._sent_result is not PskResult.DONE_SUCCESS:
            raise ProtocolError("EAP-Success after the peer answered DONE_FAILURE")
        assert self._keys is not None
        self.msk, self.emsk = self._keys  # section 8.7: keys only after success
        self.failure_reason = None
        self.state = PeerState.DONE_SUCCESS
        return None

    def _on_failure(self, incoming: _Incoming) -> None:
        self._fail(self.failure_reason or "EAP-Failure received")
        return None

    def _on_late_failure(self, incoming: _Incoming) -> None:
        return None  # the authenticator confirms a failure the peer already saw

    def _restart_with_identity(self, incoming: _Incoming) -> bytes:
        self._new_conversation()
        return self._on_identity(incoming)

    def _restart_with_first(self, incoming: _Incoming) -> bytes:
        assert isinstance(incoming.message, PskFirstMessage)
        if self._rand_s is not None and hmac.compare_digest(incoming.message.rand_s, self._rand_s):
            raise ProtocolError("a late first message of the finished conversation")
        self._new_conversation()
        return self._on_first(incoming)

    def _fail(self, reason: str) -> None:
        self.state = PeerState.FAILED
        self.failure_reason = reason
        self.msk = self.emsk = None


_PeerHandler = Callable[[EapPskPeer, _Incoming], bytes | None]
_PEER_TRANSITIONS: dict[tuple[PeerState, _PeerEvent], _PeerHandler] = {
    # (state, event): handler,  # next state
    (PeerState.IDLE, _PeerEvent.IDENTITY): EapPskPeer._on_identity,  # IDLE
    (PeerState.IDLE, _PeerEvent.NOTIFICATION): EapPskPeer._on_notification,  # IDLE
    (PeerState.IDLE, _PeerEvent.OTHER_METHOD): EapPskPeer._on_other_method,  # IDLE (Nak)
    (PeerState.IDLE, _PeerEvent.FIRST): EapPskPeer._on_first,  # WAIT_THIRD
    (PeerState.WAIT_THIRD, _PeerEvent.THIRD): EapPskPeer._on_third,  # WAIT_RESULT/_PCHANNEL
    (PeerState.WAIT_PCHANNEL, _PeerEvent.LATER_PCHANNEL): EapPskPeer._on_later_pchannel,
    (PeerState.WAIT_RESULT, _PeerEvent.SUCCESS): EapPskPeer._on_success,  # DONE_SUCCESS
    (PeerState.IDLE, _PeerEvent.FAILURE): EapPskPeer._on_failure,  # FAILED
    (PeerState.WAIT_THIRD, _PeerEvent.FAILURE): EapPskPeer._on_failure,  # FAILED
    (PeerState.WAIT_PCHANNEL, _PeerEvent.FAILURE): EapPskPeer._on_failure,  # FAILED
    (PeerState.WAIT_RESULT, _PeerEvent.FAILURE): EapPskPeer._on_failure,  # FAILED
    (PeerState.FAILED, _PeerEvent.FAILURE): EapPskPeer._on_late_failure,  # FAILED
    # A new conversation (re-authentication) may follow a finished one.
    (PeerState.DONE_SUCCESS, _PeerEvent.IDENTITY): EapPskPeer._restart_with_identity,  # IDLE
    (PeerState.FAILED, _PeerEvent.IDENTITY): EapPskPeer._restart_with_identity,  # IDLE
    (PeerState.DONE_SUCCESS, _PeerEvent.FIRST): EapPskPeer._restart_with_first,  # WAIT_THIRD
    (PeerState.FAILED, _PeerEvent.FIRST): EapPskPeer._restart_with_first,  # WAIT_THIRD
}
