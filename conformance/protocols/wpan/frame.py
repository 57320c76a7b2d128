"""The IEEE 802.15.4-2015 MPDU as data: Frame, its Auxiliary Security Header and its IEs.

A :class:`Frame` is the MPDU as the standard draws it (7.2): Frame Control, Sequence
Number, addressing fields, Auxiliary Security Header (9.4), Header IEs (7.4.2), then the
MAC payload (Payload IEs of 7.4.3, the Command ID of a MAC command frame, the payload
proper) and the FCS. Every field is checked when a frame is built, and the PAN ID
Compression bit is derived from which PAN IDs are present (Table 7-2 for frame version
2, the 2006 rule of 7.2.1.5 for versions 0 and 1), so a Frame is always one the codec can
put on the air. The FCS (7.2.10) and the decoding cursor live here too, since every other
part of the codec uses them.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum

from fastcrc import crc16

from conformance.protocols.errors import BenchUsageError, DecodeError

BROADCAST_PAN = 0xFFFF
BROADCAST_SHORT = 0xFFFF

# Enhanced Beacon Request command (802.15.4-2015 Table 7-49).
CMD_ENHANCED_BEACON_REQUEST = 0x07

# Termination IEs (7.4.1; element IDs of 7.4.2, group ID of 7.4.3): the codec's business.
_HT1 = 0x7E  # Header Termination 1: Payload IEs follow
_HT2 = 0x7F  # Header Termination 2: the MAC payload follows, no Payload IEs
_PT = 0xF  # Payload Termination group: the MAC payload follows the Payload IEs

_MODE_NONE, _MODE_SHORT, _MODE_EXT = 0, 2, 3

# Table 7-2 (frame version 2): (dst address kind, src address kind, dst PAN present,
# src PAN present) -> PAN ID Compression. Combinations not in the table are not allowed.
_TABLE_7_2: dict[tuple[str, str, bool, bool], int] = {
    ("none", "none", False, False): 0,
    ("none", "none", True, False): 1,
    ("short", "none", True, False): 0,
    ("ext", "none", True, False): 0,
    ("short", "none", False, False): 1,
    ("ext", "none", False, False): 1,
    ("none", "short", False, True): 0,
    ("none", "ext", False, True): 0,
    ("none", "short", False, False): 1,
    ("none", "ext", False, False): 1,
    ("ext", "ext", True, False): 0,
    ("ext", "ext", False, False): 1,
    ("short", "short", True, True): 0,
    ("short", "ext", True, True): 0,
    ("ext", "short", True, True): 0,
    ("short", "ext", True, False): 1,
    ("ext", "short", True, False): 1,
    ("short", "short", True, False): 1,
}
_TABLE_7_2_REVERSE = {
    (dst, src, comp): (dst_pan, src_pan) for (dst, src, dst_pan, src_pan), comp in _TABLE_7_2.items()
}
_MODE_KIND = {_MODE_NONE: "none", _MODE_SHORT: "short", _MODE_EXT: "ext"}

# MIC length in octets per security level (Table 9-6); levels 4-7 also encrypt.
_MIC_LENGTH = {1: 4, 2: 8, 3: 16, 4: 0, 5: 4, 6: 8, 7: 16}
_KEY_SOURCE_LENGTH = {0: 0, 1: 0, 2: 4, 3: 8}  # Key Source length per key identifier mode (9.4)


class FrameType(IntEnum):
    """Frame Type subfield (Table 7-1); multipurpose, fragment and extended are not modelled."""

    BEACON = 0
    DATA = 1
    ACK = 2
    MAC_COMMAND = 3


def _as_bytes(value: object, what: str) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise BenchUsageError(f"{what} must be bytes, not {type(value).__name__}")


def _check_int(value: object, what: str, low: int, high: int) -> None:
    if type(value) is int and low <= value <= high:  # the usual case, answered first
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BenchUsageError(f"{what} must be an integer in {low}..{high}, got {value!r}")


def _check_addr(value: object, what: str) -> int | bytes | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value)
        if len(value) != 8:
            raise BenchUsageError(f"{what}: an extended address has 8 octets, got {len(value)}")
        return value
    _check_int(value, f"{what} (short address)", 0, 0xFFFF)
    return value


def _mode(addr: int | bytes | None) -> int:
    if addr is None:
        return _MODE_NONE
    return _MODE_EXT if isinstance(addr, bytes) else _MODE_SHORT


@dataclass(frozen=True, slots=True, kw_only=True)
class AuxSecurityHeader:
    """Auxiliary Security Header (9.4): level, key identifier mode, frame counter, key id.

    ``key_index`` is required for key identifier modes 1-3 (1..255, 9.4) and must be
    None for mode 0 (implicit key). ``key_source`` has 4 octets in mode 2 and 8 in mode 3.
    Frame counter suppression and the ASN in the nonce (TSCH) are not modelled.
    """

    security_level: int = 5
    key_id_mode: int = 1
    frame_counter: int
    key_index: int | None
    key_source: bytes = b""

    def __post_init__(self) -> None:
        _check_int(self.security_level, "security_level", 1, 7)
        _check_int(self.key_id_mode, "key_id_mode", 0, 3)
        _check_int(self.frame_counter, "frame_counter", 0, 0xFFFFFFFF)
        if type(self.key_source) is not bytes:  # see Frame.__post_init__
            object.__setattr__(self, "key_source", _as_bytes(self.key_source, "key_source"))
        if len(self.key_source) != _KEY_SOURCE_LENGTH[self.key_id_mode]:
            raise BenchUsageError(
                f"key identifier mode {self.key_id_mode} needs a key source of "
                f"{_KEY_SOURCE_LENGTH[self.key_id_mode]} octets"
            )
        if self.key_id_mode == 0:
            if self.key_index is not None:
                raise BenchUsageError("key identifier mode 0 carries no key index")
        else:
            # 9.4 (Key Index): the value 0x00 is not allowed.
            _check_int(self.key_index, "key_index", 1, 255)

    @property
    def mic_length(self) -> int:
        return _MIC_LENGTH[self.security_level]

    @property
    def encrypted(self) -> bool:
        return self.security_level >= 4  # the ENC bit of the level (Table 9-6)

    def to_bytes(self) -> bytes:
        control = self.security_level | self.key_id_mode << 3
        out = struct.pack("<BI", control, self.frame_counter) + self.key_source
        return out if self.key_index is None else out + bytes([self.key_index])


@dataclass(frozen=True, slots=True, kw_only=True)
class HeaderIE:
    """A Header IE (7.4.2); termination IEs 0x7E/0x7F are the codec's business."""

    element_id: int
    content: bytes = b""

    def __post_init__(self) -> None:
        _check_int(self.element_id, "element_id", 0, 0xFF)
        if self.element_id in (_HT1, _HT2):
            raise BenchUsageError("termination IEs are inserted by the codec (7.4.1)")
        object.__setattr__(self, "content", _as_bytes(self.content, "content"))
        if len(self.content) > 0x7F:
            raise BenchUsageError("a Header IE carries at most 127 octets (7.4.2)")


