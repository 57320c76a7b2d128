"""The IEC 62056-47 UDP wrapper that carries DLMS/COSEM APDUs over UDP, and its port.

Header (8 octets, big-endian): version (1), source wPort, destination wPort, length of
the APDU that follows. wPorts name the application processes (1 = management logical
device, 16 = public client). ``unwrap`` insists that the length field match the datagram
exactly. The IoT route carries the wrapper on ``DLMS_PORT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dlms_cosem.protocol import wrappers as _wrappers

from conformance.protocols.dlms.axdr import DlmsError, _translated
from conformance.protocols.errors import BenchUsageError

# IANA "dlms-cosem" (IEC 62056-47, DLMS UA Green Book): the UDP (and TCP) port of the wrapper.
DLMS_PORT: Final = 4059

WRAPPER_VERSION: Final = 1
WRAPPER_HEADER_LENGTH: Final = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Wrapped:
    """One wrapper PDU: wPorts name the application processes (1 = management, 16 = public client)."""

    source_wport: int
    destination_wport: int
    apdu: bytes

    def __post_init__(self) -> None:
        for name in ("source_wport", "destination_wport"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
                raise BenchUsageError(f"{name} {value!r} is not a Unsigned16")
        if not isinstance(self.apdu, bytes | bytearray | memoryview):
            raise BenchUsageError(f"apdu must be bytes, not {self.apdu!r}")
        object.__setattr__(self, "apdu", bytes(self.apdu))
        if len(self.apdu) > 0xFFFF:
            raise BenchUsageError(
                f"an APDU of {len(self.apdu)} octets does not fit the wrapper's length field"
            )


def wrap(apdu: bytes, *, source_wport: int = 1, destination_wport: int = 1) -> bytes:
    """The wrapper header (version 1, wPorts, length) followed by the APDU."""
    wrapped = Wrapped(source_wport=source_wport, destination_wport=destination_wport, apdu=apdu)
    header = _wrappers.WrapperHeader(
        source_wport=wrapped.source_wport,
        destination_wport=wrapped.destination_wport,
        length=len(wrapped.apdu),
    )
    return _wrappers.WrapperProtocolDataUnit(data=wrapped.apdu, wrapper_header=header).to_bytes()


def unwrap(data: bytes) -> Wrapped:
    """The wPorts and APDU of one wrapper PDU, whose length field must match exactly.

    Raises:
        DlmsError: shorter than the header, version other than 1, or a length mismatch.
    """
    data = bytes(data)
    if len(data) < WRAPPER_HEADER_LENGTH:
        raise DlmsError(f"wrapper of {len(data)} octets is shorter than its 8-octet header")
    with _translated("wrapper header"):
        header = _wrappers.WrapperHeader.from_bytes(data[:WRAPPER_HEADER_LENGTH])
    if header.version != WRAPPER_VERSION:
        raise DlmsError(f"wrapper version {header.version:#06x}, expected 0x0001")
    if header.length != len(data) - WRAPPER_HEADER_LENGTH:
        raise DlmsError(
            f"wrapper length field {header.length}, but {len(data) - WRAPPER_HEADER_LENGTH} octets follow"
        )
    return Wrapped(
        source_wport=header.source_wport,
        destination_wport=header.destination_wport,
        apdu=data[WRAPPER_HEADER_LENGTH:],
    )
