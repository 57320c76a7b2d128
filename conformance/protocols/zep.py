"""ZEP, the ZigBee Encapsulation Protocol: IEEE 802.15.4 frames in UDP datagrams (port 17754).

Theory of operation. Sniffers and radio bridges (Exegin's Q51, TI's packet sniffer, Contiki
and RIOT sniffers, Wireshark's own test tools) hand each frame over UDP with a header that
says on which channel and at what time it was heard. There is no RFC; the format is what
Wireshark's ``zep`` dissector reads (epan/dissectors/packet-zep.c, Exegin Technologies
2009), version 2::

    data (type 1), 32 octets then the frame:
    |Preamble|Version|Type|Channel ID|Device ID|CRC/LQI Mode|LQI Val|NTP Timestamp|Sequence#|Reserved|Length|
    |   2    |   1   | 1  |    1     |    2    |     1      |   1   |      8      |    4    |   10   |  1   |
    ack (type 2), 8 octets:
    |Preamble|Version| Type |Sequence#|

All fields are big-endian; the preamble is ASCII ``EX``; the length's top bit is not part
of it (mask 0x7F), so a frame has at most 127 octets. The CRC/LQI mode says what the last
two octets of the frame are: 1 (CRC mode), the frame's own FCS; 0 (LQI mode), the
ChipCon/TI CC24xx metadata Wireshark's ``wpan_cc24xx`` dissector reads in place of the FCS:
the RSSI in dBm as a signed octet, then CRC OK (bit 7) and the correlation value (bits
0-6). The bench writes LQI mode, so that the RSSI travels with the frame; it reads both.
The timestamp is NTP's 32.32 fixed point from 1900-01-01 (RFC 5905 §6).

This module knows octets only: the UDP socket is the driver's (``rigs/drivers/``).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.wpan import compute_fcs

ZEP_PORT = 17754  # packet-zep.c ZEP_DEFAULT_PORT
PREAMBLE = b"EX"
VERSION = 2
TYPE_DATA = 1
TYPE_ACK = 2
HEADER_LENGTH = 32  # ZEP_V2_HEADER_LEN
ACK_LENGTH = 8  # ZEP_V2_ACK_LEN
MAX_FRAME = 0x7F  # ZEP_LENGTH_MASK
NTP_UNIX_OFFSET_S = 2_208_988_800  # seconds from 1900-01-01 to 1970-01-01 (RFC 5905 §6)
_CRC_OK = 0x80  # CC24xx metadata: the second octet's top bit

_DATA = struct.Struct(">2sBBBHBBQI10sB")


@dataclass(frozen=True, slots=True, kw_only=True)
class ZepFrame:
    """One frame a sniffer heard, or one a bridge is to transmit.

    ``frame`` is the MPDU with its 2-octet FCS, as ``wpan.decode`` takes it, whatever the
    mode on the wire. ``timestamp`` is in seconds since 1970 (UNIX time). ``rssi_dbm`` is
    None where the datagram did not carry it (CRC mode). ``crc_ok`` is False where a
    sniffer in LQI mode says the frame failed its CRC: what it heard is not the frame sent.
    """

    channel: int
    frame: bytes
    timestamp: float = 0.0
    sequence: int = 0
    device_id: int = 0
    lqi: int = 0xFF
    rssi_dbm: float | None = None
    crc_ok: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.channel <= 0xFF:
            raise BenchUsageError(f"ZEP channel must be 0..255, got {self.channel}")
        if not 2 <= len(self.frame) <= MAX_FRAME:
            raise BenchUsageError(f"ZEP carries MPDUs of 2..{MAX_FRAME} octets, got {len(self.frame)}")
        for name, value, top in (
            ("sequence", self.sequence, 0xFFFFFFFF),
            ("device_id", self.device_id, 0xFFFF),
        ):
            if not 0 <= value <= top:
                raise BenchUsageError(f"ZEP {name} must be 0..{top}, got {value}")
        if not 0 <= self.lqi <= 0xFF:
            raise BenchUsageError(f"ZEP LQI must be 0..255, got {self.lqi}")
        if not math.isfinite(self.timestamp) or self.timestamp < -NTP_UNIX_OFFSET_S:
            raise BenchUsageError(f"ZEP timestamp {self.timestamp} is not a time NTP can carry")


@dataclass(frozen=True, slots=True)
class ZepAck:
    """A bridge's acknowledgement of the data packet with ``sequence``."""

    sequence: int


