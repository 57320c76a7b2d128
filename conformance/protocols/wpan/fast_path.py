"""The fast path for the common secured frame: secure() and decode()/unsecure() at fixed offsets.

Nearly every frame on the twins' air after the join has one shape, the one link.py gives
every unicast datagram: a frame version 2 data frame between two extended addresses of
one PAN (destination PAN ID only, so PAN ID Compression 0: Table 7-2), a sequence number,
no IEs, security level 5 (ENC-MIC-32) with key identifier mode 1. Through the general
codec alone such a frame took about 6 us to secure and 25 us to unsecure, five and
eighteen times the AES-CCM itself (benchmarks/secured_frames.py), spent in dataclass
validation, IE bookkeeping and re-encoding the header. The two routines below handle
exactly that shape at fixed offsets and build the result without re-checking what the
octets already pin down. Any other frame, and every malformed one, goes to the general
codec, so errors always come from the general codec; tests/protocols/wpan/test_fast_path.py
checks that both paths give the same frames, octets and errors.

Decoding also takes two plaintext shapes at fixed offsets, the ones the twins' air carries
most after that one: the same data frame without security (PANA before the keys exist, and
every plaintext frame of a flood), and the Imm-Ack of frame version 0 (7.3.3), five octets
after every acknowledged frame. Through the general codec each cost about as much as
unsecuring a common frame, although nothing is decrypted.

::

    offset  0 Frame Control     2 Sequence Number    3 destination PAN ID
            5 destination address (extended, little-endian, like every MHR field)
           13 source address (extended, little-endian)
           21 Security Control 22 Frame Counter (little-endian)  26 Key Index
           27 private payload, then the 4-octet MIC and the 2-octet FCS

    plaintext data frame: the same up to the source address, then the payload at 21
    Imm-Ack: 0 Frame Control (frame version 0, no addresses)   2 Sequence Number   3 FCS
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

from conformance.protocols.errors import IntegrityError
from conformance.protocols.wpan.frame import (
    AuxSecurityHeader,
    Frame,
    FrameType,
    _fcs_register,
)

_COMMON_HEADER = struct.Struct("<HBH8s8sBIB")  # the 27 octets of AAD, as secure() writes them
_COMMON_FIELDS = struct.Struct("<HBH16xBIB")  # the same, addresses skipped, as decoding reads them
_COMMON_AAD_LENGTH = _COMMON_HEADER.size
_COMMON_MIC_LENGTH = 4  # level 5 (Table 9-6), the MIC-32 of _ccm_mic_32
# data, Security Enabled, dst extended, frame version 2, src extended; on reception Frame
# Pending and AR may have any value and bit 7 is reserved, ignored (7.2.1).
_COMMON_FRAME_CONTROL, _COMMON_FRAME_CONTROL_MASK = 0xEC09, 0xFF4F
_PLAIN_FRAME_CONTROL = _COMMON_FRAME_CONTROL & ~0x08  # the same without Security Enabled
_PLAIN_HEADER_LENGTH = 21  # Frame Control, Sequence Number, PAN ID, two extended addresses
# Imm-Ack, frame version 0, no addresses (7.3.3); Frame Pending and AR may have any value, and
# in frame version 0 bits 7-9 are reserved, ignored (7.2.1). PAN ID Compression must be 0
# without addresses (7.2.1.5), and Security Enabled is not allowed in version 0.
_ACK_FRAME_CONTROL, _ACK_FRAME_CONTROL_MASK = 0x0002, 0xFC4F
_ACK_LENGTH = 5
_ACK = FrameType.ACK
# security level 5, key identifier mode 1, counter not suppressed, no ASN; bit 7 reserved (9.4).
_COMMON_SECURITY_CONTROL, _COMMON_SECURITY_CONTROL_MASK = 0x0D, 0x7F
_NONCE = struct.Struct(">8sIB")  # CCM* nonce (9.3.2): source address, frame counter, level
_DATA = FrameType.DATA  # looking a member up on its enum class costs as much as a frame field


# The fast paths' own AESCCM per key for MIC-32: a dict look-up costs less than half the
# lru_cache call of security._ccm, in a budget of a few microseconds per frame. Bounded like _ccm,
# and never printed: it holds keys.
_CCM_MIC_32: dict[bytes, AESCCM] = {}


def _ccm_mic_32(key: bytes) -> AESCCM:
    ccm = _CCM_MIC_32.get(key)
    if ccm is None:
        if len(_CCM_MIC_32) >= 16:
            _CCM_MIC_32.clear()
        ccm = _CCM_MIC_32[key] = AESCCM(key, tag_length=4)
    return ccm


def _secure_common(frame: Frame, key: bytes) -> bytes | None:
    """secure() of a common-shape frame (``key`` already checked); None for any other frame."""
    security = frame.security
    if not (
        security is not None
        and security.security_level == 5
        and security.key_id_mode == 1  # so the key source is empty and the key index 1..255
        and frame.frame_type is _DATA
        and frame.frame_version == 2
        and frame.sequence_number is not None
        and frame.dst_pan is not None  # with two extended addresses, Table 7-2 then has no src PAN
        and type(frame.dst_addr) is bytes  # Frame holds an extended address as bytes, a short one as int
        and type(frame.src_addr) is bytes
        and not frame.header_ies
        and not frame.payload_ies
    ):
        return None
    src_addr, counter = frame.src_addr, security.frame_counter
    aad = _COMMON_HEADER.pack(
        _COMMON_FRAME_CONTROL | frame.frame_pending << 4 | frame.ack_request << 5,
        frame.sequence_number,
        frame.dst_pan,
        frame.dst_addr[::-1],
        src_addr[::-1],
        _COMMON_SECURITY_CONTROL,
        counter,
        security.key_index,
    )
    ccm = _CCM_MIC_32.get(key) or _ccm_mic_32(key)
    mpdu = aad + ccm.encrypt(_NONCE.pack(src_addr, counter, 5), frame.payload, aad)
    return mpdu + _fcs_register(mpdu).to_bytes(2, "little")  # compute_fcs, one call less


# Both are made by calling the class, which has no __new__ or __init__ of its own: cheaper than
# object.__new__(cls), whose wrapper first checks that it is safe for cls (0.1 us an object).
class _UnfrozenAuxSecurityHeader:
    """AuxSecurityHeader's slots without its frozen __setattr__ (see _decode_common)."""

    __slots__ = AuxSecurityHeader.__slots__


