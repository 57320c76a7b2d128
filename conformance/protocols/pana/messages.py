"""PANA message codec: header, AVPs and the bench's GROUP_KEY AVP (RFC 5191 section 6).

Wire format (RFC 5191 section 6.2), all fields big-endian::

    Reserved(2) Message-Length(2) Flags(2) Message-Type(2) Session-Identifier(4) Sequence-Number(4)

followed by AVPs (section 6.3)::

    AVP-Code(2) AVP-Flags(2) AVP-Length(2) Reserved(2) [Vendor-Id(4), when the V flag is set] Value

AVP-Length counts the Value only: the header, the Vendor-Id and the padding are not
included. Each AVP is padded with zero octets to a 4-octet boundary; Message-Length
counts the whole message, header and padding included. PANA AVPs have a single flag,
V (vendor-specific); unlike Diameter there is no M (mandatory) flag, so ``Avp`` has none.
``encode`` and ``decode`` are exact inverses; the keys and the AUTH AVP are ``keys``'s.

The HAN group key travels inside the Encryption-Encap AVP (``keys``) in a vendor-specific
``GROUP_KEY`` AVP. The Wi-SUN HAN (TTC JJ-300.10) key-delivery AVP is not public, so
this is the bench's model, in the style of the ZigBee IP PANA key-delivery AVP:
vendor id 32473 (the enterprise number RFC 5612 reserves for documentation), code 1,
value = key index (1 octet) + 128-bit key.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum, IntFlag, StrEnum

from conformance.protocols.errors import BenchUsageError, DecodeError

# The PAA listens on the IANA-assigned port 716 (RFC 5191 section 6.1, IANA section 10).
PANA_PORT = 716

HEADER_LENGTH = 16
AVP_HEADER_LENGTH = 8
VENDOR_ID_LENGTH = 4
MAX_MESSAGE_LENGTH = 0xFFFF

_HEADER = struct.Struct("!HHHHII")
_AVP_HEADER = struct.Struct("!HHHH")
_UINT32 = struct.Struct("!I")


class MessageType(IntEnum):
    """Message Type field (RFC 5191 section 7); the R flag tells request from answer."""

    PCI = 1  # PANA-Client-Initiation
    AUTH = 2  # PANA-Auth-Request / -Answer
    TERMINATION = 3  # PANA-Termination-Request / -Answer
    NOTIFICATION = 4  # PANA-Notification-Request / -Answer


class Flag(IntFlag):
    """Message header flags (RFC 5191 section 6.2); the letters are the RFC's."""

    REQUEST = 0x8000
    START = 0x4000
    COMPLETE = 0x2000
    REAUTHENTICATION = 0x1000
    PING = 0x0800
    IP_RECONFIGURATION = 0x0400
    R = REQUEST
    S = START
    C = COMPLETE
    A = REAUTHENTICATION
    P = PING
    I = IP_RECONFIGURATION  # noqa: E741 - the RFC's letter


NO_FLAGS = Flag(0)

# Enum look-ups by value go through EnumType.__call__, a few microseconds each, and every PANA
# message built or decoded makes two: dicts built once stand in for them. Flag values are
# memoised as they come (at most the 16-bit field's values; a session uses a handful).
_MESSAGE_TYPE_OF = {member.value: member for member in MessageType}
_FLAGS_OF: dict[int, Flag] = {0: NO_FLAGS}
_REQUEST_BIT = int(Flag.REQUEST)


def _message_type(value: object) -> MessageType | None:
    try:
        return _MESSAGE_TYPE_OF.get(value)  # type: ignore[call-overload]
    except TypeError:  # unhashable: no message type either
        return None


def _flags(value: int) -> Flag:
    if type(value) is Flag:
        return value
    if type(value) is not int:
        return Flag(value)
    found = _FLAGS_OF.get(value)
    if found is None:
        found = _FLAGS_OF[value] = Flag(value)
    return found


AVP_FLAG_VENDOR = 0x8000  # RFC 5191 section 6.3; the other 15 bits are reserved


