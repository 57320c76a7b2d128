"""What the EAP-PSK peer and server machines share (RFC 4764 section 4.1, RFC 3748).

A received packet is classified once into ``_Incoming`` (its bytes, the EAP packet and,
for an EAP-PSK packet, the decoded message); RAND_S names the session (section 4.1) and
the PCHANNEL nonce counts the protected messages (section 8.4), so both machines check
them the same way. Random values come from the ``randbytes`` the bench passes in.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass

from conformance.protocols import eap
from conformance.protocols.eap import EapPacket
from conformance.protocols.eap_psk.messages import PskMessage, decode_message
from conformance.protocols.errors import BenchUsageError, ProtocolError


@dataclass(frozen=True, slots=True)
class _Incoming:
    raw: bytes
    packet: EapPacket
    message: PskMessage | None


def _random(randbytes: Callable[[int], bytes], n: int) -> bytes:
    value = randbytes(n)
    if len(value) != n:
        raise BenchUsageError(f"randbytes({n}) returned {len(value)} bytes")
    return value


def _decode_psk(packet: EapPacket) -> PskMessage | None:
    if packet.type != eap.EAP_TYPE_PSK:
        return None
    return decode_message(packet.type_data)


def _check_rand_s(received: bytes, expected: bytes | None) -> None:
    # RAND_S is the session identifier (section 4.1); another value is another session.
    if expected is None or not hmac.compare_digest(received, expected):
        raise ProtocolError("RAND_S does not match this EAP-PSK session")


def _check_nonce(received: int, expected: int) -> None:
    # Section 8.4: N starts at 0 (server) and each answer carries N+1.
    if received != expected:
        raise ProtocolError(f"PCHANNEL nonce {received}, expected {expected}")
