"""EAP packet codec (RFC 3748 section 4).

    Code(1) Identifier(1) Length(2, big-endian, whole packet) [Type(1) Type-Data]

Requests and Responses carry a Type (section 4.1); Success and Failure are the bare
four-byte header (section 4.2). The EAP *methods* live in their own modules
(``eap_psk``); this module only frames packets.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from conformance.protocols.errors import BenchUsageError, DecodeError

# RFC 3748 section 5 and the IANA "Method Types" registry.
EAP_TYPE_IDENTITY = 1
EAP_TYPE_NOTIFICATION = 2
EAP_TYPE_NAK = 3  # Legacy Nak, Responses only (section 5.3.1)
EAP_TYPE_PSK = 47  # RFC 4764
EAP_TYPE_EXPANDED = 254  # section 5.7; also the Expanded Nak of section 5.3.2

HEADER_LENGTH = 4
MAX_LENGTH = 0xFFFF

_HEADER = struct.Struct("!BBH")


class EapCode(IntEnum):
    """The Code field (RFC 3748 section 4)."""

    REQUEST = 1
    RESPONSE = 2
    SUCCESS = 3
    FAILURE = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class EapPacket:
    """One EAP packet; ``type`` is None exactly for Success and Failure."""

    code: EapCode
    identifier: int
    type: int | None = None
    type_data: bytes = b""

    def __post_init__(self) -> None:
        if not isinstance(self.code, EapCode):
            try:
                object.__setattr__(self, "code", EapCode(self.code))
            except ValueError:
                raise BenchUsageError(f"unknown EAP code {self.code!r}") from None
        if not 0 <= self.identifier <= 0xFF:
            raise BenchUsageError(f"EAP identifier {self.identifier} is not one octet")
        if self.code in (EapCode.SUCCESS, EapCode.FAILURE):
            # Section 4.2: Success and Failure have no Data.
            if self.type is not None or self.type_data:
                raise BenchUsageError(f"EAP {self.code.name} carries no type nor data")
            return
        if self.type is None or not 0 <= self.type <= 0xFF:
            raise BenchUsageError(f"EAP {self.code.name} needs a one-octet type")
        if HEADER_LENGTH + 1 + len(self.type_data) > MAX_LENGTH:
            raise BenchUsageError("EAP packet longer than 65535 bytes")

    @property
    def length(self) -> int:
        """The value of the Length field."""
        if self.type is None:
            return HEADER_LENGTH
        return HEADER_LENGTH + 1 + len(self.type_data)


def encode(packet: EapPacket) -> bytes:
    """The packet's bytes, Length field included."""
    header = _HEADER.pack(packet.code, packet.identifier, packet.length)
    if packet.type is None:
        return header
    return header + bytes((packet.type,)) + packet.type_data


def decode(data: bytes, *, allow_padding: bool = False) -> EapPacket:
    """Parse one EAP packet.

    Args:
        data: the packet's bytes.
        allow_padding: RFC 3748 section 4.1 says octets beyond the Length field are
            link-layer padding to be ignored. Where the carrier delimits the packet
            exactly (PANA's EAP-Payload AVP), extra octets are a defect, so by default
            they are refused.

    Raises:
        DecodeError: too short, unknown Code, a Length that disagrees with the bytes,
            a Request/Response without Type, or a Success/Failure with data.
    """
    if len(data) < HEADER_LENGTH:
        raise DecodeError(f"EAP packet of {len(data)} bytes is shorter than its header")
    code_value, identifier, length = _HEADER.unpack_from(data)
    try:
        code = EapCode(code_value)
    except ValueError:
        raise DecodeError(f"unknown EAP code {code_value}") from None
    if length < HEADER_LENGTH:
        raise DecodeError(f"EAP Length {length} is shorter than the header")
    if length > len(data):
        raise DecodeError(f"EAP Length {length} exceeds the {len(data)} bytes received")
    if length < len(data) and not allow_padding:
        raise DecodeError(f"EAP Length {length} but {len(data)} bytes received")
    if code in (EapCode.SUCCESS, EapCode.FAILURE):
        if length != HEADER_LENGTH:
            raise DecodeError(f"EAP {code.name} with Length {length}, expected 4")
        return EapPacket(code=code, identifier=identifier)
    if length == HEADER_LENGTH:
        raise DecodeError(f"EAP {code.name} without a Type field")
    return EapPacket(
        code=code,
        identifier=identifier,
        type=data[HEADER_LENGTH],
        type_data=bytes(data[HEADER_LENGTH + 1 : length]),
    )
