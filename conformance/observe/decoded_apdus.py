"""The DLMS/COSEM APDUs one bench's HES decoded, by the octets it received.

The stack monitor (``monitors/stack.py``, NAT-2.2) decodes every datagram the terminal put
on the air; the HES decodes the same octets when the smart meter forwards them. A day's
upload is the largest message of a scenario, and decoding it twice was three quarters of
the monitors' cost in the 72-day scenario. The HES records each APDU it decoded here, and
the monitor takes the decoding of identical octets instead of repeating it; octets the HES
never received, or could not decode, the monitor decodes itself, so its verdicts and
messages stay as they were.

One memo per HES, so per bench, never module-global: what one bench decoded is never
seen by another (DESIGN.md rule 8). Decoded messages are frozen, so sharing them is safe.
"""

from __future__ import annotations

from conformance.protocols import dlms

# Far more than a scenario's uploads (a 72-day run has about 160); the oldest go first.
MAX_DECODED_APDUS = 1024


class DecodedApdus:
    """Wrapped DLMS/COSEM octets (IEC 62056-47) -> the APDU they decoded to."""

    def __init__(self, limit: int = MAX_DECODED_APDUS) -> None:
        self.limit = limit
        self._decoded: dict[bytes, object] = {}

    def decode(self, wrapped: bytes) -> object:
        """``dlms.decode(dlms.unwrap(wrapped).apdu)``, remembered when it succeeds;
        raises the codec's ``ProtocolError`` as the codec does."""
        found = self._decoded.get(wrapped)
        if found is None:
            found = dlms.decode(dlms.unwrap(wrapped).apdu)
            if len(self._decoded) >= self.limit:
                del self._decoded[next(iter(self._decoded))]
            self._decoded[wrapped] = found
        return found

    def decoded(self, wrapped: bytes) -> object | None:
        """The APDU these octets decoded to, if they were decoded here; None otherwise."""
        return self._decoded.get(wrapped)
