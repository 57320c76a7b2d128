"""SKSTACK-IP, the serial command set of Japanese Wi-SUN HAN modules (ROHM BP35A1, BP35C0,
BP35C2; Tessera RL7023), sans-IO.

Theory of operation. The host writes commands; the module answers each with an optional echo
of the command line (register SFE), reply lines (``EVER``, ``EINFO``, ``ESREG``, an IPv6
address for SKLL64) and a status line, ``OK`` or ``FAIL ERxx`` (BP35A1 command reference,
ch. 2 and ch. 7). Asynchronous lines arrive at any time in between: ``EVENT`` (ch. 4.8),
``ERXUDP`` (ch. 4.1) and the ``EPANDESC`` block of an active scan (ch. 4.5).

* :class:`SkStackParser` (the host's side) takes bytes as they come off the port and hands
  out one event at a time, as h11's ``Connection`` does; :func:`encode_event` is its exact
  inverse (the emulator's side). A malformed line raises :class:`SkStackError` with the line,
  and the parser resynchronises at the next CRLF, so garbage costs a finding, never the run.
* The command functions (:func:`skstart`, :func:`sksendto`, ...) encode what the host
  writes; :class:`CommandReader` (the module's side) decodes it into :class:`Command`.
* ``ERXUDP`` data and ``SKSENDTO`` data are framed by their declared length, not by CRLF:
  a binary payload may well contain CR LF (ch. 3.7 and 4.1).

Variants. BP35A1 prints ``ERXUDP <SENDER> <DEST> <RPORT> <LPORT> <SENDERLLA> <SECURED>
<DATALEN> <DATA>``; BP35C0/BP35C2 insert ``<LQI>`` after SENDERLLA and ``<SIDE>`` after SECURED
(as nbtk/momonga parses them) and add SIDE to SKSENDTO, SKSCAN, EINFO, ``EVENT 21`` and the
``EPANDESC`` block. The parser tells the two layouts apart by field width (a 1-digit SECURED
against a 2-digit LQI; a 1-digit SIDE against a 4-digit DATALEN), so one parser reads both.
DATA is binary by default and hex ASCII after ``WOPT 01`` (BP35A1 and BP35C0 option
register): that is a property of the module, given to the parser as ``hex_data``.

Uncertain points, modelled as stated: on BP35C0 every EVENT that names a sender may carry SIDE
(here: one optional 1-digit field after the sender); the echo of SKSENDTO carries the
command line up to DATALEN but not the data (hosts switch echo off with ``SKSREG SFE 0``).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import IntEnum
from typing import NoReturn

from conformance.protocols.errors import BenchUsageError, DecodeError

CRLF = b"\r\n"
# SKSENDTO accepts 1..0x04D0 octets (command reference 3.7): the IPv6 minimum MTU minus the
# IPv6 and UDP headers; nothing larger can arrive in an ERXUDP either.
MAX_UDP_PAYLOAD = 0x04D0
MAX_LINE = 512  # longer than any status, reply or event line; ERXUDP is framed by length
_HEX = frozenset(string.hexdigits)
_ERXUDP = b"ERXUDP "
_ECHO_PREFIXES = ("SK", "WOPT", "ROPT", "WUART", "RUART")


class SkStackError(DecodeError):
    """A line from the module (or a command to it) that the protocol does not allow."""

    def __init__(self, message: str, line: bytes) -> None:
        super().__init__(f"{message}: {line[:120]!r}")
        self.line = line


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
    WAKEUP = 0xC0  # BP35C0 after SKDSLEEP: no sender


UDP_SENT_OK, UDP_SENT_FAILED, UDP_SENT_NEIGHBOUR_SOLICITATION = 0, 1, 2


# -- address and field formats (command reference ch. 2: IPADDR, ADDR64, UINTn in hex) -----


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


def _check_bytes(value: object, what: str, length: int | None = None) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise BenchUsageError(f"{what} must be bytes, not {type(value).__name__}")
    value = bytes(value)
    if length is not None and len(value) != length:
        raise BenchUsageError(f"{what} must have {length} octets, got {len(value)}")
    return value


def _is_error_code(code: object) -> bool:
    return isinstance(code, str) and len(code) == 4 and code[:2] == "ER" and code[2:].isdigit()


def _check_int(value: object, what: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BenchUsageError(f"{what} must be an integer in {low:#x}..{high:#x}, got {value!r}")


def _check_side(side: object) -> None:
    if side is not None:
        _check_int(side, "side", 0, 1)


def _check_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not value.isprintable() or " " in value:
        raise BenchUsageError(f"{what} must be printable ASCII without spaces, got {value!r}")
    return value


# -- what the module prints -------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class CommandEcho:
    """The module repeating a command line while register SFE is 1."""

    line: str

    def __repr__(self) -> str:
        return f"CommandEcho(line={_masked(self.line)!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Ok:
    """``OK``; ROPT answers ``OK <value>``, kept as ``detail``."""

    detail: str = ""

    def __post_init__(self) -> None:
        if self.detail:
            _check_text(self.detail, "detail")


@dataclass(frozen=True, slots=True, kw_only=True)
class Fail:
    """``FAIL ERxx`` (command reference ch. 7): 04 unsupported command, 05 wrong number of
    arguments, 06 bad argument format or range, 09 UART input error, 10 execution failed."""

    code: str

    def __post_init__(self) -> None:
        if not _is_error_code(self.code):
            raise BenchUsageError(f"a FAIL code is ER and two digits, got {self.code!r}")

    @property
    def number(self) -> int:
        return int(self.code[2:])


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """``EVENT <NUM> [<SENDER>] [<SIDE>] [<PARAM>]`` (4.8). PARAM is carried by EVENT 21 only."""

    number: int
    sender: bytes | None = None
    param: int | None = None
    side: int | None = None

    def __post_init__(self) -> None:
        _check_int(self.number, "number", 0, 0xFF)
        if self.sender is not None:
            object.__setattr__(self, "sender", _check_bytes(self.sender, "sender", 16))
        if self.number == EventNumber.UDP_SENT:
            _check_int(self.param, "EVENT 21 param", 0, 0xFF)
            if self.sender is None:
                raise BenchUsageError("EVENT 21 names the destination")
        elif self.param is not None:
            raise BenchUsageError(f"EVENT {self.number:02X} carries no PARAM")
        _check_side(self.side)
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
        _check_int(self.channel, "channel", 0, 0xFF)
        _check_int(self.channel_page, "channel_page", 0, 0xFF)
        _check_int(self.pan_id, "pan_id", 0, 0xFFFF)
        object.__setattr__(self, "addr", _check_bytes(self.addr, "addr", 8))
        _check_int(self.lqi, "lqi", 0, 0xFF)
        _check_side(self.side)
        if self.pair_id is not None and len(_check_text(self.pair_id, "pair_id")) != 8:
            raise BenchUsageError("a Pairing ID has 8 characters")


@dataclass(frozen=True, slots=True, kw_only=True)
class UdpReceived:
    """``ERXUDP`` (4.1). ``lqi`` and ``side`` are present on BP35C0/BP35C2, absent on BP35A1."""

    sender: bytes
    dest: bytes
    rport: int
    lport: int
    sender_lla: bytes
    secured: bool
    data: bytes
    lqi: int | None = None
    side: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "sender", _check_bytes(self.sender, "sender", 16))
        object.__setattr__(self, "dest", _check_bytes(self.dest, "dest", 16))
        _check_int(self.rport, "rport", 0, 0xFFFF)
        _check_int(self.lport, "lport", 0, 0xFFFF)
        object.__setattr__(self, "sender_lla", _check_bytes(self.sender_lla, "sender_lla", 8))
        if not isinstance(self.secured, bool):
            raise BenchUsageError("secured is a bool")
        object.__setattr__(self, "data", _check_bytes(self.data, "data"))
        if len(self.data) > MAX_UDP_PAYLOAD:
            raise BenchUsageError(f"a UDP payload has at most {MAX_UDP_PAYLOAD} octets here")
        if (self.lqi is None) != (self.side is None):
            raise BenchUsageError("lqi and side come together (BP35C0 layout) or not at all")
        if self.lqi is not None:
            _check_int(self.lqi, "lqi", 0, 0xFF)
        _check_side(self.side)


@dataclass(frozen=True, slots=True, kw_only=True)
class InfoReply:
    """``EINFO <IPADDR> <ADDR64> <CHANNEL> <PANID> <ADDR16> [<SIDE>]`` (3.2)."""

    ipaddr: bytes
    addr64: bytes
    channel: int
    pan_id: int
    addr16: int
    side: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "ipaddr", _check_bytes(self.ipaddr, "ipaddr", 16))
        object.__setattr__(self, "addr64", _check_bytes(self.addr64, "addr64", 8))
        _check_int(self.channel, "channel", 0, 0xFF)
        _check_int(self.pan_id, "pan_id", 0, 0xFFFF)
        _check_int(self.addr16, "addr16", 0, 0xFFFF)
        _check_side(self.side)


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionReply:
    """``EVER <version>`` (3.23)."""

    version: str

    def __post_init__(self) -> None:
        _check_text(self.version, "version")


@dataclass(frozen=True, slots=True, kw_only=True)
class AppVersionReply:
    """``EAPPVER <version>`` (3.24)."""

    version: str

    def __post_init__(self) -> None:
        _check_text(self.version, "version")


@dataclass(frozen=True, slots=True, kw_only=True)
class RegisterValue:
    """``ESREG <value>`` (3.1); :func:`register_value` types it for a given register."""

    value: str

    def __post_init__(self) -> None:
        _check_text(self.value, "value")


@dataclass(frozen=True, slots=True, kw_only=True)
class Ipv6Address:
    """The bare IPv6 address SKLL64 answers with (3.29): no status line follows."""

    address: bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", _check_bytes(self.address, "address", 16))


SkStackEvent = (
    CommandEcho | Ok | Fail | Event | PanDescriptor | UdpReceived | InfoReply | VersionReply
    | AppVersionReply | RegisterValue | Ipv6Address
)  # fmt: skip


# -- encoding what the module prints (the emulator's side) ------------------------------


def encode_event(event: SkStackEvent, *, hex_data: bool = False) -> bytes:
    """The bytes a module prints for ``event``; :class:`SkStackParser` is the inverse."""
    if isinstance(event, UdpReceived):
        head = [
            "ERXUDP",
            format_ipaddr(event.sender),
            format_ipaddr(event.dest),
            f"{event.rport:04X}",
            f"{event.lport:04X}",
            event.sender_lla.hex().upper(),
        ]
        if event.lqi is not None:
            head.append(f"{event.lqi:02X}")
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
    return _event_line(event).encode() + CRLF


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
                f"{event.addr16:04X}",
            ]
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


# -- parsing what the module prints (the host's side) -------------------------------------


class _Fields:
    """Tokens of one line, each read with the type the manual gives it."""

    def __init__(self, line: bytes, tokens: list[str]) -> None:
        self.line = line
        self._tokens = tokens
        self._at = 0

    def left(self) -> int:
        return len(self._tokens) - self._at

    def _next(self, what: str) -> str:
        if self._at >= len(self._tokens):
            raise SkStackError(f"{what} missing", self.line)
        token = self._tokens[self._at]
        self._at += 1
        return token

    def hex(self, what: str, digits: int) -> int:
        token = self._next(what)
        if len(token) != digits or not is_hex(token):
            raise SkStackError(f"{what} is not {digits} hex digits", self.line)
        return int(token, 16)

    def ipaddr(self, what: str) -> bytes:
        token = self._next(what)
        try:
            return parse_ipaddr(token)
        except ValueError:
            raise SkStackError(f"{what} is not an IPADDR", self.line) from None

    def addr64(self, what: str) -> bytes:
        return self.hex(what, 16).to_bytes(8, "big")

    def flag(self, what: str) -> int:
        token = self._next(what)
        if token not in ("0", "1"):
            raise SkStackError(f"{what} is not 0 or 1", self.line)
        return int(token)

    def text(self, what: str) -> str:
        return self._next(what)

    def done(self) -> None:
        if self._at != len(self._tokens):
            raise SkStackError("unexpected trailing fields", self.line)


class _PanDescriptorStart:
    """Marker: an ``EPANDESC`` line opened a block of indented fields."""


_PANDESC_FIELDS = {
    "Channel": ("channel", 2),
    "Channel Page": ("channel_page", 2),
    "Pan ID": ("pan_id", 4),
    "Addr": ("addr", 16),
    "LQI": ("lqi", 2),
    "Side": ("side", 1),
}


class SkStackParser:
    """The host's view of the serial line: feed bytes, take events.

    ``next_event()`` returns the next event, or None when more bytes are needed. It raises
    :class:`SkStackError` for a malformed line; the line is consumed, so the next call goes
    on with what follows. ``hex_data`` says whether ERXUDP data is hex ASCII (WOPT 01).
    """

    def __init__(self, *, hex_data: bool = False) -> None:
        self.hex_data = hex_data
        self._buffer = bytearray()
        self._skipping = False  # discarding the rest of a bad line, up to the next CRLF
        self._pandesc: dict[str, int | bytes | str] | None = None
        self._pandesc_lines: list[bytes] = []

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def next_event(self) -> SkStackEvent | None:
        buf = self._buffer
        while True:
            if self._skipping:
                end = buf.find(CRLF)
                if end < 0:
                    # Keep a trailing CR: it may be the first half of the CRLF that ends the line.
                    del buf[: len(buf) - 1 if buf.endswith(b"\r") else len(buf)]
                    return None
                del buf[: end + 2]
                self._skipping = False
            if self._pandesc is not None:
                result = self._pandesc_line()
                if result is None or not isinstance(result, _PanDescriptorStart):
                    return result
                continue
            if buf.startswith(_ERXUDP):
                return self._erxudp()
            if buf and len(buf) < len(_ERXUDP) and _ERXUDP.startswith(bytes(buf)):
                return None
            end = buf.find(CRLF)
            if end < 0:
                if len(buf) > MAX_LINE:
                    line = bytes(buf[:MAX_LINE])
                    self._skip()
                    raise SkStackError(f"no CRLF within {MAX_LINE} octets", line)
                return None
            line = bytes(buf[:end])
            del buf[: end + 2]
            if not line:
                continue  # blank lines (e.g. after EEDSCAN on VER 1.2.10) carry nothing
            parsed = _parse_line(line)
            if isinstance(parsed, _PanDescriptorStart):
                self._pandesc, self._pandesc_lines = {}, [line]
                continue
            return parsed

    def events(self) -> list[SkStackEvent]:
        """Every complete event buffered now (stops at, and raises, the first malformed line)."""
        out: list[SkStackEvent] = []
        while (event := self.next_event()) is not None:
            out.append(event)
        return out

    def _skip(self) -> None:
        self._skipping = True

    # -- EPANDESC ------------------------------------------------------------------------

    def _pandesc_line(self) -> SkStackEvent | _PanDescriptorStart | None:
        buf = self._buffer
        if len(buf) < 2:
            return None
        if not buf.startswith(b"  "):
            return self._pandesc_done()
        end = buf.find(CRLF)
        if end < 0:
            if len(buf) > MAX_LINE:
                line = bytes(buf[:MAX_LINE])
                self._pandesc = None
                self._skip()
                raise SkStackError("EPANDESC field without CRLF", line)
            return None
        line = bytes(buf[:end])
        del buf[: end + 2]
        self._pandesc_lines.append(line)
        assert self._pandesc is not None
        try:
            key, value = _text(line)[2:].split(":", 1)
        except ValueError:
            self._pandesc = None
            raise SkStackError("EPANDESC field is not <name>:<value>", line) from None
        if key == "PairID":
            if len(value) != 8 or not value.isalnum():
                self._pandesc = None
                raise SkStackError("PairID is not 8 characters", line)
            self._pandesc["pair_id"] = value
            return self._pandesc_done()
        if key not in _PANDESC_FIELDS:
            self._pandesc = None
            raise SkStackError(f"unknown EPANDESC field {key!r}", line)
        name, digits = _PANDESC_FIELDS[key]
        if len(value) != digits or not is_hex(value):
            self._pandesc = None
            raise SkStackError(f"EPANDESC {key} is not {digits} hex digits", line)
        self._pandesc[name] = bytes.fromhex(value) if name == "addr" else int(value, 16)
        return _PanDescriptorStart()  # go on reading fields

    def _pandesc_done(self) -> PanDescriptor:
        fields, lines = self._pandesc, b"\r\n".join(self._pandesc_lines)
        self._pandesc = None
        assert fields is not None
        missing = [k for k in ("channel", "channel_page", "pan_id", "addr", "lqi") if k not in fields]
        if missing:
            raise SkStackError(f"EPANDESC lacks {', '.join(missing)}", lines)
        if fields.get("side", 0) not in (0, 1):
            raise SkStackError("EPANDESC Side is not 0 or 1", lines)
        return PanDescriptor(**fields)  # type: ignore[arg-type]

    # -- ERXUDP --------------------------------------------------------------------------

    def _erxudp(self) -> UdpReceived | None:
        buf = self._buffer
        pos = len(_ERXUDP)
        tokens: list[bytes] = []
        while True:
            wanted = 7 if len(tokens) < 6 or len(tokens[5]) == 1 else 9
            if len(tokens) == wanted:
                break
            space = buf.find(b" ", pos, pos + 40)
            if space < 0:
                tail = bytes(buf[pos : pos + 40])
                if b"\r\n" in tail or len(tail) == 40:
                    line = bytes(buf[: buf.find(CRLF) if b"\r\n" in tail else pos + 40])
                    self._skip()
                    raise SkStackError("ERXUDP header is malformed", line)
                return None
            token = bytes(buf[pos:space])
            if not token or b"\r" in token or b"\n" in token:
                line = bytes(buf[:space])
                self._skip()
                raise SkStackError("ERXUDP header is malformed", line)
            tokens.append(token)
            pos = space + 1
        header = bytes(buf[: pos - 1])
        try:
            fields = _Fields(header, [t.decode("ascii") for t in tokens])
        except UnicodeDecodeError:
            self._skip()
            raise SkStackError("ERXUDP header is not ASCII", header) from None
        try:
            sender = fields.ipaddr("SENDER")
            dest = fields.ipaddr("DEST")
            rport = fields.hex("RPORT", 4)
            lport = fields.hex("LPORT", 4)
            sender_lla = fields.addr64("SENDERLLA")
            lqi = fields.hex("LQI", 2) if wanted == 9 else None
            secured = fields.flag("SECURED")
            side = fields.flag("SIDE") if wanted == 9 else None
            datalen = fields.hex("DATALEN", 4)
            if datalen > MAX_UDP_PAYLOAD:
                raise SkStackError(f"DATALEN {datalen:#06x} exceeds {MAX_UDP_PAYLOAD:#06x}", header)
        except SkStackError:
            self._skip()
            raise
        octets = datalen * 2 if self.hex_data else datalen
        if len(buf) < pos + octets + 2:
            return None
        raw = bytes(buf[pos : pos + octets])
        if buf[pos + octets : pos + octets + 2] != CRLF:
            del buf[: pos + octets]
            self._skip()
            raise SkStackError("ERXUDP data does not end with CRLF at DATALEN", header + b" " + raw)
        del buf[: pos + octets + 2]
        if self.hex_data:
            if raw and not is_hex(raw.decode("ascii", "replace")):
                raise SkStackError("ERXUDP data is not hex ASCII", header + b" " + raw)
            raw = bytes.fromhex(raw.decode("ascii"))
        return UdpReceived(
            sender=sender,
            dest=dest,
            rport=rport,
            lport=lport,
            sender_lla=sender_lla,
            secured=bool(secured),
            data=raw,
            lqi=lqi,
            side=side,
        )


def _text(line: bytes) -> str:
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise SkStackError("not ASCII", line) from None
    if not text.isprintable():
        raise SkStackError("control characters in a line", line)
    return text


def _parse_line(line: bytes) -> SkStackEvent | _PanDescriptorStart:
    text = _text(line)
    tokens = text.split(" ")
    keyword = tokens[0]
    fields = _Fields(line, tokens[1:])
    if keyword == "OK":
        if fields.left() > 1 or (fields.left() == 1 and not tokens[1]):
            raise SkStackError("OK with more than one detail", line)
        return Ok(detail=tokens[1] if fields.left() else "")
    if keyword == "FAIL":
        code = fields.text("error code")
        fields.done()
        if not _is_error_code(code):
            raise SkStackError("FAIL code is not ERxx", line)
        return Fail(code=code)
    if keyword == "EVENT":
        return _parse_event(fields)
    if keyword == "EPANDESC":
        fields.done()
        return _PanDescriptorStart()
    if keyword == "EINFO":
        info = {
            "ipaddr": fields.ipaddr("IPADDR"),
            "addr64": fields.addr64("ADDR64"),
            "channel": fields.hex("CHANNEL", 2),
            "pan_id": fields.hex("PANID", 4),
            "addr16": fields.hex("ADDR16", 4),
        }
        side = fields.flag("SIDE") if fields.left() else None
        fields.done()
        return InfoReply(**info, side=side)  # type: ignore[arg-type]
    if keyword in ("EVER", "EAPPVER", "ESREG"):
        value = fields.text("value")
        fields.done()
        if not value:
            raise SkStackError(f"{keyword} without a value", line)
        if keyword == "EVER":
            return VersionReply(version=value)
        if keyword == "EAPPVER":
            return AppVersionReply(version=value)
        return RegisterValue(value=value)
    if len(tokens) == 1 and len(text) == 39 and text.count(":") == 7:
        try:
            return Ipv6Address(address=parse_ipaddr(text))
        except ValueError:
            raise SkStackError("not an IPADDR", line) from None
    if keyword.startswith(_ECHO_PREFIXES) and keyword.isalnum() and keyword.isupper():
        return CommandEcho(line=text)
    raise SkStackError("not an SKSTACK-IP line", line)


def _parse_event(fields: _Fields) -> Event:
    number = fields.hex("NUM", 2)
    if not fields.left():
        return Event(number=number)
    sender = fields.ipaddr("SENDER")
    side: int | None = None
    param: int | None = None
    if number == EventNumber.UDP_SENT:
        if fields.left() == 2:
            side = fields.flag("SIDE")
        param = fields.hex("PARAM", 2)
    elif fields.left():
        side = fields.flag("SIDE")
    fields.done()
    return Event(number=number, sender=sender, param=param, side=side)


def register_value(register: str, reply: RegisterValue) -> int | bool | str:
    """The typed value of an ESREG reply to ``SKSREG <register>``."""
    name, kind = _register(register)
    try:
        return _REGISTER_KINDS[kind][1](reply.value)
    except ValueError:
        raise SkStackError(f"{name} value does not fit the register", reply.value.encode()) from None


# -- commands (the host's side) ---------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class Command:
    """A command as the module reads it: name, arguments and, for SKSENDTO, the data."""

    name: str
    args: tuple[str, ...] = ()
    data: bytes | None = None

    def __post_init__(self) -> None:
        _check_text(self.name, "name")
        object.__setattr__(self, "args", tuple(self.args))
        for arg in self.args:
            _check_text(arg, "argument")
        if self.data is not None:
            object.__setattr__(self, "data", _check_bytes(self.data, "data"))
            if self.name != "SKSENDTO":
                raise BenchUsageError("only SKSENDTO carries data")

    def __repr__(self) -> str:
        line = _masked(" ".join((self.name, *self.args)))
        data = "" if self.data is None else f", data=<{len(self.data)} octets>"
        return f"Command({line!r}{data})"


def _masked(line: str) -> str:
    """A command line fit for a log: the SKSETPWD password is replaced (DESIGN.md rule 8)."""
    if line.startswith("SKSETPWD "):
        return " ".join([*line.split(" ")[:2], "********"])
    return line


def encode_command(command: Command) -> bytes:
    """The octets the host writes: the line and CRLF, or for SKSENDTO the line, a space and
    the data with no CRLF (3.7: the module reads DATALEN octets)."""
    line = " ".join((command.name, *command.args)).encode()
    if command.data is not None:
        return line + b" " + command.data
    return line + CRLF


def _simple(name: str, *args: str) -> bytes:
    return encode_command(Command(name=name, args=args))


def skver() -> bytes:
    """3.23: the SKSTACK-IP firmware version, answered with EVER."""
    return _simple("SKVER")


def skappver() -> bytes:
    """3.24: the application firmware version, answered with EAPPVER."""
    return _simple("SKAPPVER")


def skinfo() -> bytes:
    """3.2: the module's own addresses, channel and PAN, answered with EINFO."""
    return _simple("SKINFO")


