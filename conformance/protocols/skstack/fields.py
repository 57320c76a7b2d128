"""SKSTACK-IP field formats, error type and event numbers (BP35A1 command reference ch. 2).

Every field on the line is ASCII: IPADDR as eight groups of four upper-case hex digits,
ADDR64 as 16 hex digits, UINTn as hex. The checks here guard what the bench builds; what the
module prints is checked by the parser, which turns any mistake into :class:`SkStackError`.
"""

from __future__ import annotations

import string
from enum import IntEnum

from conformance.protocols.errors import BenchUsageError, DecodeError

CRLF = b"\r\n"
CR = b"\r"
# SKSENDTO accepts 1..0x04D0 octets (command reference 3.7): the IPv6 minimum MTU minus the
# IPv6 and UDP headers; nothing larger can arrive in an ERXUDP either.
MAX_UDP_PAYLOAD = 0x04D0
MAX_LINE = 512  # longer than any status, reply or event line; ERXUDP is framed by length
_HEX = frozenset(string.hexdigits)


class SkStackError(DecodeError):
    """A line from the module (or a command to it) that the protocol does not allow.

    ``line`` keeps the offending octets, so a report can show exactly what came off the port.
    """

    def __init__(self, message: str, line: bytes) -> None:
        super().__init__(f"{message}: {line[:120]!r}")
        self.reason = message
        self.line = bytes(line)


class EventNumber(IntEnum):
    """EVENT numbers (BP35A1 command reference 4.8; 0x32/0x33 are ARIB STD-T108 limits)."""

    NS_RECEIVED = 0x01
    NA_RECEIVED = 0x02
    ECHO_REQUEST_RECEIVED = 0x05
    ED_SCAN_DONE = 0x1F
    BEACON_RECEIVED = 0x20
    UDP_SENT = 0x21  # PARAM 00 success, 01 failure, 02 neighbour solicitation sent
    ACTIVE_SCAN_DONE = 0x22
    PANA_FAILED = 0x24
    PANA_DONE = 0x25
    TERMINATION_REQUESTED = 0x26  # the peer asked to end the PANA session
    TERMINATION_DONE = 0x27
    TERMINATION_TIMED_OUT = 0x28
    SESSION_EXPIRED = 0x29
    TX_LIMIT_ON = 0x32  # total transmission time limit of ARIB STD-T108 reached
    TX_LIMIT_OFF = 0x33
    WAKEUP = 0xC0  # BP35C0 after SKDSLEEP: the only EVENT without a sender (smdn TryExpectEVENT)


UDP_SENT_OK, UDP_SENT_FAILED, UDP_SENT_NEIGHBOUR_SOLICITATION = 0, 1, 2


def format_ipaddr(addr: bytes) -> str:
    """An IPv6 address as SKSTACK-IP prints it: eight groups of four upper-case hex digits."""
    if not isinstance(addr, bytes) or len(addr) != 16:
        raise BenchUsageError("an IPv6 address has 16 octets")
    return ":".join(addr[i : i + 2].hex().upper() for i in range(0, 16, 2))


def parse_ipaddr(text: str) -> bytes:
    """The inverse of :func:`format_ipaddr`; only the full 39-character form is accepted."""
    groups = text.split(":")
    if len(text) != 39 or len(groups) != 8 or not all(len(g) == 4 and is_hex(g) for g in groups):
        raise ValueError(f"not an SKSTACK-IP IPADDR: {text!r}")
    return bytes.fromhex("".join(groups))


def is_hex(text: str) -> bool:
    """Whether ``text`` is one or more hex digits (either case)."""
    return bool(text) and all(c in _HEX for c in text)


def check_bytes(value: object, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise BenchUsageError(f"{what} must be bytes, not {type(value).__name__}")
    value = bytes(value)
    if length is not None and len(value) != length:
        raise BenchUsageError(f"{what} must have {length} octets, got {len(value)}")
    return value


def is_error_code(code: object) -> bool:
    return isinstance(code, str) and len(code) == 4 and code[:2] == "ER" and code[2:].isdigit()


def check_int(value: object, what: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BenchUsageError(f"{what} must be an integer in {low:#x}..{high:#x}, got {value!r}")


def check_side(side: object) -> None:
    if side is not None:
        check_int(side, "side", 0, 1)


def check_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isprintable() or " " in value:
        raise BenchUsageError(f"{what} must be printable ASCII without spaces, got {value!r}")
    return value


def masked(line: str) -> str:
    """A command line fit for a log: the SKSETPWD password is replaced (DESIGN.md rule 8)."""
    if line.startswith("SKSETPWD "):
        return " ".join([*line.split(" ")[:2], "********"])
    return line


def ascii_text(line: bytes) -> str:
    """A line as text: printable ASCII, or the module's mistake."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise SkStackError("not ASCII", line) from None
    if not text.isprintable():
        raise SkStackError("control characters in a line", line)
    return text