class _UnfrozenFrame:
    """Frame's slots without its frozen __setattr__ (see _decode_common)."""

    __slots__ = Frame.__slots__


def _decode_common(data: bytes, key: bytes | None = None) -> Frame | None:
    """decode() of common-shape octets, or unsecure() given a (checked) key; None for others.

    Frame() and AuxSecurityHeader() validate every field and, being frozen, write each one
    through object.__setattr__: about 6 us together, five times the AES-CCM. Here every value
    comes from octets of the one shape, so nothing is left to check. The two objects are
    filled in as instances of look-alike classes with the same slots, by plain attribute
    writes, and then become the frozen classes by __class__ assignment, which Python allows
    between classes of the same slot layout. Every slot is set, Frame's derived PAN ID
    Compression too (0 for this shape).
    """
    if len(data) < _COMMON_AAD_LENGTH + _COMMON_MIC_LENGTH + 2:
        # unsecure() of a plaintext frame raises in the general codec: only decode() is fast.
        return _decode_ack(data) if key is None and len(data) == _ACK_LENGTH else _decode_plain(data, key)
    control, sequence, dst_pan, security_control, counter, key_index = _COMMON_FIELDS.unpack_from(data)
    if control & _COMMON_FRAME_CONTROL_MASK == _PLAIN_FRAME_CONTROL:
        return _decode_plain(data, key)
    if (
        control & _COMMON_FRAME_CONTROL_MASK != _COMMON_FRAME_CONTROL
        or security_control & _COMMON_SECURITY_CONTROL_MASK != _COMMON_SECURITY_CONTROL
        or not key_index  # 0x00 is not allowed (9.4): the general codec says so
        # 7.2.10: an MPDU followed by its FCS (LSB first) leaves the CRC register at zero;
        # this is compute_fcs(body) == fcs without slicing the body off.
        or _fcs_register(data)
    ):
        return None
    src_addr = data[20:12:-1]
    payload = data[_COMMON_AAD_LENGTH:-2]
    if key is not None:
        ccm = _CCM_MIC_32.get(key) or _ccm_mic_32(key)
        try:
            payload = ccm.decrypt(_NONCE.pack(src_addr, counter, 5), payload, data[:_COMMON_AAD_LENGTH])
        except InvalidTag:
            raise IntegrityError("MIC does not verify (wrong key, or the frame was altered)") from None
    security = _UnfrozenAuxSecurityHeader()
    security.security_level = 5
    security.key_id_mode = 1
    security.frame_counter = counter
    security.key_index = key_index
    security.key_source = b""
    security.__class__ = AuxSecurityHeader
    frame = _UnfrozenFrame()
    frame.frame_type = _DATA
    frame.sequence_number = sequence
    frame.dst_pan = dst_pan
    frame.dst_addr = data[12:4:-1]
    frame.src_pan = None
    frame.src_addr = src_addr
    frame.frame_pending = control & 0x10 != 0
    frame.ack_request = control & 0x20 != 0
    frame.frame_version = 2
    frame.security = security
    frame.header_ies = ()
    frame.payload_ies = ()
    frame.command_id = None
    frame.payload = payload
    frame._pan_id_compression = 0
    frame.__class__ = Frame
    return frame  # type: ignore[return-value]