def skreset() -> bytes:
    """3.25: back to the power-on state (sessions end, registers reset)."""
    return _simple("SKRESET")


def skstart() -> bytes:
    """3.3: start as PAN coordinator and PANA authentication agent (PAA) on S02/S03."""
    return _simple("SKSTART")


def skjoin(addr: bytes) -> bytes:
    """3.4: authenticate with PANA as a client (PaC) against the coordinator ``addr``."""
    return _simple("SKJOIN", format_ipaddr(_check_bytes(addr, "addr", 16)))


def skterm(peer: bytes | None = None) -> bytes:
    """3.6: end the PANA session. The manual's SKTERM takes no argument (one session); a
    coordinator serving several terminals is given the peer's address here, which the
    bench's emulator accepts and a real module may refuse with FAIL ER05."""
    if peer is None:
        return _simple("SKTERM")
    return _simple("SKTERM", format_ipaddr(_check_bytes(peer, "peer", 16)))


def skll64(mac: bytes) -> bytes:
    """3.29: the link-local IPv6 address of an EUI-64, answered with the bare address."""
    return _simple("SKLL64", _check_bytes(mac, "mac", 8).hex().upper())


def sksetpwd(password: str) -> bytes:
    """3.16: the PANA password, 1 to 32 ASCII characters, its length in hex first."""
    _check_text(password, "password")
    if not 1 <= len(password) <= 32:
        raise BenchUsageError("SKSETPWD takes 1 to 32 characters")
    return _simple("SKSETPWD", f"{len(password):X}", password)


