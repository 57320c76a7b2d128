"""Encoding and decoding of 802.15.4 MPDUs (7.2): octets in, Frame out, and back.

:func:`encode` and :func:`decode` are exact inverses for plaintext frames. Things the
caller never handles, because the codec derives them:

* the PAN ID Compression bit, from which PAN IDs are present (Table 7-2 for frame version
  2, the 2006 rule of 7.2.1.5 for versions 0 and 1);
* the Sequence Number Suppression and IE Present bits;
* the termination IEs HT1, HT2 and the Payload Termination IE (7.4.1, ``ies``);
* byte order: extended addresses are given in natural (printed, big-endian) order and go
  on the air little-endian, like every multi-octet field of the MHR (7.2);
* the FCS (7.2.10), which is always the 16-bit ITU-T CRC here: Wi-SUN HAN in Japan uses
  the 2-octet FCS, and the 4-octet FCS of SUN PHYs is not modelled.

Reserved bits are ignored on reception, as 7.2.1 requires, so a frame with reserved bits
set decodes but does not re-encode to the same octets. :func:`decode` of a secured frame
leaves the private payload and MIC as they came; ``security`` opens them. The usual
secured data frame of the twins takes ``fast_path`` first.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.wpan.fast_path import _decode_common
from conformance.protocols.wpan.frame import (
    _KEY_SOURCE_LENGTH,
    _MODE_KIND,
    _TABLE_7_2_REVERSE,
    AuxSecurityHeader,
    Frame,
    FrameType,
    _mode,
    _Reader,
    compute_fcs,
)
from conformance.protocols.wpan.ies import _ie_sections, _parse_header_ies, _parse_payload_ies


def _addr_bytes(addr: int | bytes) -> bytes:
    return addr[::-1] if isinstance(addr, bytes) else addr.to_bytes(2, "little")


def _header(frame: Frame) -> bytes:
    """MHR up to and including the Header IEs and their termination."""
    header_ies, _ = _ie_sections(frame)
    control = (
        frame.frame_type
        | (frame.security is not None) << 3
        | frame.frame_pending << 4
        | frame.ack_request << 5
        | frame._pan_id_compression << 6
        | (frame.sequence_number is None) << 8
        | bool(frame.header_ies or frame.payload_ies) << 9
        | _mode(frame.dst_addr) << 10
        | frame.frame_version << 12
        | _mode(frame.src_addr) << 14
    )
    out = bytearray(struct.pack("<H", control))
    if frame.sequence_number is not None:
        out.append(frame.sequence_number)
    if frame.dst_pan is not None:
        out += struct.pack("<H", frame.dst_pan)
    if frame.dst_addr is not None:
        out += _addr_bytes(frame.dst_addr)
    if frame.src_pan is not None:
        out += struct.pack("<H", frame.src_pan)
    if frame.src_addr is not None:
        out += _addr_bytes(frame.src_addr)
    if frame.security is not None:
        out += frame.security.to_bytes()
    return bytes(out + header_ies)


def _open_and_private(frame: Frame) -> tuple[bytes, bytes]:
    """Split the MAC payload into the open part (in the clear) and the private part.

    For frame version 1 the Command ID of a MAC command is sent in the clear and
    authenticated (802.15.4-2011 Annex C.2.3 shows it); for frame version 2 it belongs to
    the private payload, as do the Payload IEs (9.3.4). Wireshark 4.0 decrypts both that way.
    """
    _, payload_ies = _ie_sections(frame)
    command = b"" if frame.command_id is None else bytes([frame.command_id])
    if frame.frame_version < 2:
        return command, frame.payload
    return b"", payload_ies + command + frame.payload


def encode(frame: Frame) -> bytes:
    """The MPDU of a plaintext frame, FCS included."""
    if frame.security is not None:
        raise BenchUsageError("a frame with security is built with secure(frame, key)")
    open_part, private = _open_and_private(frame)
    mpdu = _header(frame) + open_part + private
    return mpdu + compute_fcs(mpdu)


@dataclass(frozen=True, slots=True)
class _Parsed:
    fields: Mapping[str, object]  # Frame keyword arguments parsed so far (read-only: cached)
    security: AuxSecurityHeader | None
    src_addr: int | bytes | None
    private_offset: int  # where the private payload starts (end of the AAD)
    payload_ies_follow: bool  # an HT1 was seen: Payload IEs start the private payload
    body: bytes  # the MPDU without its FCS


def _parse_aux_security(reader: _Reader) -> AuxSecurityHeader:
    control = reader.u8("security control field")
    level, key_id_mode = control & 7, control >> 3 & 3
    if control & 0x20:
        raise DecodeError("frame counter suppression (9.4) is not supported")
    if control & 0x40:
        raise DecodeError("an ASN in the nonce (TSCH, 9.4) is not supported")
    if level == 0:
        raise DecodeError("the Security Enabled bit is set but the security level is 0")
    counter = int.from_bytes(reader.take(4, "frame counter"), "little")
    key_source = reader.take(_KEY_SOURCE_LENGTH[key_id_mode], "key source")
    key_index = None if key_id_mode == 0 else reader.u8("key index")
    if key_index == 0:
        raise DecodeError("key index 0x00 is not allowed (9.4)")
    return AuxSecurityHeader(
        security_level=level,
        key_id_mode=key_id_mode,
        frame_counter=counter,
        key_index=key_index,
        key_source=key_source,
    )


def _parse(data: bytes) -> _Parsed:
    """Everything up to the private payload; checks the FCS."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BenchUsageError("decode() takes bytes")
    return _parse_octets(bytes(data))


