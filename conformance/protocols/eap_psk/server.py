"""The EAP-PSK server (the smart meter's side), sans-IO: a table of (state, event) -> handler.

RFC 4764 section 4.1: ``start`` sends Request/Identity; the Response/Identity gets the
first message (RAND_S, ID_S); the second message is checked against the PSK of its ID_P
(MAC_P), and answered with the third (MAC_S and a PCHANNEL with the result); the fourth
ends the exchange with EAP-Success or EAP-Failure (RFC 3748 section 4.2). With an
extension (section 6.2) one more round trip follows. ``_SERVER_TRANSITIONS`` is the
table. What raises and what is an outcome is in the package docstring.
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
    _check_octet,
    encode_packet,
)
from conformance.protocols.eap_psk.pchannel import build_protected_packet, open_pchannel
from conformance.protocols.errors import BenchUsageError, ProtocolError


class ServerState(Enum):
    """States of the EAP-PSK server."""

    IDLE = auto()  # start() not called yet
    WAIT_IDENTITY = auto()  # Request/Identity sent
    WAIT_SECOND = auto()  # first EAP-PSK message sent
    WAIT_PCHANNEL = auto()  # third (or fifth) message sent; waiting for a T=3 answer
    DONE_SUCCESS = auto()
    FAILED = auto()


class _ServerEvent(Enum):
    IDENTITY = auto()
    NAK = auto()
    SECOND = auto()
    PCHANNEL = auto()
    OTHER = auto()


_SERVER_FINAL = frozenset({ServerState.DONE_SUCCESS, ServerState.FAILED})


class EapPskServer:
    """The EAP server (the smart meter's side) of EAP-PSK, sans-IO.

    ``start()`` returns the EAP-Request/Identity; ``receive()`` takes each Response and
    returns the next Request, EAP-Success or EAP-Failure. Identifiers count up by one
    per new Request from ``first_identifier``; Success and Failure carry the Identifier
    of the Response they answer (RFC 3748 section 4.2). With ``extension``, the third
    message starts that extension with R=CONT (RFC 4764 section 6.2), to see how a peer
    copes with an extension it does not know. See the package docstring for errors.
    """

    def __init__(
        self,
        *,
        id_s: bytes,
        psk_for: Callable[[bytes], bytes | None],
        randbytes: Callable[[int], bytes],
        first_identifier: int = 1,
        extension: PskExtension | None = None,
    ) -> None:
        _check_nai("ID_S", id_s)
        _check_octet("first_identifier", first_identifier)
        if extension is not None and not extension.payload:
            raise BenchUsageError("an extension must not send an empty EXT_Payload (6.2)")
        self._id_s = bytes(id_s)
        self._psk_for = psk_for
        self._randbytes = randbytes
        self._extension = extension
        self._identifier = first_identifier
        self.state = ServerState.IDLE
        self._new_conversation()

    def _new_conversation(self) -> None:
        self.identity: bytes | None = None
        self.peer_id: bytes | None = None
        self.failure_reason: str | None = None
        self.msk: bytes | None = None
        self.emsk: bytes | None = None
        self._rand_s: bytes | None = None
        self._tek: bytes | None = None
        self._keys: tuple[bytes, bytes] | None = None
        self._sent_result: PskResult | None = None
        self._expected_nonce = 1
        self._last_response: bytes | None = None
        self._last_answer: bytes | None = None

    @property
    def succeeded(self) -> bool:
        return self.state is ServerState.DONE_SUCCESS

    @property
    def failed(self) -> bool:
        return self.state is ServerState.FAILED

    def start(self) -> bytes:
        """The EAP-Request/Identity opening a conversation (RFC 3748 section 5.1).

        Called again, it abandons the current conversation and starts a new one (PANA
        re-authentication), with the next Identifier and fresh keys.
        """
        if self.state is not ServerState.IDLE:
            self._new_conversation()
            self._next_identifier()
        self.state = ServerState.WAIT_IDENTITY
        return eap.encode(
            EapPacket(code=EapCode.REQUEST, identifier=self._identifier, type=eap.EAP_TYPE_IDENTITY)
        )

    def receive(self, data: bytes) -> bytes:
        """Process one EAP Response; returns the next Request, Success or Failure."""
        if self.state is ServerState.IDLE:
            raise BenchUsageError("EapPskServer.receive() before start()")
        if data == self._last_response and self._last_answer is not None:
            return self._last_answer  # a duplicate of the Response just answered
        try:
            if self.state in _SERVER_FINAL:
                raise ProtocolError("EAP packet after the exchange ended")
            incoming = self._classify(data)
            event = self._event(incoming)
            handler = _SERVER_TRANSITIONS.get((self.state, event))
            if handler is None:
                raise ProtocolError(f"unexpected {event.name} in server state {self.state.name}")
            answer = handler(self, incoming)
        except ProtocolError as exc:
            if self.state not in _SERVER_FINAL:
                self._fail(str(exc))
            raise
        self._last_response, self._last_answer = bytes(data), answer
        return answer

    def abort(self) -> bytes:
        """Give up (after ``receive()`` raised, or on a timeout) and return EAP-Failure."""
        if self.state is ServerState.DONE_SUCCESS:
            raise BenchUsageError("cannot abort an EAP-PSK exchange that succeeded")
        if self.state is not ServerState.FAILED:
            self._fail("aborted by the bench")
        return self._final(EapCode.FAILURE)

    # -- classification

    def _classify(self, data: bytes) -> _Incoming:
        packet = eap.decode(data)
        if packet.code is not EapCode.RESPONSE:
            raise ProtocolError(f"the server received an EAP {packet.code.name}")
        if packet.identifier != self._identifier:
            # RFC 3748 section 4.1: a Response must match the outstanding Request.
            raise ProtocolError(f"Response Identifier {packet.identifier}, outstanding {self._identifier}")
        message = _decode_psk(packet)
        if isinstance(message, PskFirstMessage | PskThirdMessage):
            raise ProtocolError(f"EAP-PSK T={message.T} in a Response")
        return _Incoming(bytes(data), packet, message)

    @staticmethod
    def _event(incoming: _Incoming) -> _ServerEvent:
        if isinstance(incoming.message, PskSecondMessage):
            return _ServerEvent.SECOND
        if isinstance(incoming.message, PskFourthMessage):
            return _ServerEvent.PCHANNEL
        if incoming.packet.type == eap.EAP_TYPE_IDENTITY:
            return _ServerEvent.IDENTITY
        if incoming.packet.type in (eap.EAP_TYPE_NAK, eap.EAP_TYPE_EXPANDED):
            return _ServerEvent.NAK
        return _ServerEvent.OTHER

    # -- handlers, one per row of _SERVER_TRANSITIONS

    def _next_identifier(self) -> int:
        self._identifier = (self._identifier + 1) % 0x100
        return self._identifier

    def _final(self, code: EapCode) -> bytes:
        return eap.encode(EapPacket(code=code, identifier=self._identifier))

    def _reject(self, reason: str) -> bytes:
        self._fail(reason)
        return self._final(EapCode.FAILURE)

    def _on_identity(self, incoming: _Incoming) -> bytes:
        self.identity = incoming.packet.type_data
        self._rand_s = _random(self._randbytes, RAND_LENGTH)
        first = PskFirstMessage(rand_s=self._rand_s, id_s=self._id_s)
        self.state = ServerState.WAIT_SECOND
        return encode_packet(EapCode.REQUEST, self._next_identifier(), first)

    def _on_nak(self, incoming: _Incoming) -> bytes:
        return self._reject(f"peer refused EAP-PSK (Nak {incoming.packet.type_data.hex()})")

    def _on_second(self, incoming: _Incoming) -> bytes:
        assert isinstance(incoming.message, PskSecondMessage)
        second = incoming.message
        _check_rand_s(second.rand_s, self._rand_s)
        assert self._rand_s is not None
        self.peer_id = second.id_p
        psk = self._psk_for(second.id_p)
        if psk is None:
            return self._reject("unknown ID_P")
        ak, kdk = derive_ak_kdk(psk)
        expected = compute_mac_p(
            ak, id_p=second.id_p, id_s=self._id_s, rand_s=self._rand_s, rand_p=second.rand_p
        )
        if not hmac.compare_digest(expected, second.mac_p):
            return self._reject("MAC_P does not verify (wrong PSK)")
        mac_s = compute_mac_s(ak, id_s=self._id_s, rand_p=second.rand_p)
        tek, msk, emsk = derive_tek_msk_emsk(kdk, second.rand_p)
        self._tek, self._keys = tek, (msk, emsk)
        if self._extension is None:
            payload = PChannelPayload(result=PskResult.DONE_SUCCESS)
        else:
            payload = PChannelPayload(result=PskResult.CONT, extension=self._extension)
        self._sent_result = payload.result
        self._expected_nonce = 1
        self.state = ServerState.WAIT_PCHANNEL
        return build_protected_packet(
            EapCode.REQUEST,
            self._next_identifier(),
            flags=PskThirdMessage.T << 6,
            rand_s=self._rand_s,
            tek=tek,
            nonce=0,
            payload=payload,
            mac_s=mac_s,
        )

    def _on_pchannel(self, incoming: _Incoming) -> bytes:
        assert isinstance(incoming.message, PskFourthMessage) and self._tek is not None
        message = incoming.message
        _check_rand_s(message.rand_s, self._rand_s)
        _check_nonce(message.pchannel.nonce, self._expected_nonce)
        payload = open_pchannel(self._tek, header=incoming.raw[:HEADER_H_LENGTH], pchannel=message.pchannel)
        self._check_extension_echo(payload.extension)
        if payload.result is PskResult.DONE_FAILURE:
            # Section 6.1.3: end at once, without another EAP-PSK message, and fail.
            return self._reject("peer answered DONE_FAILURE")
        if self._sent_result is PskResult.CONT:
            return self._on_cont_answer(payload)
        if self._extension is not None:
            # Section 6.2: after the server's DONE_SUCCESS in message 5, the peer "must
            # send a DONE_SUCCESS in the sixth", still with an empty EXT_Payload.
            assert payload.extension is not None
            if payload.result is PskResult.CONT or payload.extension.payload:
                raise ProtocolError("message 6 must be DONE_SUCCESS with an empty EXT_Payload")
        elif payload.result is PskResult.CONT:
            return self._reject("peer answered CONT; no extension is running")
        assert self._keys is not None
        self.msk, self.emsk = self._keys
        self.state = ServerState.DONE_SUCCESS
        return self._final(EapCode.SUCCESS)

    def _check_extension_echo(self, extension: PskExtension | None) -> None:
        # Section 6.2: only the server starts an extension; once started, every message
        # carries E=1 with its EXT_Type.
        if self._extension is None:
            if extension is not None:
                raise ProtocolError("peer set E=1 but no extension was started")
        elif extension is None or extension.ext_type != self._extension.ext_type:
            raise ProtocolError("peer's PCHANNEL lacks the extension's EXT_Type")

    def _on_cont_answer(self, payload: PChannelPayload) -> bytes:
        assert payload.extension is not None and self._rand_s is not None
        assert self._tek is not None and self._extension is not None
        if payload.result is PskResult.DONE_SUCCESS:
            raise ProtocolError("DONE_SUCCESS before the server sent one (RFC 4764 6.1.2)")
        if payload.extension.payload:
            return self._reject("peer ran an extension the bench does not implement")
        # Section 6.2: one more round trip, E=1, same EXT_Type, empty payload.
        self._sent_result = PskResult.DONE_SUCCESS
        nonce = self._expected_nonce + 1
        self._expected_nonce = nonce + 1
        return build_protected_packet(
            EapCode.REQUEST,
            self._next_identifier(),
            flags=PskFourthMessage.T << 6,
            rand_s=self._rand_s,
            tek=self._tek,
            nonce=nonce,
            payload=PChannelPayload(
                result=PskResult.DONE_SUCCESS,
                extension=PskExtension(ext_type=self._extension.ext_type),
            ),
        )

    def _fail(self, reason: str) -> None:
        self.state = ServerState.FAILED
        self.failure_reason = reason
        self.msk = self.emsk = None


_ServerHandler = Callable[[EapPskServer, _Incoming], bytes]
_SERVER_TRANSITIONS: dict[tuple[ServerState, _ServerEvent], _ServerHandler] = {
    # (state, event): handler,  # next state
    (ServerState.WAIT_IDENTITY, _ServerEvent.IDENTITY): EapPskServer._on_identity,  # WAIT_SECOND
    (ServerState.WAIT_SECOND, _ServerEvent.NAK): EapPskServer._on_nak,  # FAILED
    (ServerState.WAIT_SECOND, _ServerEvent.SECOND): EapPskServer._on_second,  # WAIT_PCHANNEL
    (ServerState.WAIT_PCHANNEL, _ServerEvent.PCHANNEL): EapPskServer._on_pchannel,  # DONE/FAILED
}