def sksetrbid(rbid: str) -> bytes:
    """3.17: the authentication ID, 32 ASCII characters. The module also copies its last
    8 characters into S0A (the Pairing ID), so set S0A after this command."""
    _check_text(rbid, "rbid")
    if len(rbid) != 32:
        raise BenchUsageError(f"SKSETRBID takes 32 characters, got {len(rbid)}")
    return _simple("SKSETRBID", rbid)


def skudpport(handle: int, port: int) -> bytes:
    """3.19: listen on UDP ``port`` with ``handle`` 1..6 (port 0 closes the handle)."""
    _check_int(handle, "handle", 1, 6)
    _check_int(port, "port", 0, 0xFFFF)
    return _simple("SKUDPPORT", f"{handle:X}", f"{port:04X}")


def skscan(mode: int, channel_mask: int, duration: int, *, side: int | None = None) -> bytes:
    """3.9: mode 0 ED scan, 2 active scan with the Pairing ID (3 without); ``side`` on BP35C0."""
    _check_int(mode, "mode", 0, 3)
    _check_int(channel_mask, "channel_mask", 0, 0xFFFFFFFF)
    _check_int(duration, "duration", 0, 14)
    args = [f"{mode:X}", f"{channel_mask:08X}", f"{duration:X}"]
    if side is not None:
        _check_side(side)
        args.append(f"{side:X}")
    return _simple("SKSCAN", *args)