# On the twin's air every radio that hears a frame decodes the same octets, and a receiver
# decodes a secured frame before it unsecures it; so the last few parses (and, below, the
# last few decoded Frames, which are immutable) are kept. Octets that are refused raise
# again each time: exceptions are not cached. What is kept is the frame as it was on the
# air (ciphertext for a secured frame), never a key or a decrypted payload.
@functools.lru_cache(maxsize=64)
def _parse_octets(data: bytes) -> _Parsed:
    if len(data) < 4:
        raise DecodeError(f"{len(data)} octets is shorter than a Frame Control field and FCS")
    body, fcs = data[:-2], data[-2:]
    if compute_fcs(body) != fcs:
        raise DecodeError("bad FCS")
    reader = _Reader(body)
    control = reader.u16("Frame Control field")
    try:
        frame_type = FrameType(control & 7)
    except ValueError:
        raise DecodeError(f"unsupported frame type {control & 7}") from None
    version = control >> 12 & 3
    dst_mode, src_mode = control >> 10 & 3, control >> 14 & 3
    if version == 3:
        raise DecodeError("reserved frame version 3")
    if version == 0 and control & 0x08:
        raise DecodeError("802.15.4-2003 security (frame version 0) is not supported")
    if 1 in (dst_mode, src_mode):
        raise DecodeError("reserved addressing mode 1")
    compression = control >> 6 & 1
    suppressed = version == 2 and bool(control & 0x100)
    ie_present = version == 2 and bool(control & 0x200)
    if version == 2:
        dst_pan_present, src_pan_present = _TABLE_7_2_REVERSE[
            (_MODE_KIND[dst_mode], _MODE_KIND[src_mode], compression)
        ]
    else:
        if compression and not (dst_mode and src_mode):
            raise DecodeError("PAN ID compression without both addresses (2006 rule, 7.2.1.5)")
        dst_pan_present, src_pan_present = bool(dst_mode), bool(src_mode) and not compression
    fields: dict[str, object] = {
        "frame_type": frame_type,
        "frame_version": version,
        "frame_pending": bool(control & 0x10),
        "ack_request": bool(control & 0x20),
        "sequence_number": None if suppressed else reader.u8("sequence number"),
        "dst_pan": reader.u16("destination PAN ID") if dst_pan_present else None,
        "dst_addr": reader.addr(dst_mode, "destination address") if dst_mode else None,
        "src_pan": reader.u16("source PAN ID") if src_pan_present else None,
    }
    src_addr = reader.addr(src_mode, "source address") if src_mode else None
    security = _parse_aux_security(reader) if control & 0x08 else None
    fields.update(src_addr=src_addr, security=security)
    payload_ies_follow = False
    if ie_present:
        header_ies, payload_ies_follow = _parse_header_ies(reader)
        fields["header_ies"] = tuple(header_ies)
    if frame_type is FrameType.MAC_COMMAND and version < 2:
        fields["command_id"] = reader.u8("Command ID")  # open payload before 2015
    return _Parsed(MappingProxyType(fields), security, src_addr, reader.pos, payload_ies_follow, body)