class AvpCode(IntEnum):
    """AVP codes (RFC 5191 section 8, RFC 6345, RFC 6786)."""

    AUTH = 1
    EAP_PAYLOAD = 2
    INTEGRITY_ALGORITHM = 3
    KEY_ID = 4
    NONCE = 5
    PRF_ALGORITHM = 6
    RESULT_CODE = 7
    SESSION_LIFETIME = 8
    TERMINATION_CAUSE = 9
    PAC_INFORMATION = 10  # RFC 6345
    RELAYED_MESSAGE = 11  # RFC 6345
    ENCRYPTION_ENCAP = 12  # RFC 6786
    ENCRYPTION_ALGORITHM = 13  # RFC 6786


class ResultCode(IntEnum):
    """Result-Code AVP values (RFC 5191 section 8.7)."""

    PANA_SUCCESS = 0
    PANA_AUTHENTICATION_REJECTED = 1
    PANA_AUTHORIZATION_REJECTED = 2


class TerminationCause(IntEnum):
    """Termination-Cause AVP values (RFC 5191 section 8.9)."""

    LOGOUT = 1  # sent by the PaC
    ADMINISTRATIVE = 4  # sent by the PAA
    SESSION_TIMEOUT = 8  # sent by the PAA


class PrfAlgorithm(IntEnum):
    """PRF-Algorithm AVP values: IKEv2 transform type 2 (RFC 5191 section 8.6)."""

    PRF_HMAC_SHA1 = 2
    PRF_HMAC_SHA2_256 = 5


class IntegrityAlgorithm(IntEnum):
    """Integrity-Algorithm AVP values: IKEv2 transform type 3 (RFC 5191 section 8.3)."""

    AUTH_HMAC_SHA1_96 = 2
    AUTH_HMAC_SHA1_160 = 7
    AUTH_HMAC_SHA2_256_128 = 12


class EncryptionAlgorithm(IntEnum):
    """Encryption-Algorithm AVP values (RFC 6786, IANA PANA registry)."""

    AES128_CTR = 1


class Role(StrEnum):
    """The two PANA entities; the value is the spelling used in key labels."""

    PAC = "PaC"
    PAA = "PAA"


# The bench's model of the Wi-SUN HAN group-key delivery (see the module docstring).
BENCH_VENDOR_ID = 32473  # RFC 5612: enterprise number for documentation use


class BenchAvpCode(IntEnum):
    """Vendor-specific AVP codes under ``BENCH_VENDOR_ID``."""

    GROUP_KEY = 1


GROUP_KEY_LENGTH = 16


def _padding(length: int) -> int:
    return -length % 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Avp:
    """One AVP; ``vendor_id`` set means the V flag is set (RFC 5191 section 6.3)."""

    code: int
    value: bytes = b""
    vendor_id: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.code <= 0xFFFF:
            raise BenchUsageError(f"AVP code {self.code} does not fit 16 bits")
        if self.vendor_id is not None and not 0 <= self.vendor_id <= 0xFFFFFFFF:
            raise BenchUsageError(f"vendor id {self.vendor_id} does not fit 32 bits")
        if not isinstance(self.value, bytes):
            object.__setattr__(self, "value", bytes(self.value))
        if len(self.value) > 0xFFFF:
            raise BenchUsageError("AVP value longer than 65535 bytes")

    @classmethod
    def from_unsigned32(cls, code: int, value: int) -> Avp:
        """An AVP whose Value is one Unsigned32 (Integer32 for Key-Id: same octets)."""
        if not 0 <= value <= 0xFFFFFFFF:
            raise BenchUsageError(f"{value} does not fit 32 bits")
        return cls(code=code, value=_UINT32.pack(value))

    def unsigned32(self) -> int:
        """The Value read as Unsigned32.

        Raises:
            DecodeError: the Value is not exactly four octets.
        """
        if len(self.value) != 4:
            raise DecodeError(f"AVP {self.code} has {len(self.value)} octets, expected 4")
        return _UINT32.unpack(self.value)[0]

    @property
    def encoded_length(self) -> int:
        """Octets the AVP takes in a message, padding included."""
        header = AVP_HEADER_LENGTH + (VENDOR_ID_LENGTH if self.vendor_id is not None else 0)
        return header + len(self.value) + _padding(len(self.value))