def sksendto(
    handle: int, addr: bytes, port: int, secured: bool, data: bytes, *, side: int | None = None
) -> bytes:
    """3.7: send ``data`` from the handle's port to ``addr``:``port``.

    SEC 1 sends only if the link can be secured (EVENT 21 reports failure otherwise), SEC 0
    sends in the clear; the manual's SEC 2 (encrypt if able) is deliberately not offered:
    a conformance bench must know which it asked for. ``side`` is BP35C0's extra field.
    """
    _check_int(handle, "handle", 1, 6)
    _check_int(port, "port", 0, 0xFFFF)
    if not isinstance(secured, bool):
        raise BenchUsageError("secured is a bool")
    data = _check_bytes(data, "data")
    if not 1 <= len(data) <= MAX_UDP_PAYLOAD:
        raise BenchUsageError(f"SKSENDTO takes 1 to {MAX_UDP_PAYLOAD} octets, got {len(data)}")
    destination = format_ipaddr(_check_bytes(addr, "addr", 16))
    args = [f"{handle:X}", destination, f"{port:04X}", "1" if secured else "0"]
    if side is not None:
        _check_side(side)
        args.append(f"{side:X}")
    args.append(f"{len(data):04X}")
    return encode_command(Command(name="SKSENDTO", args=tuple(args), data=data))


