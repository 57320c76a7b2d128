"""Reading what the module prints (the host's side), sans-IO, as h11's ``Connection`` does:
feed bytes as they come off the port, take one event at a time.

Framing. Lines end with CRLF, except the answers to the product configuration commands
(ROPT, WOPT), which end with CR alone (BP35A1 reference 3.30-3.31, as smdn's
``BP35CommandSyntax`` and momonga's ``_exec_ropt`` read them): the host arms the parser with
:meth:`SkStackParser.expect_bare_cr` before it writes one. An LF at the start of a line is
skipped, so a module that does end those answers with CRLF reads the same. ``ERXUDP`` data is
framed by DATALEN, not by CRLF, since binary data may contain CR LF (4.1).

Layouts. One parser reads both families (``models.py``): the fields of a line are told apart
by their width, as the manual fixes it (SIDE and SECURED one digit, RSSI two, DATALEN and
ADDR16 four), so ``EVENT 21 <addr> 0 00`` (C) and ``EVENT 21 <addr> 00`` (A1) both parse, and
ERXUDP with or without the RSSI column of register SA2.

Errors. A malformed line raises :class:`SkStackError` with its octets and is consumed: the
next call goes on with what follows, so garbage costs a finding, never the run. A bench-side
exception never comes out of :meth:`SkStackParser.next_event`. A lying DATALEN that runs past
the next CRLF costs only its own line: when the octet after the data is not the line's end,
parsing resumes after the first CRLF inside the claimed data. One that claims more than ever
comes would hold the parser forever, so the host calls :meth:`SkStackParser.abandon_partial`
once the line has been quiet for a while.
"""

from __future__ import annotations

from conformance.protocols.errors import BenchUsageError
from conformance.protocols.skstack.events import (
    AppVersionReply,
    CommandEcho,
    Event,
    Fail,
    InfoReply,
    Ipv6Address,
    Ok,
    PanDescriptor,
    RegisterValue,
    SkStackEvent,
    UdpReceived,
    VersionReply,
)
from conformance.protocols.skstack.fields import (
    CR,
    CRLF,
    MAX_LINE,
    MAX_UDP_PAYLOAD,
    EventNumber,
    SkStackError,
    ascii_text,
    is_error_code,
    is_hex,
    parse_ipaddr,
)

_ERXUDP = b"ERXUDP "
_ECHO_PREFIXES = ("SK", "WOPT", "ROPT", "WUART", "RUART")
_MAX_ERXUDP_TOKENS = 9  # SENDER DEST RPORT LPORT SENDERLLA [RSSI] SECURED [SIDE] DATALEN


