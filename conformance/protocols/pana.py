"""PANA message codec and key derivations (RFC 5191, RFC 6786).

Wire format (RFC 5191 section 6.2), all fields big-endian::

    Reserved(2) Message-Length(2) Flags(2) Message-Type(2) Session-Identifier(4) Sequence-Number(4)

followed by AVPs (section 6.3)::

    AVP-Code(2) AVP-Flags(2) AVP-Length(2) Reserved(2) [Vendor-Id(4), when the V flag is set] Value

AVP-Length counts the Value only: the header, the Vendor-Id and the padding are not
included. Each AVP is padded with zero octets to a 4-octet boundary; Message-Length
counts the whole message, header and padding included. PANA AVPs have a single flag,
V (vendor-specific); unlike Diameter there is no M (mandatory) flag, so ``Avp`` has none.

Keys (RFC 5191 section 5.3) are derived with the IKEv2 prf+ (RFC 7296 section 2.13):
``PANA_AUTH_KEY = prf+(MSK, "IETF PANA" | I_PAR | I_PAN | PaC_nonce | PAA_nonce | Key_ID)``.
The AUTH AVP is the integrity algorithm's MAC over the whole message with the AUTH
value set to zeros.

RFC 6786 AVP encryption, as this module models it (the RFC's text could not be
consulted when this was written; the choices below are collected here so that a
reviewer with the RFC at hand can check them in one place):

* two keys, one per sending direction, derived like PANA_AUTH_KEY with their own label:
  ``PANA_PAC_ENCR_KEY = prf+(MSK, "IETF PANA PaC Encryption Key" | I_PAR | I_PAN |
  PaC_nonce | PAA_nonce | Key_ID)`` and the same with ``"IETF PANA PAA Encryption Key"``
  for what the PAA sends; 16 octets for AES128_CTR (Encryption-Algorithm value 1);
* the Value of the Encryption-Encap AVP is the AES-CTR encryption of the encoded inner
  AVPs (with their padding); nothing else is carried in it;
* the counter blocks are formatted as in NIST SP 800-38C appendix A.3 with a 12-octet
  nonce and q = 3: ``Flags(1) = q - 1 = 0x02 | Key-Id(4) | Session-Identifier(4) |
  Sequence-Number(4) | i(3)``, i counting from 1. The header fields are those of the
  message that carries the AVP, so a nonce never repeats under one key: each direction
  has its own key and its own sequence numbers.

The HAN group key travels inside the Encryption-Encap AVP in a vendor-specific
``GROUP_KEY`` AVP. The Wi-SUN HAN (TTC JJ-300.10) key-delivery AVP is not public, so
this is the bench's model, in the style of the ZigBee IP PANA key-delivery AVP:
vendor id 32473 (the enterprise number RFC 5612 reserves for documentation), code 1,
value = key index (1 octet) + 128-bit key.
"""

from __future__ import annotations

import hmac as _stdlib_hmac
import struct
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import IntEnum, IntFlag, StrEnum

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError

UDP_PORT = 716  # RFC 5191 section 10 (IANA)
PANA_PORT = UDP_PORT  # the name the rest of the bench imports it by

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
        try:
            object.__setattr__(self, "message_type", MessageType(self.message_type))
        except ValueError:
            raise BenchUsageError(f"unknown PANA message type {self.message_type!r}") from None
        if not 0 <= int(self.flags) <= 0xFFFF:
            raise BenchUsageError(f"flags {self.flags!r} do not fit 16 bits")
        object.__setattr__(self, "flags", Flag(self.flags))
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
        return bool(self.flags & Flag.REQUEST)

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
    try:
        kind = MessageType(message_type)
    except ValueError:
        raise DecodeError(f"unknown PANA message type {message_type}") from None
    avps, offsets = _decode_avps(data, HEADER_LENGTH)
    msg = PanaMessage(
        message_type=kind,
        flags=Flag(flags),
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


# --- prf+ and PANA_AUTH_KEY (RFC 5191 section 5.3, RFC 7296 section 2.13) ------------

_PRF_HASHES: dict[PrfAlgorithm, type[hashes.HashAlgorithm]] = {
    PrfAlgorithm.PRF_HMAC_SHA1: hashes.SHA1,
    PrfAlgorithm.PRF_HMAC_SHA2_256: hashes.SHA256,
}

# Integrity algorithm -> (hash, key length, MAC length). Key lengths as IKEv2 uses them
# (RFC 2404 / RFC 4868): the key is as long as the hash output.
_INTEGRITY: dict[IntegrityAlgorithm, tuple[type[hashes.HashAlgorithm], int, int]] = {
    IntegrityAlgorithm.AUTH_HMAC_SHA1_96: (hashes.SHA1, 20, 12),
    IntegrityAlgorithm.AUTH_HMAC_SHA1_160: (hashes.SHA1, 20, 20),
    IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128: (hashes.SHA256, 32, 16),
}

_ENCRYPTION_KEY_LENGTHS = {EncryptionAlgorithm.AES128_CTR: 16}

PANA_AUTH_KEY_LABEL = b"IETF PANA"
ENCR_KEY_LABELS = {
    Role.PAC: b"IETF PANA PaC Encryption Key",
    Role.PAA: b"IETF PANA PAA Encryption Key",
}


def _prf_hash(algorithm: int) -> type[hashes.HashAlgorithm]:
    try:
        return _PRF_HASHES[PrfAlgorithm(algorithm)]
    except ValueError:
        raise BenchUsageError(f"unsupported PRF algorithm {algorithm}") from None


def _integrity(algorithm: int) -> tuple[type[hashes.HashAlgorithm], int, int]:
    try:
        return _INTEGRITY[IntegrityAlgorithm(algorithm)]
    except ValueError:
        raise BenchUsageError(f"unsupported integrity algorithm {algorithm}") from None


def _hmac_digest(hash_type: type[hashes.HashAlgorithm], key: bytes, data: bytes) -> bytes:
    mac = _hmac.HMAC(key, hash_type())
    mac.update(data)
    return mac.finalize()


def prf(key: bytes, data: bytes, *, algorithm: int = PrfAlgorithm.PRF_HMAC_SHA2_256) -> bytes:
    """The negotiated PRF: HMAC with the algorithm's hash."""
    return _hmac_digest(_prf_hash(algorithm), key, data)


def prf_plus(
    key: bytes, seed: bytes, length: int, *, algorithm: int = PrfAlgorithm.PRF_HMAC_SHA2_256
) -> bytes:
    """RFC 7296 section 2.13: T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), n <= 255."""
    hash_type = _prf_hash(algorithm)
    if not 0 <= length <= 255 * hash_type.digest_size:
        raise BenchUsageError(f"prf+ cannot produce {length} bytes")
    out = bytearray()
    block = b""
    counter = 1
    while len(out) < length:
        block = _hmac_digest(hash_type, key, block + seed + bytes((counter,)))
        out += block
        counter += 1
    return bytes(out[:length])


def auth_key_length(integrity_algorithm: int) -> int:
    """Octets of PANA_AUTH_KEY for this integrity algorithm."""
    return _integrity(integrity_algorithm)[1]


def auth_value_length(integrity_algorithm: int) -> int:
    """Octets of the AUTH AVP value for this integrity algorithm."""
    return _integrity(integrity_algorithm)[2]


def _check_key_id(key_id: bytes) -> None:
    if len(key_id) != 4:
        raise BenchUsageError(f"a Key-Id has 4 octets, not {len(key_id)}")


def derive_auth_key(
    msk: bytes,
    i_par: bytes,
    i_pan: bytes,
    pac_nonce: bytes,
    paa_nonce: bytes,
    key_id: bytes,
    *,
    prf_algorithm: int = PrfAlgorithm.PRF_HMAC_SHA2_256,
    integrity_algorithm: int = IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,
) -> bytes:
    """PANA_AUTH_KEY (RFC 5191 section 5.3).

    Args:
        msk: the EAP MSK.
        i_par: the initial PAR (the one with the S flag) exactly as sent.
        i_pan: the initial PAN exactly as sent.
        pac_nonce: the PaC's Nonce AVP value of this (re-)authentication.
        paa_nonce: the PAA's Nonce AVP value of this (re-)authentication.
        key_id: the Key-Id AVP value, four octets.
        prf_algorithm: the negotiated PRF-Algorithm.
        integrity_algorithm: the negotiated Integrity-Algorithm; it fixes the key length.
    """
    _check_key_id(key_id)
    seed = PANA_AUTH_KEY_LABEL + i_par + i_pan + pac_nonce + paa_nonce + key_id
    return prf_plus(msk, seed, auth_key_length(integrity_algorithm), algorithm=prf_algorithm)


def compute_auth(
    auth_key: bytes,
    message: bytes,
    *,
    integrity_algorithm: int = IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,
) -> bytes:
    """The AUTH value over ``message``, whose AUTH value octets are zero (RFC 5191 section 5.3)."""
    hash_type, _key_length, mac_length = _integrity(integrity_algorithm)
    return _hmac_digest(hash_type, auth_key, message)[:mac_length]


def sign(
    msg: PanaMessage,
    auth_key: bytes,
    *,
    integrity_algorithm: int = IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,
) -> bytes:
    """Encode ``msg`` with an AUTH AVP appended last (any AUTH AVP in it is replaced)."""
    mac_length = auth_value_length(integrity_algorithm)
    avps = tuple(a for a in msg.avps if not (a.code == AvpCode.AUTH and a.vendor_id is None))
    unsigned = replace(msg, avps=(*avps, Avp(code=AvpCode.AUTH, value=bytes(mac_length))))
    data = bytearray(encode(unsigned))
    value_end = len(data) - _padding(mac_length)
    data[value_end - mac_length : value_end] = compute_auth(
        auth_key, bytes(data), integrity_algorithm=integrity_algorithm
    )
    return bytes(data)


def verify(
    data: bytes,
    auth_key: bytes,
    *,
    integrity_algorithm: int = IntegrityAlgorithm.AUTH_HMAC_SHA2_256_128,
) -> PanaMessage:
    """Decode ``data`` and check its AUTH AVP (compared in constant time).

    Raises:
        DecodeError: the bytes are not a PANA message.
        IntegrityError: no AUTH AVP, more than one, one of the wrong length, or one
            whose value does not verify.
    """
    data = bytes(data)
    msg, offsets = _decode_with_offsets(data)
    found = [
        (avp, offset)
        for avp, offset in zip(msg.avps, offsets, strict=True)
        if avp.code == AvpCode.AUTH and avp.vendor_id is None
    ]
    if len(found) != 1:
        raise IntegrityError(f"{message_name(msg)} carries {len(found)} AUTH AVPs, expected one")
    avp, offset = found[0]
    mac_length = auth_value_length(integrity_algorithm)
    if len(avp.value) != mac_length:
        raise IntegrityError(f"AUTH value of {len(avp.value)} octets, expected {mac_length}")
    zeroed = data[:offset] + bytes(mac_length) + data[offset + mac_length :]
    expected = compute_auth(auth_key, zeroed, integrity_algorithm=integrity_algorithm)
    if not _stdlib_hmac.compare_digest(expected, avp.value):
        raise IntegrityError(f"AUTH of {message_name(msg)} does not verify")
    return msg


# --- RFC 6786 Encryption-Encap (see the module docstring for the modelled choices) --


def derive_encr_key(
    msk: bytes,
    i_par: bytes,
    i_pan: bytes,
    pac_nonce: bytes,
    paa_nonce: bytes,
    key_id: bytes,
    *,
    sender: Role,
    prf_algorithm: int = PrfAlgorithm.PRF_HMAC_SHA2_256,
    encryption_algorithm: int = EncryptionAlgorithm.AES128_CTR,
) -> bytes:
    """The key that encrypts the AVPs ``sender`` sends (PANA_PAC/PAA_ENCR_KEY, RFC 6786).

    The inputs are those of ``derive_auth_key``; only the label differs.
    """
    _check_key_id(key_id)
    try:
        length = _ENCRYPTION_KEY_LENGTHS[EncryptionAlgorithm(encryption_algorithm)]
    except ValueError:
        raise BenchUsageError(f"unsupported encryption algorithm {encryption_algorithm}") from None
    seed = ENCR_KEY_LABELS[Role(sender)] + i_par + i_pan + pac_nonce + paa_nonce + key_id
    return prf_plus(msk, seed, length, algorithm=prf_algorithm)


_CTR_Q = 3  # octets of block counter (NIST SP 800-38C appendix A.3)


def initial_counter_block(key_id: bytes, session_id: int, sequence_number: int) -> bytes:
    """Ctr_1 = [q-1] | Key-Id | Session-Identifier | Sequence-Number | [1]_3."""
    _check_key_id(key_id)
    return (
        bytes((_CTR_Q - 1,))
        + key_id
        + _UINT32.pack(session_id)
        + _UINT32.pack(sequence_number)
        + (1).to_bytes(_CTR_Q, "big")
    )


def _aes_ctr(key: bytes, counter_block: bytes, data: bytes) -> bytes:
    if len(key) != 16:
        raise BenchUsageError(f"an AES128_CTR key has 16 octets, not {len(key)}")
    if len(data) > 16 * ((1 << (8 * _CTR_Q)) - 1):
        raise BenchUsageError("Encryption-Encap plaintext exceeds the 3-octet block counter")
    transform = Cipher(algorithms.AES(key), modes.CTR(counter_block)).encryptor()
    return transform.update(data) + transform.finalize()


def encryption_encap(
    avps: Iterable[Avp],
    encr_key: bytes,
    *,
    key_id: bytes,
    session_id: int,
    sequence_number: int,
) -> Avp:
    """An Encryption-Encap AVP carrying ``avps`` encrypted with AES128_CTR.

    Args:
        avps: the AVPs to hide.
        encr_key: the sender's PANA_*_ENCR_KEY.
        key_id: the Key-Id (4 octets) of the PANA SA that key belongs to.
        session_id: the Session Identifier of the message that will carry the AVP.
        sequence_number: the Sequence Number of that message.
    """
    plaintext = encode_avps(avps)
    block = initial_counter_block(key_id, session_id, sequence_number)
    return Avp(code=AvpCode.ENCRYPTION_ENCAP, value=_aes_ctr(encr_key, block, plaintext))


def open_encryption_encap(
    avp: Avp,
    encr_key: bytes,
    *,
    key_id: bytes,
    session_id: int,
    sequence_number: int,
) -> tuple[Avp, ...]:
    """The AVPs inside an Encryption-Encap AVP (arguments as for ``encryption_encap``).

    CTR mode has no integrity of its own: the AUTH AVP of the carrying message is what
    protects the ciphertext, so verify the message first.

    Raises:
        DecodeError: not an Encryption-Encap AVP, or the plaintext is not a run of AVPs
            (for instance because the key or the header fields are wrong).
    """
    if avp.code != AvpCode.ENCRYPTION_ENCAP or avp.vendor_id is not None:
        raise DecodeError(f"AVP {avp.code} is not an Encryption-Encap AVP")
    block = initial_counter_block(key_id, session_id, sequence_number)
    return decode_avps(_aes_ctr(encr_key, block, avp.value))


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