def _ntp(timestamp: float) -> int:
    seconds = timestamp + NTP_UNIX_OFFSET_S
    whole = math.floor(seconds)
    fraction = min(round((seconds - whole) * (1 << 32)), (1 << 32) - 1)
    return ((whole & 0xFFFFFFFF) << 32) | fraction


def _unix(ntp: int) -> float:
    return (ntp >> 32) - NTP_UNIX_OFFSET_S + (ntp & 0xFFFFFFFF) / (1 << 32)


def encode(packet: ZepFrame, *, lqi_mode: bool = True) -> bytes:
    """A ZEP v2 data packet; in LQI mode (the default) the FCS gives way to the RSSI
    (clamped to a signed octet, -128 where unknown) and CRC OK."""
    frame = bytes(packet.frame)
    if lqi_mode:
        rssi = -128 if packet.rssi_dbm is None else max(-128, min(127, round(packet.rssi_dbm)))
        status = (_CRC_OK if packet.crc_ok else 0) | min(packet.lqi, 0x7F)
        frame = frame[:-2] + struct.pack(">bB", rssi, status)
    header = _DATA.pack(
        PREAMBLE,
        VERSION,
        TYPE_DATA,
        packet.channel,
        packet.device_id,
        0 if lqi_mode else 1,
        packet.lqi,
        _ntp(packet.timestamp),
        packet.sequence,
        bytes(10),
        len(frame),
    )
    return header + frame


def encode_ack(ack: ZepAck) -> bytes:
    return struct.pack(">2sBBI", PREAMBLE, VERSION, TYPE_ACK, ack.sequence)


def decode(datagram: bytes) -> ZepFrame | ZepAck:
    """One UDP payload; ``DecodeError`` for anything that is not a ZEP v2 data or ack packet."""
    datagram = bytes(datagram)
    if len(datagram) < ACK_LENGTH or datagram[:2] != PREAMBLE:
        raise DecodeError("not a ZEP packet (no 'EX' preamble)")
    version, kind = datagram[2], datagram[3]
    if version != VERSION:
        raise DecodeError(f"ZEP version {version}; the bench reads version 2")
    if kind == TYPE_ACK:
        if len(datagram) != ACK_LENGTH:
            raise DecodeError(f"a ZEP ack has {ACK_LENGTH} octets, not {len(datagram)}")
        return ZepAck(struct.unpack_from(">I", datagram, 4)[0])
    if kind != TYPE_DATA:
        raise DecodeError(f"ZEP type {kind} is neither data (1) nor ack (2)")
    if len(datagram) < HEADER_LENGTH:
        raise DecodeError("ZEP data packet shorter than its 32-octet header")
    _, _, _, channel, device, crc_mode, lqi, ntp, sequence, _, length = _DATA.unpack_from(datagram)
    length &= MAX_FRAME
    frame = datagram[HEADER_LENGTH:]
    if len(frame) != length:
        raise DecodeError(f"ZEP length field says {length} octets, the datagram carries {len(frame)}")
    if length < 2:
        raise DecodeError(f"a {length}-octet frame has no room for its FCS or metadata")
    rssi: float | None = None
    crc_ok = True
    if crc_mode == 0:
        rssi_octet, status = struct.unpack_from(">bB", frame, length - 2)
        rssi, crc_ok = float(rssi_octet), bool(status & _CRC_OK)
        frame = frame[:-2] + compute_fcs(frame[:-2])
    return ZepFrame(
        channel=channel,
        frame=frame,
        timestamp=_unix(ntp),
        sequence=sequence,
        device_id=device,
        lqi=lqi,
        rssi_dbm=rssi,
        crc_ok=crc_ok,
    )