@dataclass(frozen=True, slots=True, kw_only=True)
class PayloadIE:
    """A Payload IE (7.4.3); the Payload Termination group 0xF is the codec's business."""

    group_id: int
    content: bytes = b""

    def __post_init__(self) -> None:
        _check_int(self.group_id, "group_id", 0, 0xE)
        object.__setattr__(self, "content", _as_bytes(self.content, "content"))
        if len(self.content) > 0x7FF:
            raise BenchUsageError("a Payload IE carries at most 2047 octets (7.4.3)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Frame:
    """An IEEE 802.15.4 MPDU without its FCS.

    ``src_pan`` is None when the PAN ID is compressed; the codec derives the PAN ID
    Compression bit. A secured frame straight from :func:`decode` holds the still-encrypted
    private payload including the MIC in ``payload``; for frame version 2 MAC commands the
    Command ID is part of that private payload, so ``command_id`` is None until
    :func:`unsecure` decrypts it.
    """

    frame_type: FrameType
    sequence_number: int | None = 0
    dst_pan: int | None
    dst_addr: int | bytes | None
    src_pan: int | None
    src_addr: int | bytes | None
    frame_pending: bool = False
    ack_request: bool = False
    frame_version: int = 2
    security: AuxSecurityHeader | None = None
    header_ies: tuple[HeaderIE, ...] = ()
    payload_ies: tuple[PayloadIE, ...] = ()
    command_id: int | None = None
    payload: bytes = b""
    _pan_id_compression: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        # A write to a frozen field (object.__setattr__) costs more than the check before it,
        # so values already in their normal form (bytes, bool, tuple) are left as they are.
        if type(self.frame_type) is not FrameType:  # the decoder already hands a FrameType
            try:
                object.__setattr__(self, "frame_type", FrameType(self.frame_type))
            except ValueError as exc:
                raise BenchUsageError(f"unsupported frame type {self.frame_type!r}") from exc
        _check_int(self.frame_version, "frame_version", 0, 2)
        if self.sequence_number is None:
            if self.frame_version < 2:
                raise BenchUsageError("sequence number suppression needs frame version 2")
        else:
            _check_int(self.sequence_number, "sequence_number", 0, 0xFF)
        if self.dst_pan is not None:
            _check_int(self.dst_pan, "dst_pan", 0, 0xFFFF)
        if self.src_pan is not None:
            _check_int(self.src_pan, "src_pan", 0, 0xFFFF)
        dst_addr = _check_addr(self.dst_addr, "dst_addr")
        if dst_addr is not self.dst_addr:
            object.__setattr__(self, "dst_addr", dst_addr)
        src_addr = _check_addr(self.src_addr, "src_addr")
        if src_addr is not self.src_addr:
            object.__setattr__(self, "src_addr", src_addr)
        if type(self.frame_pending) is not bool:
            object.__setattr__(self, "frame_pending", bool(self.frame_pending))
        if type(self.ack_request) is not bool:
            object.__setattr__(self, "ack_request", bool(self.ack_request))
        if self.security is not None:
            if not isinstance(self.security, AuxSecurityHeader):
                raise BenchUsageError("security must be an AuxSecurityHeader")
            if self.frame_version == 0:
                raise BenchUsageError("802.15.4-2003 security (frame version 0) is not modelled")
        if type(self.header_ies) is not tuple:
            object.__setattr__(self, "header_ies", tuple(self.header_ies))
        if type(self.payload_ies) is not tuple:
            object.__setattr__(self, "payload_ies", tuple(self.payload_ies))
        if self.header_ies and not all(isinstance(ie, HeaderIE) for ie in self.header_ies):
            raise BenchUsageError("header_ies must hold HeaderIE objects")
        if self.payload_ies and not all(isinstance(ie, PayloadIE) for ie in self.payload_ies):
            raise BenchUsageError("payload_ies must hold PayloadIE objects")
        if (self.header_ies or self.payload_ies) and self.frame_version < 2:
            raise BenchUsageError("Information Elements need frame version 2 (7.2.1.7, 7.4)")
        self._check_command_id()
        if type(self.payload) is not bytes:
            object.__setattr__(self, "payload", _as_bytes(self.payload, "payload"))
        compression = self._derive_pan_id_compression()
        if compression:  # __init__ set the default, 0
            object.__setattr__(self, "_pan_id_compression", compression)

    def _check_command_id(self) -> None:
        if self.frame_type is not FrameType.MAC_COMMAND:
            if self.command_id is not None:
                raise BenchUsageError("only MAC command frames carry a command_id")
        elif self.command_id is not None:
            _check_int(self.command_id, "command_id", 0, 0xFF)
        elif self.security is None or self.frame_version < 2:
            raise BenchUsageError("a MAC command frame needs a command_id")

    def _derive_pan_id_compression(self) -> int:
        dst_mode, src_mode = _mode(self.dst_addr), _mode(self.src_addr)
        has_dst_pan, has_src_pan = self.dst_pan is not None, self.src_pan is not None
        if self.frame_version == 2:
            key = (_MODE_KIND[dst_mode], _MODE_KIND[src_mode], has_dst_pan, has_src_pan)
            if key not in _TABLE_7_2:
                raise BenchUsageError(
                    f"no row of 802.15.4-2015 Table 7-2 has addresses {key[:2]} with "
                    f"dst PAN {'present' if has_dst_pan else 'absent'} and src PAN "
                    f"{'present' if has_src_pan else 'absent'}"
                )
            return _TABLE_7_2[key]
        # 2006 rule (7.2.1.5): a PAN ID accompanies each address; the source PAN ID is
        # left out (compressed) only when both addresses are present.
        if has_dst_pan != (dst_mode != _MODE_NONE):
            raise BenchUsageError("frame versions 0/1 carry a dst PAN exactly with a dst address")
        if src_mode == _MODE_NONE:
            if has_src_pan:
                raise BenchUsageError("frame versions 0/1 carry no src PAN without a src address")
            return 0
        if has_src_pan:
            return 0
        if dst_mode == _MODE_NONE:
            raise BenchUsageError("the src PAN can only be compressed when a dst address is present")
        return 1


# --------------------------------------------------------------------------- FCS and the decoding cursor

# 7.2.10 shifts each octet into the CRC register LSB first, from a register of zero: the
# catalogue's CRC-16/KERMIT (reflected x^16 + x^12 + x^5 + 1, init 0, no final XOR). The
# standard library has only the MSB-first variant (binascii.crc_hqx, CRC-16/XMODEM), which
# gives KERMIT only with every octet bit-reversed before and the register after: two
# translate() passes and a pack, 0.5 us of a 3 us secured frame. fastcrc binds the
# table-driven CRCs of the Rust crate crc (crc-rs) and has KERMIT itself, 3-4 times faster
# on an MPDU; tests/protocols/wpan/test_codec.py checks it against the shift register of
# 7.2.10 written out bit by bit.
_fcs_register = crc16.kermit  # the register after shifting in some octets


def compute_fcs(mpdu_without_fcs: bytes) -> bytes:
    """The 16-bit ITU-T CRC of 7.2.10 (x^16 + x^12 + x^5 + 1, LSB first), little-endian."""
    data = mpdu_without_fcs
    if not isinstance(data, (bytes, bytearray, memoryview)):  # a tuple: checked faster than a union
        data = bytes(iter(data))  # any iterable of octets, as the bitwise loop took
    return _fcs_register(data).to_bytes(2, "little")


class _Reader:
    """A cursor over received octets: running short is a DecodeError naming the field."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, what: str) -> bytes:
        start, end = self.pos, self.pos + n
        if end > len(self.data):
            raise DecodeError(f"frame ends inside the {what}")
        self.pos = end
        return self.data[start:end]

    def u8(self, what: str) -> int:
        pos = self.pos
        if pos >= len(self.data):
            raise DecodeError(f"frame ends inside the {what}")
        self.pos = pos + 1
        return self.data[pos]

    def u16(self, what: str) -> int:
        pos = self.pos
        if pos + 2 > len(self.data):
            raise DecodeError(f"frame ends inside the {what}")
        self.pos = pos + 2
        return self.data[pos] | self.data[pos + 1] << 8

    def addr(self, mode: int, what: str) -> int | bytes:
        if mode == _MODE_SHORT:
            return self.u16(what)
        return self.take(8, what)[::-1]

    def rest(self) -> bytes:
        chunk = self.data[self.pos :]
        self.pos = len(self.data)
        return chunk