@dataclass(frozen=True, slots=True, kw_only=True)
class PanaMessage:
    """One PANA message (RFC 5191 section 6)."""

    message_type: MessageType
    flags: Flag = NO_FLAGS
    session_id: int = 0
    sequence_number: int = 0
    avps: tuple[Avp, ...] = ()

    def __post_init__(self) -> None:
        kind = _message_type(self.message_type)
        if kind is None:
            raise BenchUsageError(f"unknown PANA message type {self.message_type!r}")
        object.__setattr__(self, "message_type", kind)
        if not 0 <= int(self.flags) <= 0xFFFF:
            raise BenchUsageError(f"flags {self.flags!r} do not fit 16 bits")
        object.__setattr__(self, "flags", _flags(self.flags))
        if not 0 <= self.session_id <= 0xFFFFFFFF:
            raise BenchUsageError(f"session id {self.session_id} does not fit 32 bits")
        if not 0 <= self.sequence_number <= 0xFFFFFFFF:
            raise BenchUsageError(f"sequence number {self.sequence_number} does not fit 32 bits")
        avps = tuple(self.avps)
        if not all(isinstance(avp, Avp) for avp in avps):
            raise BenchUsageError("avps must be Avp instances")
        object.__setattr__(self, "avps", avps)
        if self.length > MAX_MESSAGE_LENGTH:
            raise BenchUsageError(f"PANA message of {self.length} bytes exceeds 65535")

    @property
    def length(self) -> int:
        """The Message Length field: header plus padded AVPs."""
        return HEADER_LENGTH + sum(avp.encoded_length for avp in self.avps)

    @property
    def is_request(self) -> bool:
        """The R flag (a PCI has it clear)."""
        return int(self.flags) & _REQUEST_BIT != 0  # int &: Flag's own __and__ is Python code

    def avp(self, code: int, vendor_id: int | None = None) -> Avp | None:
        """The first AVP with this code (and vendor), or None."""
        for avp in self.avps:
            if avp.code == code and avp.vendor_id == vendor_id:
                return avp
        return None

    def all_avps(self, code: int, vendor_id: int | None = None) -> tuple[Avp, ...]:
        """Every AVP with this code (and vendor), in message order."""
        return tuple(avp for avp in self.avps if avp.code == code and avp.vendor_id == vendor_id)


_NAMES = {
    (MessageType.AUTH, True): "PAR",
    (MessageType.AUTH, False): "PAN",
    (MessageType.TERMINATION, True): "PTR",
    (MessageType.TERMINATION, False): "PTA",
    (MessageType.NOTIFICATION, True): "PNR",
    (MessageType.NOTIFICATION, False): "PNA",
}


def message_name(msg: PanaMessage) -> str:
    """The RFC's abbreviation: PCI, PAR, PAN, PTR, PTA, PNR or PNA."""
    if msg.message_type is MessageType.PCI:
        return "PCI"
    return _NAMES[(msg.message_type, msg.is_request)]


def _encode_avps(avps: Iterable[Avp]) -> bytes:
    out = bytearray()
    for avp in avps:
        flags = AVP_FLAG_VENDOR if avp.vendor_id is not None else 0
        out += _AVP_HEADER.pack(avp.code, flags, len(avp.value), 0)
        if avp.vendor_id is not None:
            out += _UINT32.pack(avp.vendor_id)
        out += avp.value + bytes(_padding(len(avp.value)))
    return bytes(out)


def encode(msg: PanaMessage) -> bytes:
    """The message's bytes, exactly as they go into the UDP payload."""
    header = _HEADER.pack(0, msg.length, msg.flags, msg.message_type, msg.session_id, msg.sequence_number)
    return header + _encode_avps(msg.avps)