def _finish(parsed: _Parsed, private: bytes) -> Frame:
    """Parse a plaintext private payload into the rest of the frame."""
    fields = dict(parsed.fields)
    reader = _Reader(private)
    if parsed.payload_ies_follow:
        fields["payload_ies"] = tuple(_parse_payload_ies(reader))
    if fields["frame_type"] is FrameType.MAC_COMMAND and "command_id" not in fields:
        fields["command_id"] = reader.u8("Command ID")
    fields["payload"] = reader.rest()
    return _build(fields)


def _build(fields: dict[str, object]) -> Frame:
    # Every field was range-checked while parsing; a refusal here means the octets broke a
    # rule of the standard the parser does not check on its own, so it is the peer's fault.
    try:
        return Frame(**fields)  # type: ignore[arg-type]
    except BenchUsageError as exc:
        raise DecodeError(str(exc)) from exc


def decode(data: bytes) -> Frame:
    """Parse an MPDU (FCS included); a secured frame keeps its private payload encrypted."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise BenchUsageError("decode() takes bytes")
    return _decode_octets(bytes(data))


# See _parse_octets. The decoded Frames are kept for a whole scenario's air, not only for the
# receivers of one transmission: the air log and the monitors decode every frame again at the
# end of a scenario (a receiver decoded it when it arrived), and a scanning terminal sends the
# same beacon requests in every scenario. Bounded: about 0.5 kB a frame, 8 MB in all.
_DECODED_FRAMES = 16_384


@functools.lru_cache(maxsize=_DECODED_FRAMES)
def _decode_octets(data: bytes) -> Frame:
    frame = _decode_common(data)  # the twins' usual frame: see _decode_common
    return _decode_general(data) if frame is None else frame


def _decode_general(data: bytes) -> Frame:
    """decode() for every frame; _decode_common has a fast path for the usual one."""
    parsed = _parse_octets(data)
    private = parsed.body[parsed.private_offset :]
    if parsed.security is None:
        return _finish(parsed, private)
    return _build({**parsed.fields, "payload": private})


def data_frame(
    *,
    sequence_number: int,
    pan_id: int,
    src_addr: bytes,
    dst_addr: int | bytes,
    payload: bytes,
    ack_request: bool = False,
) -> Frame:
    """A version 2 data frame inside one PAN (source PAN ID compressed)."""
    return Frame(
        frame_type=FrameType.DATA,
        sequence_number=sequence_number,
        dst_pan=pan_id,
        dst_addr=dst_addr,
        src_pan=None,
        src_addr=src_addr,
        ack_request=ack_request,
        payload=payload,
    )


def ack(*, sequence_number: int, frame_pending: bool = False) -> Frame:
    """Imm-Ack (7.3.3) in the 2003/2006-compatible form, frame version 0."""
    return Frame(
        frame_type=FrameType.ACK,
        sequence_number=sequence_number,
        dst_pan=None,
        dst_addr=None,
        src_pan=None,
        src_addr=None,
        frame_pending=frame_pending,
        frame_version=0,
    )
