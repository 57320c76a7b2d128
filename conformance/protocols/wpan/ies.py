"""Information Elements on the air (802.15.4-2015 7.4) and the Pairing ID IE of the bench.

Header IEs are authenticated in the clear; Payload IEs open the MAC payload (private at
security levels 4-7). The termination IEs are the codec's business (7.4.1): HT1 ends the
Header IEs when Payload IEs follow, HT2 when the MAC payload follows directly, and the
Payload Termination IE ends the Payload IEs when the MAC payload follows. The Pairing ID
IE that an Enhanced Beacon Request and an Enhanced Beacon carry on the IoT route (TTC
JJ-300.10) is not public: the bench models it as a Vendor Specific Payload IE (group 0x2,
7.4.3), see ``PAIRING_ID_OUI``.
"""

from __future__ import annotations

import struct

from conformance.protocols.errors import BenchUsageError, DecodeError
from conformance.protocols.wpan.frame import (
    _HT1,
    _HT2,
    _PT,
    BROADCAST_PAN,
    BROADCAST_SHORT,
    CMD_ENHANCED_BEACON_REQUEST,
    Frame,
    FrameType,
    HeaderIE,
    PayloadIE,
    _as_bytes,
    _Reader,
)

PAYLOAD_IE_GROUP_VENDOR = 0x2  # Payload IE group Vendor Specific (7.4.3)

# The Pairing ID IE of TTC JJ-300.10 (the Japanese IoT-route / Wi-SUN HAN profile) is not
# public. The bench models it as a Vendor Specific Payload IE whose content is this
# identifier (least significant octet first, see vendor_payload_ie) followed by the Pairing
# ID in ASCII. 0x02 in the first octet puts 02-4A-50 in the locally administered,
# Administratively Assigned quadrant of IEEE 802c, so it cannot collide with an OUI or CID
# assigned by the IEEE RA; 4A 50 is "JP". A model, not the real layout.
PAIRING_ID_OUI = b"\x02JP"


def _ie_sections(frame: Frame) -> tuple[bytes, bytes]:
    """Header IE octets (with termination) and Payload IE octets (with termination)."""
    if not frame.header_ies and not frame.payload_ies:
        return b"", b""  # most data frames: no IEs, no terminations
    header = b"".join(
        struct.pack("<H", len(ie.content) | ie.element_id << 7) + ie.content for ie in frame.header_ies
    )
    payload = b"".join(
        struct.pack("<H", len(ie.content) | ie.group_id << 11 | 0x8000) + ie.content
        for ie in frame.payload_ies
    )
    mac_payload_follows = frame.command_id is not None or bool(frame.payload)
    # 7.4.1: HT1 ends the Header IEs when Payload IEs follow; HT2 ends them when the MAC
    # payload follows directly; the Payload Termination IE ends the Payload IEs when the
    # MAC payload follows. Terminations that the standard lets us omit are omitted, except
    # that HT2 always ends the Header IEs of a secured frame: its MIC follows them.
    if frame.payload_ies:
        header += struct.pack("<H", _HT1 << 7)
        if mac_payload_follows:
            payload += struct.pack("<H", _PT << 11 | 0x8000)
    elif frame.header_ies and (mac_payload_follows or frame.security is not None):
        header += struct.pack("<H", _HT2 << 7)
    return header, payload


def _parse_header_ies(reader: _Reader) -> tuple[list[HeaderIE], bool]:
    """Header IEs up to HT1/HT2 or the end of the frame; True when Payload IEs follow."""
    ies: list[HeaderIE] = []
    while reader.remaining:
        descriptor = reader.u16("Header IE descriptor")
        if descriptor & 0x8000:
            raise DecodeError("a Payload IE descriptor where a Header IE was expected")
        element_id, length = descriptor >> 7 & 0xFF, descriptor & 0x7F
        content = reader.take(length, f"Header IE 0x{element_id:02x}")
        if element_id in (_HT1, _HT2):
            return ies, element_id == _HT1
        ies.append(HeaderIE(element_id=element_id, content=content))
    return ies, False


def _parse_payload_ies(reader: _Reader) -> list[PayloadIE]:
    ies: list[PayloadIE] = []
    while reader.remaining:
        descriptor = reader.u16("Payload IE descriptor")
        if not descriptor & 0x8000:
            raise DecodeError("a Header IE descriptor where a Payload IE was expected")
        group_id, length = descriptor >> 11 & 0xF, descriptor & 0x7FF
        content = reader.take(length, f"Payload IE group 0x{group_id:x}")
        if group_id == _PT:
            break
        ies.append(PayloadIE(group_id=group_id, content=content))
    return ies


def vendor_payload_ie(oui: bytes, data: bytes) -> PayloadIE:
    """A Vendor Specific Payload IE (group 0x2, 7.4.3): the OUI, then vendor data.

    ``oui`` is given in natural order (``b"\x4a\x19\x1b"`` for 4A-19-1B) and, like every
    multi-octet MAC field, goes on the air least significant octet first: ZigBee's OUI
    4A-19-1B is sent as 1B 19 4A, and Wireshark dissects the field that way.
    """
    oui = _as_bytes(oui, "oui")
    if len(oui) != 3:
        raise BenchUsageError("an OUI has 3 octets")
    return PayloadIE(group_id=PAYLOAD_IE_GROUP_VENDOR, content=oui[::-1] + _as_bytes(data, "data"))


def pairing_id_ie(pairing_id: str) -> PayloadIE:
    """The bench's model of the Pairing ID IE (see PAIRING_ID_OUI).

    Only ASCII is enforced: faulty terminal twins must be able to send ill-formed IDs, and
    whether an ID has the ``IOT`` + 5 characters form is for the steps to judge.
    """
    if not isinstance(pairing_id, str) or not pairing_id.isascii() or not pairing_id:
        raise BenchUsageError(f"a Pairing ID is a non-empty ASCII string, got {pairing_id!r}")
    return vendor_payload_ie(PAIRING_ID_OUI, pairing_id.encode("ascii"))


def pairing_id_of(frame: Frame) -> str | None:
    """The Pairing ID a frame carries, None without the IE; DecodeError if not ASCII."""
    for ie in frame.payload_ies:
        if ie.group_id == PAYLOAD_IE_GROUP_VENDOR and ie.content[:3] == PAIRING_ID_OUI[::-1]:
            try:
                return ie.content[3:].decode("ascii")
            except UnicodeDecodeError:
                raise DecodeError("the Pairing ID IE does not hold ASCII") from None
    return None


def enhanced_beacon_request(*, sequence_number: int, src_addr: bytes, pairing_id: str) -> Frame:
    """Enhanced Beacon Request (7.5.10) to the broadcast address, with the Pairing ID IE."""
    return Frame(
        frame_type=FrameType.MAC_COMMAND,
        sequence_number=sequence_number,
        dst_pan=BROADCAST_PAN,
        dst_addr=BROADCAST_SHORT,
        src_pan=None,
        src_addr=src_addr,
        payload_ies=(pairing_id_ie(pairing_id),),
        command_id=CMD_ENHANCED_BEACON_REQUEST,
    )


def enhanced_beacon(*, sequence_number: int, src_addr: bytes, pan_id: int, pairing_id: str | None) -> Frame:
    """Enhanced Beacon (7.3.1.2): frame version 2, source PAN and extended address only."""
    return Frame(
        frame_type=FrameType.BEACON,
        sequence_number=sequence_number,
        dst_pan=None,
        dst_addr=None,
        src_pan=pan_id,
        src_addr=src_addr,
        payload_ies=() if pairing_id is None else (pairing_id_ie(pairing_id),),
    )
