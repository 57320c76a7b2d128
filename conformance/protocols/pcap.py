"""Classic pcap files of IEEE 802.15.4 frames, so captures open in Wireshark.

The writer uses LINKTYPE_IEEE802_15_4_TAP (283) by default: each record starts with the
TAP header and TLVs of the IEEE 802.15.4 TAP Link Type Specification (Exegin, version 1.1,
github.com/jkcko/ieee802.15.4-tap) carrying the FCS type, the received signal strength and
the channel assignment, then the MPDU with its 2-octet FCS. LINKTYPE_IEEE802_15_4_NOFCS
(230) is the fallback for tools that do not know TAP; it has no room for metadata and no
FCS. The stream is the caller's: this module only turns records into octets and back.

:class:`CaptureStream` reads what a sniffer writes as it goes (a named pipe, a file that
grows: Wireshark's extcap sniffers, TI's packet sniffer, dumpcap): classic pcap or pcapng
(draft-ietf-opsawg-pcapng, the blocks SHB, IDB, EPB and SPB; the others are skipped),
with the link types of the tcpdump.org list that carry IEEE 802.15.4 frames: 195
(WITHFCS), 230 (NOFCS) and 283 (TAP). Octets go in as they arrive, in pieces of any size;
records come out once whole, as h11 takes ``receive_data`` and hands out events.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, replace
from typing import BinaryIO

from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.wpan import compute_fcs

LINKTYPE_IEEE802_15_4_WITHFCS = 195
LINKTYPE_IEEE802_15_4_NOFCS = 230
LINKTYPE_IEEE802_15_4_TAP = 283

_MAGIC_USEC = 0xA1B2C3D4
_MAGIC_NSEC = 0xA1B23C4D
_SNAPLEN = 65535

# TAP TLV types (TAP specification section 3).
_TLV_FCS_TYPE = 0
_TLV_RSS = 1
_TLV_CHANNEL = 3
_FCS_16_BIT = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class PcapRecord:
    """One captured frame.

    ``frame`` is always an MPDU with its 2-octet FCS, ready for ``wpan.decode``: a NOFCS
    capture has none on file, so the reader appends a freshly computed one. ``timestamp``
    is the absolute time on file (the writer's ``epoch`` included). ``channel``,
    ``channel_page`` and ``rssi_dbm`` come from TAP TLVs and are None when absent.
    """

    timestamp: float
    frame: bytes
    channel: int | None = None
    rssi_dbm: float | None = None
    channel_page: int | None = None


def _tlv(tlv_type: int, value: bytes) -> bytes:
    # TAP 2.1.2: the length counts the value only; the value is zero-padded to 32 bits.
    padding = b"\x00" * (-len(value) % 4)
    return struct.pack("<HH", tlv_type, len(value)) + value + padding


class PcapWriter:
    """Writes a pcap global header on creation and one record per :meth:`write`."""

    def __init__(
        self,
        stream: BinaryIO,
        *,
        linktype: int = LINKTYPE_IEEE802_15_4_TAP,
        epoch: float = 0.0,
    ) -> None:
        if linktype not in (LINKTYPE_IEEE802_15_4_TAP, LINKTYPE_IEEE802_15_4_NOFCS):
            raise BenchUsageError(f"PcapWriter writes linktypes 283 (TAP) and 230, not {linktype}")
        if not math.isfinite(epoch) or epoch < 0:
            raise BenchUsageError(f"epoch must be a non-negative number of seconds, got {epoch}")
        self._stream = stream
        self.linktype = linktype
        self.epoch = epoch
        stream.write(struct.pack("<IHHiIII", _MAGIC_USEC, 2, 4, 0, 0, _SNAPLEN, linktype))

    def write(
        self,
        *,
        timestamp: float,
        frame: bytes,
        channel: int | None = None,
        rssi_dbm: float | None = None,
        channel_page: int = 9,
    ) -> None:
        """Append one MPDU (with its FCS) seen at virtual ``timestamp`` seconds.

        Channel and RSSI go into TAP TLVs; the NOFCS linktype cannot carry them and they
        are left out. Channel page 9 is the 920 MHz band of ARIB STD-T108.
        """
        if not isinstance(frame, bytes | bytearray) or len(frame) < 2:
            raise BenchUsageError("frame must be the MPDU including its 2-octet FCS")
        total = self.epoch + timestamp
        if not math.isfinite(total) or total < 0:
            raise BenchUsageError(f"timestamp {timestamp} is not a time after the epoch")
        seconds, micros = divmod(round(total * 1_000_000), 1_000_000)
        if self.linktype == LINKTYPE_IEEE802_15_4_NOFCS:
            packet = bytes(frame[:-2])
        else:
            packet = self._tap_header(channel, rssi_dbm, channel_page) + bytes(frame)
        if len(packet) > _SNAPLEN:
            raise BenchUsageError(f"a {len(packet)}-octet record exceeds the snap length")
        record = struct.pack("<IIII", seconds, micros, len(packet), len(packet)) + packet
        self._stream.write(record)

    @staticmethod
    def _tap_header(channel: int | None, rssi_dbm: float | None, channel_page: int) -> bytes:
        tlvs = _tlv(_TLV_FCS_TYPE, bytes([_FCS_16_BIT]))
        if rssi_dbm is not None:
            if not math.isfinite(rssi_dbm):
                raise BenchUsageError(f"rssi_dbm must be finite, got {rssi_dbm}")
            tlvs += _tlv(_TLV_RSS, struct.pack("<f", rssi_dbm))
        if channel is not None:
            if not (isinstance(channel, int) and 0 <= channel <= 0xFFFF):
                raise BenchUsageError(f"channel must be in 0..65535, got {channel!r}")
            if not (isinstance(channel_page, int) and 0 <= channel_page <= 0xFF):
                raise BenchUsageError(f"channel_page must be in 0..255, got {channel_page!r}")
            tlvs += _tlv(_TLV_CHANNEL, struct.pack("<HB", channel, channel_page))
        # TAP 2.1.1: version 0, reserved 0, length of header and TLVs in octets.
        return struct.pack("<BBH", 0, 0, 4 + len(tlvs)) + tlvs


def _parse_tap(packet: bytes) -> PcapRecord:
    """A TAP packet into a record with a zero timestamp (the caller sets it)."""
    if len(packet) < 4:
        raise DecodeError("TAP packet shorter than its header")
    version, _reserved, length = struct.unpack_from("<BBH", packet)
    if version != 0:
        raise DecodeError(f"unknown TAP version {version}")
    if length < 4 or length % 4 or length > len(packet):
        raise DecodeError(f"bad TAP header length {length}")
    channel = page = rssi = None
    fcs_type = 0  # TAP 3.1: "FCS type none (0) is optional if no FCS is present"
    offset = 4
    while offset < length:  # offsets stay 32-bit aligned, so a TLV header always fits
        tlv_type, tlv_length = struct.unpack_from("<HH", packet, offset)
        value_end = offset + 4 + tlv_length
        if value_end + (-tlv_length % 4) > length:
            raise DecodeError(f"TAP TLV {tlv_type} runs past the TAP header")
        value = packet[offset + 4 : value_end]
        if tlv_type == _TLV_FCS_TYPE and tlv_length == 1:
            fcs_type = value[0]
        elif tlv_type == _TLV_RSS and tlv_length == 4:
            (rssi,) = struct.unpack("<f", value)
        elif tlv_type == _TLV_CHANNEL and tlv_length == 3:
            channel, page = struct.unpack("<HB", value)
        elif tlv_type in (_TLV_FCS_TYPE, _TLV_RSS, _TLV_CHANNEL):
            raise DecodeError(f"TAP TLV {tlv_type} with bad length {tlv_length}")
        offset = value_end + (-tlv_length % 4)
    frame = packet[length:]
    if fcs_type == 0:
        frame += compute_fcs(frame)
    elif fcs_type != _FCS_16_BIT:
        raise DecodeError(f"TAP FCS type {fcs_type} is not the 16-bit CRC the bench models")
    return PcapRecord(timestamp=0.0, frame=frame, channel=channel, rssi_dbm=rssi, channel_page=page)


def read_pcap(data: bytes) -> tuple[int, list[PcapRecord]]:
    """The linktype and the records of a classic pcap file (either byte order, µs or ns)."""
    data = bytes(data)
    if len(data) < 24:
        raise DecodeError("pcap file shorter than its global header")
    for order in "<>":
        magic = struct.unpack_from(order + "I", data)[0]
        if magic in (_MAGIC_USEC, _MAGIC_NSEC):
            break
    else:
        raise DecodeError("not a pcap file (bad magic number)")
    ticks = 1_000_000 if magic == _MAGIC_USEC else 1_000_000_000
    linktype = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF
    known = (LINKTYPE_IEEE802_15_4_TAP, LINKTYPE_IEEE802_15_4_NOFCS, LINKTYPE_IEEE802_15_4_WITHFCS)
    if linktype not in known:
        raise DecodeError(f"linktype {linktype} is not an IEEE 802.15.4 linktype")
    records: list[PcapRecord] = []
    offset = 24
    while offset < len(data):
        if len(data) - offset < 16:
            raise DecodeError(f"truncated record header at offset {offset}")
        seconds, fraction, captured, original = struct.unpack_from(order + "IIII", data, offset)
        offset += 16
        if captured != original:
            raise DecodeError(f"record at offset {offset - 16} was truncated by the snap length")
        if fraction >= ticks:
            raise DecodeError(f"record at offset {offset - 16} has a bad sub-second field")
        if len(data) - offset < captured:
            raise DecodeError(f"truncated record data at offset {offset}")
        packet = data[offset : offset + captured]
        offset += captured
        if linktype == LINKTYPE_IEEE802_15_4_TAP:
            record = _parse_tap(packet)
        elif linktype == LINKTYPE_IEEE802_15_4_NOFCS:
            record = PcapRecord(timestamp=0.0, frame=packet + compute_fcs(packet))
        else:
            record = PcapRecord(timestamp=0.0, frame=packet)
        records.append(replace(record, timestamp=seconds + fraction / ticks))
    return linktype, records


# -- reading a capture as it is written -------------------------------------------------------

_IEEE802_15_4 = (LINKTYPE_IEEE802_15_4_TAP, LINKTYPE_IEEE802_15_4_NOFCS, LINKTYPE_IEEE802_15_4_WITHFCS)
# pcapng block types (draft-ietf-opsawg-pcapng §4, §11.1).
_SHB = 0x0A0D0D0A
_IDB = 0x00000001
_SPB = 0x00000003
_EPB = 0x00000006
_BYTE_ORDER_MAGIC = 0x1A2B3C4D
_OPT_IF_TSRESOL = 9
# A block or record larger than this is not a sniffer's frame but a broken stream: an
# 802.15.4g PSDU has at most 2047 octets, and its TAP header and pcapng options are short.
MAX_RECORD = 64 * 1024


@dataclass(frozen=True, slots=True)
class _Interface:
    linktype: int
    ticks: int  # timestamp units per second (pcapng if_tsresol, 10^6 by default)
    snaplen: int


def _packet_record(linktype: int, packet: bytes, timestamp: float) -> PcapRecord:
    if linktype == LINKTYPE_IEEE802_15_4_TAP:
        record = _parse_tap(packet)
    elif linktype == LINKTYPE_IEEE802_15_4_NOFCS:
        record = PcapRecord(timestamp=0.0, frame=packet + compute_fcs(packet))
    else:
        if len(packet) < 2:
            raise DecodeError("an IEEE 802.15.4 record with FCS shorter than its FCS")
        record = PcapRecord(timestamp=0.0, frame=packet)
    return replace(record, timestamp=timestamp)


def _tsresol(options: bytes, order: str) -> int:
    """Ticks per second from an IDB's options (pcapng §4.2: if_tsresol, 10^-6 by default)."""
    offset = 0
    while offset + 4 <= len(options):
        code, length = struct.unpack_from(order + "HH", options, offset)
        if code == 0:  # opt_endofopt
            break
        value = options[offset + 4 : offset + 4 + length]
        if code == _OPT_IF_TSRESOL and length == 1:
            exponent = value[0] & 0x7F
            if exponent > 30 if value[0] & 0x80 else exponent > 9:
                raise DecodeError(f"if_tsresol {value[0]:#04x} is finer than the bench can count")
            return (2 if value[0] & 0x80 else 10) ** exponent
        offset += 4 + length + (-length % 4)
    return 1_000_000


class CaptureStream:
    """Classic pcap or pcapng octets in, IEEE 802.15.4 records out, as they arrive.

    ``receive_data`` takes the next octets (any split); ``next_records`` hands out every
    record now whole. A stream that is not a capture, or breaks its format, raises
    ``DecodeError`` naming the offset: the sniffer's fault, never the terminal's.
    Records of interfaces whose link type is not IEEE 802.15.4 are counted in
    ``skipped`` and left out.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._offset = 0  # of the buffer's first octet in the stream
        self._format: str | None = None  # "pcap" or "pcapng", from the first four octets
        self._order = "<"
        self._interfaces: list[_Interface] = []
        self.linktypes: list[int] = []  # every interface's link type, in order
        self.skipped = 0

    def receive_data(self, data: bytes) -> None:
        self._buffer += data

    def next_records(self) -> list[PcapRecord]:
        records: list[PcapRecord] = []
        while True:
            if self._format is None and not self._start():
                return records
            taken = self._next_pcap() if self._format == "pcap" else self._next_block()
            if taken is None:
                return records
            length, record = taken
            del self._buffer[:length]
            self._offset += length
            if record is not None:
                records.append(record)

    def _start(self) -> bool:
        if len(self._buffer) < 4:
            return False
        magic_le = struct.unpack_from("<I", self._buffer)[0]
        magic_be = struct.unpack_from(">I", self._buffer)[0]
        if magic_le == _SHB:
            self._format = "pcapng"  # its byte order is read from the section header
            return True
        if len(self._buffer) < 24:
            return False
        for order, magic in (("<", magic_le), (">", magic_be)):
            if magic in (_MAGIC_USEC, _MAGIC_NSEC):
                linktype = struct.unpack_from(order + "I", self._buffer, 20)[0] & 0x0FFFFFFF
                snaplen = struct.unpack_from(order + "I", self._buffer, 16)[0]
                ticks = 1_000_000 if magic == _MAGIC_USEC else 1_000_000_000
                self._format, self._order = "pcap", order
                self._interfaces = [_Interface(linktype, ticks, snaplen)]
                self.linktypes = [linktype]
                del self._buffer[:24]
                self._offset += 24
                return True
        raise DecodeError("the sniffer's stream is neither pcap nor pcapng (bad magic number)")

    def _next_pcap(self) -> tuple[int, PcapRecord | None] | None:
        if len(self._buffer) < 16:
            return None
        if self._new_capture():
            return 0, None
        seconds, fraction, captured, original = struct.unpack_from(self._order + "IIII", self._buffer)
        interface = self._interfaces[0]
        if captured > MAX_RECORD or fraction >= interface.ticks:
            raise DecodeError(f"bad pcap record header at offset {self._offset}")
        if len(self._buffer) < 16 + captured:
            return None
        if captured != original:
            raise DecodeError(f"pcap record at offset {self._offset} was cut by the snap length")
        packet = bytes(self._buffer[16 : 16 + captured])
        return 16 + captured, self._record(interface, packet, seconds + fraction / interface.ticks)

    def _record(self, interface: _Interface, packet: bytes, timestamp: float) -> PcapRecord | None:
        if interface.linktype not in _IEEE802_15_4:
            self.skipped += 1
            return None
        try:
            return _packet_record(interface.linktype, packet, timestamp)
        except DecodeError as exc:
            raise DecodeError(f"record at offset {self._offset}: {exc}") from None

    def _new_capture(self) -> bool:
        """Whether a new capture starts where a record or block should: a writer that
        reopened a named pipe before the reader saw it go (an extcap sniffer restarting, in
        either format) begins with its header. A classic header's magic number is no
        record's seconds yet (2055), nor a block type the pcapng specification defines; a
        section header in a classic stream would be seconds in 1975. A pcapng section header
        within pcapng is a new section of the same capture (``_next_block``)."""
        magic = struct.unpack_from("<I", self._buffer)[0], struct.unpack_from(">I", self._buffer)[0]
        classic = any(m in (_MAGIC_USEC, _MAGIC_NSEC) for m in magic)
        if classic or (self._format == "pcap" and magic[0] == _SHB):
            self._format = None
            return True
        return False

    def _next_block(self) -> tuple[int, PcapRecord | None] | None:
        if len(self._buffer) < 12:
            return None
        if self._new_capture():
            return 0, None
        block_type = struct.unpack_from(self._order + "I", self._buffer)[0]
        if block_type == _SHB or struct.unpack_from("<I", self._buffer)[0] == _SHB:
            magic = self._buffer[8:12]
            if magic == struct.pack("<I", _BYTE_ORDER_MAGIC):
                self._order = "<"
            elif magic == struct.pack(">I", _BYTE_ORDER_MAGIC):
                self._order = ">"
            else:
                raise DecodeError(
                    f"pcapng section header at offset {self._offset} has a bad byte-order magic"
                )
            block_type = _SHB
        length = struct.unpack_from(self._order + "I", self._buffer, 4)[0]
        if length < 12 or length % 4 or length > MAX_RECORD:
            raise DecodeError(f"pcapng block at offset {self._offset} has a bad length {length}")
        if len(self._buffer) < length:
            return None
        if struct.unpack_from(self._order + "I", self._buffer, length - 4)[0] != length:
            raise DecodeError(f"pcapng block at offset {self._offset} ends with another length")
        body = bytes(self._buffer[8 : length - 4])
        record = None
        if block_type == _SHB:
            self._interfaces = []  # a new section numbers its interfaces from 0 again
        elif block_type == _IDB:
            self._interface(body)
        elif block_type == _EPB:
            record = self._enhanced_packet(body)
        elif block_type == _SPB:
            record = self._simple_packet(body)
        return length, record

    def _interface(self, body: bytes) -> None:
        if len(body) < 8:
            raise DecodeError(f"pcapng interface block at offset {self._offset} is too short")
        linktype, _, snaplen = struct.unpack_from(self._order + "HHI", body)
        self._interfaces.append(_Interface(linktype, _tsresol(body[8:], self._order), snaplen))
        self.linktypes.append(linktype)

    def _of(self, index: int) -> _Interface:
        if index >= len(self._interfaces):
            raise DecodeError(
                f"pcapng packet at offset {self._offset} names interface {index}, not described"
            )
        return self._interfaces[index]

    def _enhanced_packet(self, body: bytes) -> PcapRecord | None:
        if len(body) < 20:
            raise DecodeError(f"pcapng packet block at offset {self._offset} is too short")
        index, high, low, captured, original = struct.unpack_from(self._order + "IIIII", body)
        interface = self._of(index)
        if 20 + captured > len(body):
            raise DecodeError(f"pcapng packet at offset {self._offset} runs past its block")
        if captured != original:
            raise DecodeError(f"pcapng packet at offset {self._offset} was cut by the snap length")
        ticks = (high << 32) | low
        return self._record(interface, body[20 : 20 + captured], ticks / interface.ticks)

    def _simple_packet(self, body: bytes) -> PcapRecord | None:
        # §4.4: no timestamp and no interface field; interface 0, the length from the block.
        if len(body) < 4:
            raise DecodeError(f"pcapng simple packet block at offset {self._offset} is too short")
        interface = self._of(0)
        (original,) = struct.unpack_from(self._order + "I", body)
        if original > len(body) - 4 or (interface.snaplen and original > interface.snaplen):
            raise DecodeError(f"pcapng simple packet at offset {self._offset} was cut")
        return self._record(interface, body[4 : 4 + original], 0.0)