def _decode_plain(data: bytes, key: bytes | None) -> Frame | None:
    """decode() of the common data frame without security; None for anything else (see
    _decode_common, which builds its Frame the same way)."""
    if (
        key is not None
        or len(data) < _PLAIN_HEADER_LENGTH + 2
        or (data[0] | data[1] << 8) & _COMMON_FRAME_CONTROL_MASK != _PLAIN_FRAME_CONTROL
        or _fcs_register(data)  # the FCS: see _decode_common
    ):
        return None
    control = data[0]
    frame = _UnfrozenFrame()
    frame.frame_type = _DATA
    frame.sequence_number = data[2]
    frame.dst_pan = data[3] | data[4] << 8
    frame.dst_addr = data[12:4:-1]
    frame.src_pan = None
    frame.src_addr = data[20:12:-1]
    frame.frame_pending = control & 0x10 != 0
    frame.ack_request = control & 0x20 != 0
    frame.frame_version = 2
    frame.security = None
    frame.header_ies = ()
    frame.payload_ies = ()
    frame.command_id = None
    frame.payload = data[_PLAIN_HEADER_LENGTH:-2]
    frame._pan_id_compression = 0
    frame.__class__ = Frame
    return frame  # type: ignore[return-value]


def _decode_ack(data: bytes) -> Frame | None:
    """decode() of a five-octet Imm-Ack of frame version 0; None for anything else."""
    control = data[0] | data[1] << 8
    if control & _ACK_FRAME_CONTROL_MASK != _ACK_FRAME_CONTROL or _fcs_register(data):
        return None
    frame = _UnfrozenFrame()
    frame.frame_type = _ACK
    frame.sequence_number = data[2]
    frame.dst_pan = frame.dst_addr = frame.src_pan = frame.src_addr = None
    frame.frame_pending = control & 0x10 != 0
    frame.ack_request = control & 0x20 != 0
    frame.frame_version = 0
    frame.security = None
    frame.header_ies = ()
    frame.payload_ies = ()
    frame.command_id = None
    frame.payload = b""
    frame._pan_id_compression = 0
    frame.__class__ = Frame
    return frame  # type: ignore[return-value]
