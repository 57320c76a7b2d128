"""EAP-PSK (RFC 4764): messages, key derivation, protected channel and sans-IO machines.

Theory of operation (RFC 4764 section 4.1, standard authentication):

    peer                                        server
     |<-- Request/Identity -----------------------|  (RFC 3748, optional)
     |--- Response/Identity (ID_P) -------------->|
     |<-- 1: Flags(T=0) RAND_S ID_S --------------|
     |--- 2: Flags(T=1) RAND_S RAND_P MAC_P ID_P->|  MAC_P = CMAC(AK, ID_P||ID_S||RAND_S||RAND_P)
     |<-- 3: Flags(T=2) RAND_S MAC_S PCHANNEL ----|  MAC_S = CMAC(AK, ID_S||RAND_P), N=0
     |--- 4: Flags(T=3) RAND_S PCHANNEL --------->|  N=1
     |<-- EAP-Success / EAP-Failure --------------|

AK and KDK come from the PSK (section 3.1); TEK, MSK and EMSK from KDK and RAND_P
(section 3.2). PCHANNEL is EAX under the TEK (section 3.3) and carries the protected
result indication R (section 6.1). If the server starts an extension (E=1, section 6.2),
the peer, which implements none, answers with the same EXT_Type and an empty payload;
after a CONT the dialog runs one more round trip (messages 5 and 6, N=2 and N=3).

Errors versus outcomes. RFC 4764 (sections 4.1 and 8.8) lets an implementation silently
discard invalid messages or treat them as fatal. A bench must *see* them, so both
machines treat them as fatal: a malformed packet, a message the state does not expect,
a RAND_S or nonce mismatch, or a MAC_S or PCHANNEL tag that does not verify moves the
machine to FAILED, records ``failure_reason`` and raises the ProtocolError subclass
(DecodeError, IntegrityError or ProtocolError) from ``receive()``. Authentication
*outcomes* the protocol answers in band do not raise: an unknown ID_P, a MAC_P that does
not verify (wrong PSK), a Nak, or a DONE_FAILURE make the server answer EAP-Failure; an
EAP-Failure or a DONE_FAILURE make the peer fail. BenchUsageError means the bench itself
called the machine wrongly. A byte-identical retransmission of the packet last answered
is answered again with the same bytes (RFC 3748 section 4.1), so lossy links work.
A finished machine can run a new conversation (PANA re-authentication, RFC 5191 4.3):
``start()`` again on the server; on the peer, a new Request/Identity or first message.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, IntEnum, auto
from typing import ClassVar, Self, TypeAlias, TypeVar

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols import eap
from conformance.protocols.aes_modes import cmac, eax_decrypt, eax_encrypt
from conformance.protocols.eap import EapCode, EapPacket
from conformance.protocols.errors import (
    BenchUsageError,
    DecodeError,
    IntegrityError,
    ProtocolError,
)

PSK_LENGTH = 16
RAND_LENGTH = 16
MAC_LENGTH = 16
TEK_LENGTH = 16
MSK_LENGTH = 64
EMSK_LENGTH = 64
MAX_NAI_LENGTH = 966  # sections 5.1 and 5.2
MAX_EXT_PAYLOAD_LENGTH = 960  # section 5.3
NONCE_LENGTH = 4
TAG_LENGTH = 16
HEADER_H_LENGTH = 22  # section 3.3: Code, Identifier, Length, Type, Flags, RAND_S
_MAX_NONCE = 0xFFFFFFFF
_BLOCK = 16
_E_FLAG = 0x20  # section 5.3, Figure 15: R(2) E(1) Reserved(5)
_RESERVED_MASK = 0x1F


class PskResult(IntEnum):
    """The 2-bit R flag of PCHANNEL (section 6.1); 00 is undefined."""

    CONT = 0b01
    DONE_SUCCESS = 0b10
    DONE_FAILURE = 0b11


# --- key derivation (sections 3.1 and 3.2) -------------------------------------------


def _aes_128(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block) + encryptor.finalize()


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def _counter(i: int) -> bytes:
    # The counters c_i = "i" of Figures 3 and 7: i as a 16-byte big-endian integer.
    return i.to_bytes(_BLOCK, "big")


def _modified_counter_mode(key: bytes, input_block: bytes, blocks: int) -> list[bytes]:
    # Figures 3 and 7: X = AES(key, input); output block i = AES(key, X xor c_i).
    x = _aes_128(key, input_block)
    return [_aes_128(key, _xor(x, _counter(i))) for i in range(1, blocks + 1)]


def derive_ak_kdk(psk: bytes) -> tuple[bytes, bytes]:
    """The key setup (section 3.1, Figure 3): ``(AK, KDK)`` from the 16-byte PSK."""
    if len(psk) != PSK_LENGTH:
        raise BenchUsageError(f"the EAP-PSK PSK has 16 bytes, not {len(psk)}")
    ak, kdk = _modified_counter_mode(psk, bytes(_BLOCK), 2)
    return ak, kdk


def derive_tek_msk_emsk(kdk: bytes, rand_p: bytes) -> tuple[bytes, bytes, bytes]:
    """Session keys (section 3.2, Figure 7): TEK (16), MSK (64) and EMSK (64) bytes."""
    if len(kdk) != _BLOCK or len(rand_p) != RAND_LENGTH:
        raise BenchUsageError("KDK and RAND_P have 16 bytes each")
    blocks = _modified_counter_mode(kdk, rand_p, 9)
    return blocks[0], b"".join(blocks[1:5]), b"".join(blocks[5:9])


def compute_mac_p(ak: bytes, *, id_p: bytes, id_s: bytes, rand_s: bytes, rand_p: bytes) -> bytes:
    """MAC_P = CMAC-AES-128(AK, ID_P||ID_S||RAND_S||RAND_P) (section 4.1)."""
    return cmac(ak, id_p + id_s + rand_s + rand_p)


def compute_mac_s(ak: bytes, *, id_s: bytes, rand_p: bytes) -> bytes:
    """MAC_S = CMAC-AES-128(AK, ID_S||RAND_P) (section 4.1)."""
    return cmac(ak, id_s + rand_p)


# --- messages (section 5) ------------------------------------------------------------


def _check_octet(name: str, value: int) -> None:
    if not 0 <= value <= 0xFF:
        raise BenchUsageError(f"{name} {value} is not one octet")


def _check_flags(flags: int, t: int) -> None:
    # Figure 12: T in the two high-order bits, six Reserved bits kept as given.
    _check_octet("EAP-PSK Flags", flags)
    if flags >> 6 != t:
        raise BenchUsageError(f"Flags {flags:#04x} has T={flags >> 6}, this message is T={t}")


def _check_length(name: str, value: bytes, length: int) -> None:
    if len(value) != length:
        raise BenchUsageError(f"{name} has {length} bytes, not {len(value)}")


def _check_nai(name: str, value: bytes) -> None:
    if len(value) > MAX_NAI_LENGTH:
        raise BenchUsageError(f"{name} of {len(value)} bytes exceeds 966 (RFC 4764 5.1)")


_T = TypeVar("_T")


def _from_wire(build: Callable[[], _T]) -> _T:
    # Field checks live in __post_init__; bytes off the wire that fail them are malformed.
    try:
        return build()
    except BenchUsageError as exc:
        raise DecodeError(str(exc)) from None


def _need(data: bytes, length: int, what: str) -> None:
    if len(data) < length:
        raise DecodeError(f"{what} of {len(data)} bytes is shorter than {length}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PskExtension:
    """The EXT field (section 5.3, Figure 17); an empty payload means "not recognised"."""

    ext_type: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not 1 <= self.ext_type <= 0xFF:  # section 7.2: EXT_Type 1 to 255
            raise BenchUsageError(f"EXT_Type {self.ext_type} is outside 1-255")
        if len(self.payload) > MAX_EXT_PAYLOAD_LENGTH:
            raise BenchUsageError(f"EXT_Payload of {len(self.payload)} bytes exceeds 960")


@dataclass(frozen=True, slots=True, kw_only=True)
class PChannelPayload:
    """The plaintext of PCHANNEL: R, E, Reserved, and EXT when E=1 (section 5.3)."""

    result: PskResult
    extension: PskExtension | None = None
    reserved: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.result, PskResult):
            raise BenchUsageError(f"R must be a PskResult, not {self.result!r}")
        if not 0 <= self.reserved <= _RESERVED_MASK:
            raise BenchUsageError(f"PCHANNEL Reserved {self.reserved} is not 5 bits")

    def encode(self) -> bytes:
        flags = self.result << 6 | self.reserved
        if self.extension is None:
            return bytes((flags,))
        return bytes((flags | _E_FLAG, self.extension.ext_type)) + self.extension.payload

    @classmethod
    def decode(cls, data: bytes) -> Self:
        _need(data, 1, "PCHANNEL payload")
        r, e, reserved = data[0] >> 6, data[0] & _E_FLAG, data[0] & _RESERVED_MASK
        if r == 0:
            raise DecodeError("PCHANNEL R=00 is undefined (RFC 4764 6.1)")
        if not e:
            if len(data) != 1:
                raise DecodeError("PCHANNEL with E=0 carries data after the flags")
            return cls(result=PskResult(r), reserved=reserved)
        _need(data, 2, "PCHANNEL payload with E=1")
        extension = _from_wire(lambda: PskExtension(ext_type=data[1], payload=bytes(data[2:])))
        return cls(result=PskResult(r), extension=extension, reserved=reserved)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProtectedChannel:
    """PCHANNEL as sent: Nonce(4) || Tag(16) || encrypted payload (sections 3.3, 5.3)."""

    nonce: int
    tag: bytes
    encrypted_payload: bytes

    def __post_init__(self) -> None:
        if not 0 <= self.nonce <= _MAX_NONCE:
            raise BenchUsageError(f"PCHANNEL nonce {self.nonce} is not 4 bytes")
        _check_length("PCHANNEL Tag", self.tag, TAG_LENGTH)
        if not 1 <= len(self.encrypted_payload) <= 2 + MAX_EXT_PAYLOAD_LENGTH:
            raise BenchUsageError("PCHANNEL payload must have 1 to 962 bytes")

    def encode(self) -> bytes:
        return self.nonce.to_bytes(NONCE_LENGTH, "big") + self.tag + self.encrypted_payload

    @classmethod
    def decode(cls, data: bytes) -> Self:
        _need(data, NONCE_LENGTH + TAG_LENGTH + 1, "PCHANNEL")
        return _from_wire(
            lambda: cls(
                nonce=int.from_bytes(data[:NONCE_LENGTH], "big"),
                tag=bytes(data[NONCE_LENGTH : NONCE_LENGTH + TAG_LENGTH]),
                encrypted_payload=bytes(data[NONCE_LENGTH + TAG_LENGTH :]),
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PskFirstMessage:
    """Server to peer: Flags(T=0) RAND_S ID_S (section 5.1)."""

    T: ClassVar[int] = 0
    flags: int = 0x00
    rand_s: bytes
    id_s: bytes

    def __post_init__(self) -> None:
        _check_flags(self.flags, self.T)
        _check_length("RAND_S", self.rand_s, RAND_LENGTH)
        _check_nai("ID_S", self.id_s)

    def encode(self) -> bytes:
        return bytes((self.flags,)) + self.rand_s + self.id_s

    @classmethod
    def decode(cls, data: bytes) -> Self:
        _need(data, 1 + RAND_LENGTH, "EAP-PSK first message")
        return _from_wire(lambda: cls(flags=data[0], rand_s=data[1:17], id_s=data[17:]))


@dataclass(frozen=True, slots=True, kw_only=True)
class PskSecondMessage:
    """Peer to server: Flags(T=1) RAND_S RAND_P MAC_P ID_P (section 5.2)."""

    T: ClassVar[int] = 1
    flags: int = 0x40
    rand_s: bytes
    rand_p: bytes
    mac_p: bytes
    id_p: bytes

    def __post_init__(self) -> None:
        _check_flags(self.flags, self.T)
        _check_length("RAND_S", self.rand_s, RAND_LENGTH)
        _check_length("RAND_P", self.rand_p, RAND_LENGTH)
        _check_length("MAC_P", self.mac_p, MAC_LENGTH)
        _check_nai("ID_P", self.id_p)

    def encode(self) -> bytes:
        return bytes((self.flags,)) + self.rand_s + self.rand_p + self.mac_p + self.id_p

    @classmethod
    def decode(cls, data: bytes) -> Self:
        _need(data, 1 + RAND_LENGTH * 2 + MAC_LENGTH, "EAP-PSK second message")
        return _from_wire(
            lambda: cls(
                flags=data[0],
                rand_s=data[1:17],
                rand_p=data[17:33],
                mac_p=data[33:49],
                id_p=data[49:],
            )
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class PskThirdMessage:
    """Server to peer: Flags(T=2) RAND_S MAC_S PCHANNEL (section 5.3)."""

    T: ClassVar[int] = 2
    flags: int = 0x80
    rand_s: bytes
    mac_s: bytes
    pchannel: ProtectedChannel

    def __post_init__(self) -> None:
        _check_flags(self.flags, self.T)
        _check_length("RAND_S", self.rand_s, RAND_LENGTH)
        _check_length("MAC_S", self.mac_s, MAC_LENGTH)

    def encode(self) -> bytes:
        return bytes((self.flags,)) + self.rand_s + self.mac_s + self.pchannel.encode()

    @classmethod
    def decode(cls, data: bytes) -> Self:
        _need(data, 1 + RAND_LENGTH + MAC_LENGTH, "EAP-PSK third message")
        pchannel = ProtectedChannel.decode(data[33:])
        return _from_wire(lambda: cls(flags=data[0], rand_s=data[1:17], mac_s=data[17:33], pchannel=pchannel))


@dataclass(frozen=True, slots=True, kw_only=True)
class PskFourthMessage:
    """Flags(T=3) RAND_S PCHANNEL (section 5.4): the fourth message and any later one."""

    T: ClassVar[int] = 3
    flags: int = 0xC0
    rand_s: bytes
    pchannel: ProtectedChannel

    def __post_init__(self) -> None:
        _check_flags(self.flags, self.T)
        _check_length("RAND_S", self.rand_s, RAND_LENGTH)

    def encode(self) -> bytes:
        return bytes((self.flags,)) + self.rand_s + self.pchannel.encode()

    @classmethod
    def decode(cls, data: bytes) -> Self:
        _need(data, 1 + RAND_LENGTH, "EAP-PSK fourth message")
        pchannel = ProtectedChannel.decode(data[17:])
        return _from_wire(lambda: cls(flags=data[0], rand_s=data[1:17], pchannel=pchannel))


PskMessage: TypeAlias = PskFirstMessage | PskSecondMessage | PskThirdMessage | PskFourthMessage

_MESSAGE_BY_T: dict[int, type[PskMessage]] = {
    0: PskFirstMessage,
    1: PskSecondMessage,
    2: PskThirdMessage,
    3: PskFourthMessage,
}


def decode_message(type_data: bytes) -> PskMessage:
    """Parse EAP-PSK type-data (from Flags on), choosing the message by T (Figure 12)."""
    _need(type_data, 1, "EAP-PSK type-data")
    return _MESSAGE_BY_T[type_data[0] >> 6].decode(type_data)


def encode_packet(code: EapCode, identifier: int, message: PskMessage) -> bytes:
    """The whole EAP packet (Type 47) carrying ``message``."""
    packet = EapPacket(code=code, identifier=identifier, type=eap.EAP_TYPE_PSK, type_data=message.encode())
    return eap.encode(packet)


# --- protected channel (section 3.3) -------------------------------------------------


def _eax_nonce(nonce: int) -> bytes:
    # Section 3.3: the 4-byte N "is padded with 96 zero bits for its high-order bits".
    return bytes(12) + nonce.to_bytes(NONCE_LENGTH, "big")


def _check_header(header: bytes) -> None:
    if len(header) != HEADER_H_LENGTH:
        raise BenchUsageError(f"the PCHANNEL header H has 22 bytes, not {len(header)}")


def seal_pchannel(tek: bytes, *, header: bytes, nonce: int, payload: PChannelPayload) -> ProtectedChannel:
    """Encrypt and authenticate ``payload`` with EAX under the TEK (section 3.3).

    ``header`` is H, the first 22 bytes of the EAP packet that will carry the result
    (Code, Identifier, Length, Type, Flags, RAND_S), Length included.
    """
    _check_header(header)
    ciphertext, tag = eax_encrypt(tek, _eax_nonce(nonce), header, payload.encode())
    return ProtectedChannel(nonce=nonce, tag=tag, encrypted_payload=ciphertext)


def open_pchannel(tek: bytes, *, header: bytes, pchannel: ProtectedChannel) -> PChannelPayload:
    """Verify the tag, then decrypt and parse (section 3.3).

    Raises:
        IntegrityError: the tag does not verify.
        DecodeError: the decrypted payload is not a valid R/E/EXT structure.
    """
    _check_header(header)
    plaintext = eax_decrypt(tek, _eax_nonce(pchannel.nonce), header, pchannel.encrypted_payload, pchannel.tag)
    return PChannelPayload.decode(plaintext)


def build_protected_packet(
    code: EapCode,
    identifier: int,
    *,
    flags: int,
    rand_s: bytes,
    tek: bytes,
    nonce: int,
    payload: PChannelPayload,
    mac_s: bytes | None = None,
) -> bytes:
    """An EAP packet carrying a third (``mac_s`` given) or a T=3 message, sealed.

    H covers the Length field, which depends on the PCHANNEL size; the ciphertext has
    the plaintext's length, so a placeholder channel of that size gives the right H.
    """

    def message(pchannel: ProtectedChannel) -> PskMessage:
        if mac_s is None:
            return PskFourthMessage(flags=flags, rand_s=rand_s, pchannel=pchannel)
        return PskThirdMessage(flags=flags, rand_s=rand_s, mac_s=mac_s, pchannel=pchannel)

    plaintext_length = len(payload.encode())
    placeholder = ProtectedChannel(
        nonce=nonce, tag=bytes(TAG_LENGTH), encrypted_payload=bytes(plaintext_length)
    )
    header = encode_packet(code, identifier, message(placeholder))[:HEADER_H_LENGTH]
    sealed = seal_pchannel(tek, header=header, nonce=nonce, payload=payload)
    return encode_packet(code, identifier, message(sealed))


# --- the machines --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Incoming:
    raw: bytes
    packet: EapPacket
    message: PskMessage | None


def _random(randbytes: Callable[[int], bytes], n: int) -> bytes:
    value = randbytes(n)
    if len(value) != n:
        raise BenchUsageError(f"randbytes({n}) returned {len(value)} bytes")
    return value


def _decode_psk(packet: EapPacket) -> PskMessage | None:
    if packet.type != eap.EAP_TYPE_PSK:
        return None
    return decode_message(packet.type_data)


def _check_rand_s(received: bytes, expected: bytes | None) -> None:
    # RAND_S is the session identifier (section 4.1); another value is another session.
    if expected is None or not hmac.compare_digest(received, expected):
        raise ProtocolError("RAND_S does not match this EAP-PSK session")


def _check_nonce(received: int, expected: int) -> None:
    # Section 8.4: N starts at 0 (server) and each answer carries N+1.
    if received != expected:
        raise ProtocolError(f"PCHANNEL nonce {received}, expected {expected}")


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
    See the module docstring for when it raises.
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
    copes with an extension it does not know. See the module docstring for errors.
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