def _decode_avps(data: bytes, start: int) -> tuple[list[Avp], list[int]]:
    """The AVPs in ``data[start:]`` and, for each, the offset of its Value."""
    avps: list[Avp] = []
    value_offsets: list[int] = []
    offset = start
    end = len(data)
    while offset < end:
        if end - offset < AVP_HEADER_LENGTH:
            raise DecodeError(f"truncated AVP header at offset {offset}")
        code, flags, length, _reserved = _AVP_HEADER.unpack_from(data, offset)
        offset += AVP_HEADER_LENGTH
        vendor_id = None
        if flags & AVP_FLAG_VENDOR:
            if end - offset < VENDOR_ID_LENGTH:
                raise DecodeError(f"AVP {code} has the V flag but no room for a Vendor-Id")
            vendor_id = _UINT32.unpack_from(data, offset)[0]
            offset += VENDOR_ID_LENGTH
        if end - offset < length:
            raise DecodeError(f"AVP {code} Length {length} overruns the message by {length - (end - offset)}")
        value = bytes(data[offset : offset + length])
        value_offsets.append(offset)
        offset += length
        pad = _padding(length)
        if end - offset < pad:
            raise DecodeError(f"AVP {code} is not padded to a 4-octet boundary")
        if any(data[offset : offset + pad]):
            raise DecodeError(f"AVP {code} has non-zero padding")
        offset += pad
        avps.append(Avp(code=code, value=value, vendor_id=vendor_id))
    return avps, value_offsets


def _decode_with_offsets(data: bytes) -> tuple[PanaMessage, list[int]]:
    if len(data) < HEADER_LENGTH:
        raise DecodeError(f"PANA message of {len(data)} bytes is shorter than the 16-byte header")
    _reserved, length, flags, message_type, session_id, sequence_number = _HEADER.unpack_from(data)
    if length != len(data):
        raise DecodeError(f"Message Length {length} but {len(data)} bytes received")
    kind = _message_type(message_type)
    if kind is None:
        raise DecodeError(f"unknown PANA message type {message_type}")
    avps, offsets = _decode_avps(data, HEADER_LENGTH)
    msg = PanaMessage(
        message_type=kind,
        flags=_flags(flags),
        session_id=session_id,
        sequence_number=sequence_number,
        avps=tuple(avps),
    )
    return msg, offsets


def decode(data: bytes) -> PanaMessage:
    """Parse one PANA message; reserved fields and reserved flag bits are ignored.

    Raises:
        DecodeError: shorter than the header, a Message Length that is not the datagram's
            length, an unknown Message Type, a truncated AVP, an AVP Length that overruns
            the message, missing or non-zero padding.
    """
    return _decode_with_offsets(bytes(data))[0]


def decode_avps(data: bytes) -> tuple[Avp, ...]:
    """Parse a run of AVPs (the plaintext of an Encryption-Encap AVP).

    Raises:
        DecodeError: as for ``decode``.
    """
    return tuple(_decode_avps(bytes(data), 0)[0])


def encode_avps(avps: Iterable[Avp]) -> bytes:
    """A run of AVPs, each padded, as they sit in a message body."""
    return _encode_avps(avps)


def group_key_avp(key_index: int, key: bytes) -> Avp:
    """The bench's GROUP_KEY AVP: key index (1 octet) + 16-octet HAN group key."""
    if not 0 <= key_index <= 0xFF:
        raise BenchUsageError(f"key index {key_index} does not fit one octet")
    if len(key) != GROUP_KEY_LENGTH:
        raise BenchUsageError(f"a group key has {GROUP_KEY_LENGTH} octets, not {len(key)}")
    return Avp(code=BenchAvpCode.GROUP_KEY, value=bytes((key_index,)) + key, vendor_id=BENCH_VENDOR_ID)


def parse_group_key(avp: Avp) -> tuple[int, bytes]:
    """``(key_index, key)`` from a GROUP_KEY AVP.

    Raises:
        DecodeError: another AVP, or a value that is not 17 octets.
    """
    if avp.code != BenchAvpCode.GROUP_KEY or avp.vendor_id != BENCH_VENDOR_ID:
        raise DecodeError(f"AVP {avp.code} (vendor {avp.vendor_id}) is not the GROUP_KEY AVP")
    if len(avp.value) != 1 + GROUP_KEY_LENGTH:
        raise DecodeError(f"GROUP_KEY value of {len(avp.value)} octets, expected 17")
    return avp.value[0], avp.value[1:]
