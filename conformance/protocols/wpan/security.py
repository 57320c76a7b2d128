"""802.15.4-2015 frame security (9.3): CCM* over a frame, given the Auxiliary Security Header.

:func:`secure` and :func:`unsecure` are exact inverses for secured frames. Secured frames
follow the 2015 split of the MAC payload: Payload IEs and, for frame version 2, the
Command ID are private (encrypted at levels 4-7); the MHR with the Auxiliary Security
Header and the Header IEs is the AAD, authenticated in the clear (9.3.4). The CCM* nonce
is the source extended address, the frame counter and the security level (9.3.2); the
MIC length is the level's (Table 9-6), and level 4 (no MIC) is plain CTR (Annex B).
The usual secured data frame of the twins takes ``fast_path`` first.
"""

from __future__ import annotations

import functools
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from conformance.protocols.errors import BenchUsageError, DecodeError, IntegrityError
from conformance.protocols.wpan.codec import _finish, _header, _open_and_private, _parse
from conformance.protocols.wpan.fast_path import _decode_common, _secure_common
from conformance.protocols.wpan.frame import AuxSecurityHeader, Frame, FrameType, compute_fcs


def _nonce(src_addr: bytes, security: AuxSecurityHeader) -> bytes:
    # CCM* nonce (9.3.2): source extended address, frame counter, security level, all
    # big-endian, i.e. the extended address in its natural printed order.
    return src_addr + struct.pack(">IB", security.frame_counter, security.security_level)


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes) or len(key) != 16:
        raise BenchUsageError("802.15.4 security uses a 16-octet AES-128 key")


@functools.lru_cache(maxsize=16)
def _ccm(key: bytes, tag_length: int) -> AESCCM:
    """One AESCCM per key and MIC length: a twin secures every frame with the same key.

    Bounded, and never printed: the cache holds keys, which are secrets.
    """
    return AESCCM(key, tag_length=tag_length)


def _ctr_keystream_xor(key: bytes, nonce: bytes, data: bytes) -> bytes:
    # CCM* with M = 0 (security level 4, Annex B): plain CTR encryption with the
    # counter blocks A_i = flags(L-1 = 1) || nonce || i, starting at i = 1.
    counter_block = b"\x01" + nonce + b"\x00\x01"
    encryptor = Cipher(algorithms.AES(key), modes.CTR(counter_block)).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def secure(frame: Frame, key: bytes) -> bytes:
    """The MPDU of ``frame`` protected with CCM* as 802.15.4-2015 9.3.4 describes, FCS included.

    The AAD is the MHR with the Auxiliary Security Header and the Header IEs (and, before
    2015, the Command ID); the private payload is encrypted when the level has ENC.
    """
    _check_key(key)
    octets = _secure_common(frame, key)  # the twins' usual frame: see _secure_common
    return _secure_general(frame, key) if octets is None else octets


def _secure_general(frame: Frame, key: bytes) -> bytes:
    """secure() for every frame; _secure_common has a fast path for the usual one."""
    _check_key(key)
    security = frame.security
    if security is None:
        raise BenchUsageError("secure() needs frame.security (the Auxiliary Security Header)")
    if not isinstance(frame.src_addr, bytes):
        raise BenchUsageError("the CCM* nonce needs an extended source address (9.3.2)")
    if frame.frame_type is FrameType.MAC_COMMAND and frame.command_id is None:
        raise BenchUsageError("a MAC command frame needs a command_id")
    open_part, private = _open_and_private(frame)
    aad = _header(frame) + open_part
    nonce = _nonce(frame.src_addr, security)
    mic = security.mic_length
    if not security.encrypted:
        protected = private + _ccm(key, mic).encrypt(nonce, b"", aad + private)
    elif mic == 0:
        protected = _ctr_keystream_xor(key, nonce, private)
    else:
        protected = _ccm(key, mic).encrypt(nonce, private, aad)
    mpdu = aad + protected
    return mpdu + compute_fcs(mpdu)


def unsecure(data: bytes, key: bytes) -> Frame:
    """Verify and decrypt a secured MPDU; the result keeps ``security`` for counter checks.

    A frame without security raises IntegrityError: a caller that asks for unsecure()
    expects protection, and a plaintext frame where protection is required is a finding
    about the peer, not a parse failure. Use :func:`decode` to inspect any frame.
    """
    _check_key(key)
    frame = _decode_common(data, key) if type(data) is bytes else None  # see _decode_common
    return _unsecure_general(data, key) if frame is None else frame


def _unsecure_general(data: bytes, key: bytes) -> Frame:
    """unsecure() for every frame; _decode_common has a fast path for the usual one."""
    _check_key(key)
    parsed = _parse(data)
    security, src_addr = parsed.security, parsed.src_addr
    if security is None:
        raise IntegrityError("frame is not secured")
    if not isinstance(src_addr, bytes):
        raise DecodeError("a secured frame without an extended source address: no nonce (9.3.2)")
    aad, protected = parsed.body[: parsed.private_offset], parsed.body[parsed.private_offset :]
    mic = security.mic_length
    if len(protected) < mic:
        raise DecodeError(f"the payload is shorter than the {mic}-octet MIC")
    nonce = _nonce(src_addr, security)
    try:
        if not security.encrypted:
            private = protected[: len(protected) - mic]
            _ccm(key, mic).decrypt(nonce, protected[len(private) :], aad + private)
        elif mic == 0:
            private = _ctr_keystream_xor(key, nonce, protected)
        else:
            private = _ccm(key, mic).decrypt(nonce, protected, aad)
    except InvalidTag:
        raise IntegrityError("MIC does not verify (wrong key, or the frame was altered)") from None
    return _finish(parsed, private)
