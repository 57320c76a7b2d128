"""EAP-PSK messages (RFC 4764 section 5): the four message formats, PCHANNEL and its payload.

Each message is a frozen dataclass whose fields are checked when it is built; ``encode``
and ``decode`` are exact inverses, and ``decode_message`` picks the message by the T
field of Flags (Figure 12). Bytes off the wire that break a field rule raise DecodeError
(a finding about the peer); the same values given by the bench raise BenchUsageError.
PCHANNEL (section 5.3) travels as Nonce(4) || Tag(16) || encrypted payload; its plaintext
is ``PChannelPayload``: R (section 6.1), E and, when E=1, the EXT field (section 5.3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Self, TypeAlias, TypeVar

from conformance.protocols import eap
from conformance.protocols.eap import EapCode, EapPacket
from conformance.protocols.eap_psk.keys import MAC_LENGTH, RAND_LENGTH
from conformance.protocols.errors import BenchUsageError, DecodeError

MAX_NAI_LENGTH = 966  # sections 5.1 and 5.2
MAX_EXT_PAYLOAD_LENGTH = 960  # section 5.3
NONCE_LENGTH = 4
TAG_LENGTH = 16
HEADER_H_LENGTH = 22  # section 3.3: Code, Identifier, Length, Type, Flags, RAND_S
_MAX_NONCE = 0xFFFFFFFF
_E_FLAG = 0x20  # section 5.3, Figure 15: R(2) E(1) Reserved(5)
_RESERVED_MASK = 0x1F


class PskResult(IntEnum):
    """The 2-bit R flag of PCHANNEL (section 6.1); 00 is undefined."""

    CONT = 0b01
    DONE_SUCCESS = 0b10
    DONE_FAILURE = 0b11


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