class _Fields:
    """Tokens of one line, each read with the type the manual gives it."""

    def __init__(self, line: bytes, tokens: list[str]) -> None:
        self.line = line
        self._tokens = tokens
        self._at = 0

    def left(self) -> int:
        return len(self._tokens) - self._at

    def peek_width(self) -> int:
        return len(self._tokens[self._at]) if self.left() else 0

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
    :class:`SkStackError` for a malformed line; the line is consumed. ``hex_data`` says
    whether ERXUDP data is hex ASCII (WOPT 01, or a C-family module without ROPT).
    """

    def __init__(self, *, hex_data: bool = False) -> None:
        self.hex_data = hex_data
        self._buffer = bytearray()
        self._skipping = False  # discarding the rest of a bad line, up to the next CRLF
        self._bare_cr = False  # the next status line may end with CR alone (ROPT, WOPT)
        self._pandesc: dict[str, int | bytes | str] | None = None
        self._pandesc_lines: list[bytes] = []

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def expect_bare_cr(self, armed: bool = True) -> None:
        """The host is about to write ROPT or WOPT: their answer may end with CR alone."""
        self._bare_cr = armed

    def reset(self) -> bytes:
        """Forget everything buffered (after a resynchronisation); returns what was dropped."""
        dropped = bytes(self._buffer)
        self._buffer.clear()
        self._skipping, self._pandesc, self._pandesc_lines = False, None, []
        return dropped

    def abandon_partial(self) -> SkStackError | None:
        """Give up the incomplete line buffered now (the line went quiet mid-line): it is
        returned as the error it is, and what follows its first CRLF is parsed again."""
        buf = self._buffer
        if not buf or self._skipping:
            dropped = self.reset()
            return (
                SkStackError("incomplete line, abandoned when the line went quiet", dropped)
                if dropped
                else None
            )
        cut = buf.find(CRLF)
        line = bytes(buf[:cut] if cut >= 0 else buf)
        del buf[: cut + 2 if cut >= 0 else len(buf)]
        self._pandesc, self._pandesc_lines = None, []
        return SkStackError("incomplete line, abandoned when the line went quiet", line)

    def next_event(self) -> SkStackEvent | None:
        try:
            return self._next_event()
        except SkStackError:
            raise
        except (BenchUsageError, ValueError) as exc:
            # Defence in depth: a value the dataclasses refuse is the module's mistake.
            raise SkStackError(f"field out of range ({exc})", bytes(self._buffer[:120])) from None

    def events(self) -> list[SkStackEvent]:
        """Every complete event buffered now (stops at, and raises, the first malformed line)."""
        out: list[SkStackEvent] = []
        while (event := self.next_event()) is not None:
            out.append(event)
        return out

    def _next_event(self) -> SkStackEvent | None:
        buf = self._buffer
        while True:
            if self._skipping:
                end = buf.find(CRLF)
                if end < 0:
                    # Keep a trailing CR: it may be the first half of the CRLF that ends the line.
                    del buf[: len(buf) - 1 if buf.endswith(CR) else len(buf)]
                    return None
                del buf[: end + 2]
                self._skipping = False
            if self._pandesc is not None:
                result = self._pandesc_line()
                if result is None or not isinstance(result, _PanDescriptorStart):
                    return result
                continue
            while buf[:1] == b"\n":
                del buf[:1]  # the LF of a CR-terminated answer sent as CRLF after all
            if buf.startswith(_ERXUDP):
                return self._erxudp()
            if buf and len(buf) < len(_ERXUDP) and _ERXUDP.startswith(bytes(buf)):
                return None
            end, width = self._line_end()
            if end < 0:
                if len(buf) > MAX_LINE:
                    line = bytes(buf[:MAX_LINE])
                    self._skip()
                    raise SkStackError(f"no CRLF within {MAX_LINE} octets", line)
                return None
            line = bytes(buf[:end])
            del buf[: end + width]
            if not line:
                continue  # blank lines (e.g. after EEDSCAN on VER 1.2.10) carry nothing
            parsed = _parse_line(line)
            if isinstance(parsed, _PanDescriptorStart):
                self._pandesc, self._pandesc_lines = {}, [line]
                continue
            if self._bare_cr and isinstance(parsed, Ok | Fail):
                self._bare_cr = False
            return parsed

    def _line_end(self) -> tuple[int, int]:
        """Where the line at the buffer's start ends, and how long its terminator is."""
        buf = self._buffer
        if self._bare_cr:
            # Armed: CR ends a line; an LF right after it is part of the same end, and one
            # that arrives later is skipped as the next line's first octet.
            cr = buf.find(CR)
            if cr < 0:
                return -1, 0
            return cr, 2 if buf[cr + 1 : cr + 2] == b"\n" else 1
        return buf.find(CRLF), 2

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
            key, value = ascii_text(line)[2:].split(":", 1)
        except (ValueError, SkStackError):
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
        while not (len(tokens) >= 7 and len(tokens[-1]) == 4):
            if len(tokens) >= _MAX_ERXUDP_TOKENS:
                return self._bad_header(pos, "ERXUDP header has no DATALEN where the manual puts it")
            space = buf.find(b" ", pos, pos + 40)
            if space < 0:
                tail = bytes(buf[pos : pos + 40])
                if b"\r" in tail or b"\n" in tail or len(tail) == 40:
                    return self._bad_header(pos, "ERXUDP header is malformed")
                return None
            token = bytes(buf[pos:space])
            if not token or b"\r" in token or b"\n" in token:
                return self._bad_header(pos, "ERXUDP header is malformed")
            tokens.append(token)
            pos = space + 1
        header = bytes(buf[: pos - 1])
        try:
            fields = _Fields(header, [t.decode("ascii") for t in tokens])
        except UnicodeDecodeError:
            return self._bad_header(pos, "ERXUDP header is not ASCII")
        try:
            sender = fields.ipaddr("SENDER")
            dest = fields.ipaddr("DEST")
            rport = fields.hex("RPORT", 4)
            lport = fields.hex("LPORT", 4)
            sender_lla = fields.addr64("SENDERLLA")
            rssi = fields.hex("RSSI", 2) if fields.peek_width() == 2 else None
            secured = fields.flag("SECURED")
            side = fields.flag("SIDE") if fields.peek_width() == 1 else None
            datalen = fields.hex("DATALEN", 4)
            fields.done()
            if datalen > MAX_UDP_PAYLOAD:
                raise SkStackError(f"DATALEN {datalen:#06x} exceeds {MAX_UDP_PAYLOAD:#06x}", header)
        except SkStackError:
            self._skip()
            raise
        octets = datalen * 2 if self.hex_data else datalen
        if self.hex_data:
            # Hex data cannot contain CR: a short line shows itself as soon as its CRLF arrives.
            seen = bytes(buf[pos : pos + octets])
            if seen and not is_hex(seen.decode("ascii", "replace")):
                return self._lying_datalen(pos, octets, header)
        if len(buf) < pos + octets + 2:
            return None
        raw = bytes(buf[pos : pos + octets])
        if buf[pos + octets : pos + octets + 2] != CRLF:
            return self._lying_datalen(pos, octets, header)
        del buf[: pos + octets + 2]
        if self.hex_data:
            raw = bytes.fromhex(raw.decode("ascii"))
        return UdpReceived(
            sender=sender,
            dest=dest,
            rport=rport,
            lport=lport,
            sender_lla=sender_lla,
            secured=bool(secured),
            data=raw,
            rssi=rssi,
            side=side,
        )

    def _bad_header(self, upto: int, message: str) -> None:
        buf = self._buffer
        end = buf.find(CRLF)
        line = bytes(buf[: end if end >= 0 else upto])
        self._skip()
        raise SkStackError(message, line)

    def _lying_datalen(self, pos: int, octets: int, header: bytes) -> None:
        """The data does not end where DATALEN says: drop this line only, up to the first
        CRLF after its header, and parse what follows it again."""
        buf = self._buffer
        end = buf.find(CRLF, pos)
        cut = end + 2 if end >= 0 else len(buf)
        line = bytes(buf[: end if end >= 0 else len(buf)])
        del buf[:cut]
        if end < 0:
            self._skip()
        raise SkStackError(f"ERXUDP data does not end at DATALEN ({octets} octets)", line or header)