def ropt() -> bytes:
    """Read the option register (BP35A1/BP35C0): ``OK 00`` binary ERXUDP data, ``OK 01`` hex."""
    return b"ROPT\r"


def wopt(hex_data: bool) -> bytes:
    """Write the option register; it is stored in flash, which allows few writes."""
    return b"WOPT 01\r" if hex_data else b"WOPT 00\r"


# SKSREG registers (3.1): name -> kind; the kinds say how values are written and read.
_REGISTER_KINDS = {
    "channel": (lambda v: f"{v:02X}", lambda s: _parse_hex(s, 2, 0x21, 0x3C)),
    "uint16": (lambda v: f"{v:04X}", lambda s: _parse_hex(s, 4, 0, 0xFFFF)),
    "uint32": (lambda v: f"{v:X}", lambda s: _parse_hex(s, 8, 0, 0xFFFFFFFF)),
    "uint64": (lambda v: f"{v:X}", lambda s: _parse_hex(s, 16, 0, 2**64 - 1)),
    "char8": (lambda v: v, lambda s: _parse_char8(s)),
    "bool": (lambda v: "1" if v else "0", lambda s: _parse_bool(s)),
}
REGISTERS: dict[str, tuple[str, bool]] = {  # name -> (kind, writable)
    "S02": ("channel", True),  # channel, 0x21 (33) .. 0x3C (60)
    "S03": ("uint16", True),  # PAN ID
    "S07": ("uint32", False),  # MAC frame counter
    "S0A": ("char8", True),  # Pairing ID
    "S15": ("bool", True),  # answer beacon requests
    "S16": ("uint32", True),  # PANA session lifetime, seconds, at least 60
    "S17": ("bool", True),  # automatic re-authentication
    "SA0": ("bool", True),  # encrypt IP multicast
    "SA1": ("bool", True),  # answer ICMP echo
    "SFB": ("bool", False),  # ARIB transmission limit active
    "SFD": ("uint64", False),  # accumulated transmission time, ms
    "SFE": ("bool", True),  # echo back
    "SFF": ("bool", True),  # load the saved settings at start-up
}


