"""What an SKSTACK-IP module prints, as frozen dataclasses, and :func:`encode_event`, the
emulator's side (the parser in :mod:`.parser` is its exact inverse).

Replies to a command: an optional echo (register SFE), reply lines (``EVER``, ``EAPPVER``,
``EINFO``, ``ESREG``, the bare address SKLL64 answers) and a status line, ``OK`` or
``FAIL ERxx`` (command reference ch. 2 and ch. 7). Asynchronous lines: ``EVENT`` (4.8),
``ERXUDP`` (4.1) and the ``EPANDESC`` block of an active scan (4.5).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.protocols.errors import BenchUsageError
from conformance.protocols.skstack.fields import (
    CRLF,
    MAX_UDP_PAYLOAD,
    EventNumber,
    check_bytes,
    check_int,
    check_side,
    check_text,
    format_ipaddr,
    is_error_code,
    masked,
)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class CommandEcho:
    """The module repeating a command line while register SFE is 1."""

    line: str

    def __repr__(self) -> str:
        return f"CommandEcho(line={masked(self.line)!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ok:
    """``OK``; ROPT answers ``OK <value>``, kept as ``detail``."""

    detail: str = ""

    def __post_init__(self) -> None:
        if self.detail:
            check_text(self.detail, "detail")


@dataclass(frozen=True, slots=True, kw_only=True)
class Fail:
    """``FAIL ERxx`` (command reference ch. 7): 04 unsupported command, 05 wrong number of
    arguments, 06 bad argument format or range, 09 UART input error, 10 execution failed."""

    code: str

    def __post_init__(self) -> None:
        if not is_error_code(self.code):
            raise BenchUsageError(f"a FAIL code is ER and two digits, got {self.code!r}")

    @property
    def number(self) -> int:
        return int(self.code[2:])


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """``EVENT <NUM> <SENDER> [<SIDE>] [<PARAM>]`` (4.8). PARAM is carried by EVENT 21 only,
    SIDE by the C family; only EVENT C0 has no sender."""

    number: int
    sender: bytes | None = None
    param: int | None = None
    side: int | None = None

    def __post_init__(self) -> None:
        check_int(self.number, "number", 0, 0xFF)
        if self.sender is not None:
            object.__setattr__(self, "sender", check_bytes(self.sender, "sender", 16))
        elif self.number != EventNumber.WAKEUP:
            raise BenchUsageError(f"EVENT {self.number:02X} names a sender (only EVENT C0 has none)")
        if self.number == EventNumber.UDP_SENT:
            check_int(self.param, "EVENT 21 param", 0, 0xFF)
        elif self.param is not None:
            raise BenchUsageError(f"EVENT {self.number:02X} carries no PARAM")
        check_side(self.side)
        if self.side is not None and self.sender is None:
            raise BenchUsageError("SIDE follows the sender")


@dataclass(frozen=True, slots=True, kw_only=True)
class PanDescriptor:
    """The ``EPANDESC`` block (4.5): one coordinator heard during an active scan."""

    channel: int
    channel_page: int
    pan_id: int
    addr: bytes
    lqi: int
    side: int | None = None
    pair_id: str | None = None

    def __post_init__(self) -> None:
        check_int(self.channel, "channel", 0, 0xFF)
        check_int(self.channel_page, "channel_page", 0, 0xFF)
        check_int(self.pan_id, "pan_id", 0, 0xFFFF)
        object.__setattr__(self, "addr", check_bytes(self.addr, "addr", 8))
        check_int(self.lqi, "lqi", 0, 0xFF)
        check_side(self.side)
        if self.pair_id is not None and len(check_text(self.pair_id, "pair_id")) != 8:
            raise BenchUsageError("a Pairing ID has 8 characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpReceived:
    """``ERXUDP`` (4.1). ``side`` is the C family's; ``rssi`` the raw 2-digit column a C
    module prints while SA2 is 1 (its scale is not public: see the transcript table)."""

    sender: bytes
    dest: bytes
    rport: int
    lport: int
    sender_lla: bytes
    secured: bool
    data: bytes
    rssi: int | None = None
    side: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sender", check_bytes(self.sender, "sender", 16))
        object.__setattr__(self, "dest", check_bytes(self.dest, "dest", 16))
        check_int(self.rport, "rport", 0, 0xFFFF)
        check_int(self.lport, "lport", 0, 0xFFFF)
        object.__setattr__(self, "sender_lla", check_bytes(self.sender_lla, "sender_lla", 8))
        if not isinstance(self.secured, bool):
            raise BenchUsageError("secured is a bool")
        object.__setattr__(self, "data", check_bytes(self.data, "data"))
        if len(self.data) > MAX_UDP_PAYLOAD:
            raise BenchUsageError(f"a UDP payload has at most {MAX_UDP_PAYLOAD} octets here")
        if self.rssi is not None:
            check_int(self.rssi, "rssi", 0, 0xFF)
        check_side(self.side)


@dataclass(frozen=True, slots=True, kw_only=True)
class InfoReply:
    """``EINFO <IPADDR> <ADDR64> <CHANNEL> <PANID> <ADDR16>`` (A1 family, 3.2) or
    ``... <PANID> <SIDE>`` (C family, as momonga reads it)."""

    ipaddr: bytes
    addr64: bytes
    channel: int
    pan_id: int
    addr16: int | None = None
    side: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ipaddr", check_bytes(self.ipaddr, "ipaddr", 16))
        object.__setattr__(self, "addr64", check_bytes(self.addr64, "addr64", 8))
        check_int(self.channel, "channel", 0, 0xFF)
        check_int(self.pan_id, "pan_id", 0, 0xFFFF)
        if self.addr16 is not None:
            check_int(self.addr16, "addr16", 0, 0xFFFF)
        check_side(self.side)
        if self.addr16 is None and self.side is None:
            raise BenchUsageError("EINFO prints ADDR16 (A1 family) or SIDE (C family)")


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionReply:
    """``EVER <version>`` (3.23)."""

    version: str

    def __post_init__(self) -> None:
        check_text(self.version, "version")


@dataclass(frozen=True, slots=True, kw_only=True)
class AppVersionReply:
    """``EAPPVER <version>`` (3.24)."""

    version: str

    def __post_init__(self) -> None:
        check_text(self.version, "version")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterValue:
    """``ESREG <value>`` (3.1); :func:`register_value` types it for a given register."""

    value: str

    def __post_init__(self) -> None:
        check_text(self.value, "value")


@dataclass(frozen=True, slots=True, kw_only=True)
class Ipv6Address:
    """The bare IPv6 address SKLL64 answers with (3.29): no status line follows."""

    address: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", check_bytes(self.address, "address", 16))


SkStackEvent = (
    CommandEcho | Ok | Fail | Event | PanDescriptor | UdpReceived | InfoReply | VersionReply
    | AppVersionReply | RegisterValue | Ipv6Address
)  # fmt: skip


def encode_event(event: SkStackEvent, *, hex_data: bool = False, eol: bytes = CRLF) -> bytes:
    """The bytes a module prints for ``event``; :class:`SkStackParser` is the inverse.

    ``eol`` is CR alone for the answers to the product configuration commands (ROPT, WOPT:
    BP35A1 reference 3.30-3.31); every other line ends with CRLF.
    """
    if isinstance(event, UdpReceived):
        head = [
            "ERXUDP",
            format_ipaddr(event.sender),
            format_ipaddr(event.dest),
            f"{event.rport:04X}",
            f"{event.lport:04X}",
            event.sender_lla.hex().upper(),
        ]
        if event.rssi is not None:
            head.append(f"{event.rssi:02X}")
        head.append("1" if event.secured else "0")
        if event.side is not None:
            head.append(f"{event.side:X}")
        head.append(f"{len(event.data):04X}")
        data = event.data.hex().upper().encode() if hex_data else event.data
        return " ".join(head).encode() + b" " + data + CRLF
    if isinstance(event, PanDescriptor):
        lines = [
            "EPANDESC",
            f"  Channel:{event.channel:02X}",
            f"  Channel Page:{event.channel_page:02X}",
            f"  Pan ID:{event.pan_id:04X}",
            f"  Addr:{event.addr.hex().upper()}",
            f"  LQI:{event.lqi:02X}",
        ]
        if event.side is not None:
            lines.append(f"  Side:{event.side:X}")
        if event.pair_id is not None:
            lines.append(f"  PairID:{event.pair_id}")
        return b"".join(line.encode() + CRLF for line in lines)
    return _event_line(event).encode() + eol


def _event_line(event: SkStackEvent) -> str:
    match event:
        case CommandEcho(line=line):
            return line
        case Ok(detail=detail):
            return f"OK {detail}" if detail else "OK"
        case Fail(code=code):
            return f"FAIL {code}"
        case Event():
            parts = [f"EVENT {event.number:02X}"]
            if event.sender is not None:
                parts.append(format_ipaddr(event.sender))
            if event.side is not None:
                parts.append(f"{event.side:X}")
            if event.param is not None:
                parts.append(f"{event.param:02X}")
            return " ".join(parts)
        case InfoReply():
            parts = [
                "EINFO",
                format_ipaddr(event.ipaddr),
                event.addr64.hex().upper(),
                f"{event.channel:02X}",
                f"{event.pan_id:04X}",
            ]
            if event.addr16 is not None:
                parts.append(f"{event.addr16:04X}")
            if event.side is not None:
                parts.append(f"{event.side:X}")
            return " ".join(parts)
        case VersionReply(version=version):
            return f"EVER {version}"
        case AppVersionReply(version=version):
            return f"EAPPVER {version}"
        case RegisterValue(value=value):
            return f"ESREG {value}"
        case Ipv6Address(address=address):
            return format_ipaddr(address)
    raise BenchUsageError(f"not an SKSTACK-IP event: {event!r}")