def _parse_line(line: bytes) -> SkStackEvent | _PanDescriptorStart:
    text = ascii_text(line)
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
        if not is_error_code(code):
            raise SkStackError("FAIL code is not ERxx", line)
        return Fail(code=code)
    if keyword == "EVENT":
        return _parse_event(fields)
    if keyword == "EPANDESC":
        fields.done()
        return _PanDescriptorStart()
    if keyword == "EINFO":
        return _parse_info(fields)
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


def _parse_info(fields: _Fields) -> InfoReply:
    ipaddr = fields.ipaddr("IPADDR")
    addr64 = fields.addr64("ADDR64")
    channel = fields.hex("CHANNEL", 2)
    pan_id = fields.hex("PANID", 4)
    # A1 family: ADDR16 (4 digits); C family: SIDE (1 digit) in its place (momonga reads
    # field 5 as the side); a module printing both is read too.
    addr16 = fields.hex("ADDR16", 4) if fields.peek_width() == 4 else None
    side = fields.flag("SIDE") if fields.left() else None
    fields.done()
    if addr16 is None and side is None:
        raise SkStackError("EINFO without ADDR16 or SIDE", fields.line)
    return InfoReply(ipaddr=ipaddr, addr64=addr64, channel=channel, pan_id=pan_id, addr16=addr16, side=side)


def _parse_event(fields: _Fields) -> Event:
    number = fields.hex("NUM", 2)
    if not fields.left():
        if number != EventNumber.WAKEUP:
            # 4.8: every EVENT but C0 names the sender of the message that caused it.
            raise SkStackError(f"EVENT {number:02X} without a sender", fields.line)
        return Event(number=number)
    sender = fields.ipaddr("SENDER")
    side = fields.flag("SIDE") if fields.peek_width() == 1 else None
    param: int | None = None
    if number == EventNumber.UDP_SENT:
        param = fields.hex("PARAM", 2)
    fields.done()
    return Event(number=number, sender=sender, param=param, side=side)