def _parse_hex(text: str, max_digits: int, low: int, high: int) -> int:
    if not 1 <= len(text) <= max_digits or not is_hex(text):
        raise ValueError(text)
    value = int(text, 16)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def _parse_bool(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(text)
    return text == "1"


def _parse_char8(text: str) -> str:
    if len(text) != 8 or not text.isascii() or not text.isprintable() or " " in text:
        raise ValueError(text)
    return text


def _register(register: str) -> tuple[str, str]:
    """Canonical register name ('S2' and 's02' are 'S02') and its kind."""
    well_formed = isinstance(register, str) and len(register) >= 2 and register[0] in "Ss"
    if not well_formed or not is_hex(register[1:]):
        raise BenchUsageError(f"not an SKSREG register name: {register!r}")
    name = f"S{int(register[1:], 16):02X}"
    if name not in REGISTERS:
        raise BenchUsageError(f"register {name} is not modelled (known: {', '.join(REGISTERS)})")
    return name, REGISTERS[name][0]


def sksreg(register: str, value: int | bool | str | None = None) -> bytes:
    """3.1: write ``value`` into ``register``, or read it (answered with ESREG) when None."""
    name, kind = _register(register)
    if value is None:
        return _simple("SKSREG", name)
    if not REGISTERS[name][1]:
        raise BenchUsageError(f"register {name} is read-only")
    if kind == "bool":
        if not isinstance(value, bool):
            raise BenchUsageError(f"{name} takes a bool")
    elif kind == "char8":
        if not isinstance(value, str) or len(_check_text(value, name)) != 8:
            raise BenchUsageError(f"{name} takes 8 characters")
    else:
        low, high = {"channel": (0x21, 0x3C), "uint16": (0, 0xFFFF), "uint32": (0, 0xFFFFFFFF)}[kind]
        if name == "S16":
            low = 60
        _check_int(value, name, low, high)
    return _simple("SKSREG", name, _REGISTER_KINDS[kind][0](value))


def parse_register_write(register: str, text: str) -> int | bool | str:
    """The module's side of SKSREG: the typed value of ``text`` for ``register``.

    Raises ValueError when the value is out of the register's range (the module's ER06)
    and BenchUsageError for an unknown register.
    """
    name, kind = _register(register)
    value = _REGISTER_KINDS[kind][1](text)
    if name == "S16" and isinstance(value, int) and value < 60:
        raise ValueError(text)
    return value


def canonical_register(register: str) -> str:
    return _register(register)[0]


# -- reading commands (the module's side) -------------------------------------------------


class CommandReader:
    """The module's view of the serial line: feed the host's bytes, take :class:`Command`.

    Lines end with CR, LF or CRLF (hosts differ: momonga ends ROPT with a bare CR). SKSENDTO
    is framed by DATALEN. ``next_command()`` raises :class:`SkStackError` for a malformed
    command (the module answers FAIL ER06 or ER09) and goes on with the next line.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> None:
        self._buffer += data

    def next_command(self) -> Command | None:
        buf = self._buffer
        while True:
            while buf[:1] in (b"\r", b"\n"):
                del buf[:1]
            if not buf:
                return None
            if buf.startswith(b"SKSENDTO "):
                return self._sksendto()
            ends = [i for i in (buf.find(b"\r"), buf.find(b"\n")) if i >= 0]
            if not ends:
                if len(buf) > MAX_LINE:
                    line = bytes(buf)
                    buf.clear()
                    raise SkStackError(f"no end of line within {MAX_LINE} octets", line)
                return None
            end = min(ends)
            line = bytes(buf[:end])
            del buf[: end + 1]
            text = _text(line)
            tokens = [t for t in text.split(" ") if t]
            if not tokens:
                continue
            return Command(name=tokens[0], args=tuple(tokens[1:]))

    def _sksendto(self) -> Command | None:
        buf = self._buffer
        pos = len(b"SKSENDTO ")
        tokens: list[bytes] = []
        while True:
            wanted = 5 if len(tokens) < 5 or len(tokens[4]) == 4 else 6
            if len(tokens) == wanted:
                break
            space = buf.find(b" ", pos, pos + 40)
            if space < 0:
                tail = bytes(buf[pos : pos + 40])
                if b"\r" in tail or b"\n" in tail or len(tail) == 40:
                    return self._bad_sksendto(pos + len(tail), "SKSENDTO header is malformed")
                return None
            token = bytes(buf[pos:space])
            if not token or b"\r" in token or b"\n" in token:
                return self._bad_sksendto(space, "SKSENDTO header is malformed")
            tokens.append(token)
            pos = space + 1
        length = tokens[-1]
        if len(length) != 4 or not is_hex(length.decode("ascii", "replace")):
            return self._bad_sksendto(pos, "SKSENDTO DATALEN is not 4 hex digits")
        datalen = int(length, 16)
        if not 1 <= datalen <= MAX_UDP_PAYLOAD:
            return self._bad_sksendto(pos, f"SKSENDTO DATALEN {datalen:#06x} out of range")
        if len(buf) < pos + datalen:
            return None
        header = bytes(buf[: pos - 1])
        data = bytes(buf[pos : pos + datalen])
        del buf[: pos + datalen]
        text = _text(header)
        return Command(name="SKSENDTO", args=tuple(text.split(" ")[1:]), data=data)

    def _bad_sksendto(self, upto: int, message: str) -> NoReturn:
        """Drop the broken command through the end of its line and report it."""
        buf = self._buffer
        ends = [i for i in (buf.find(b"\r", upto), buf.find(b"\n", upto)) if i >= 0]
        cut = min(ends) + 1 if ends else len(buf)
        line = bytes(buf[:cut])
        del buf[:cut]
        raise SkStackError(message, line)
