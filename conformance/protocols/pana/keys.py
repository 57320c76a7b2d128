"""PANA keys: prf+, PANA_AUTH_KEY and the AUTH AVP, RFC 6786 AVP encryption.

Keys (RFC 5191 section 5.3) are derived with the IKEv2 prf+ (RFC 7296 section 2.13):
``PANA_AUTH_KEY = prf+(MSK, "IETF PANA" | I_PAR | I_PAN | PaC_nonce | PAA_nonce | Key_ID)``.
The AUTH AVP is the integrity algorithm's MAC over the whole message with the AUTH
value set to zeros (``sign`` and ``verify``).

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
"""

from __future__ import annotations

import hmac as _stdlib_hmac
from collections.abc import Iterable
from dataclasses import replace

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as _hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError
from conformance.protocols.pana.messages import (
    _UINT32,
    Avp,
    AvpCode,
    EncryptionAlgorithm,
    IntegrityAlgorithm,
    PanaMessage,
    PrfAlgorithm,
    Role,
    _decode_with_offsets,
    _padding,
    decode_avps,
    encode,
    encode_avps,
    message_name,
)

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
