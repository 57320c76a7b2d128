"""What the host writes to an SKSTACK-IP module (command reference ch. 3), and the module's
side of reading it (:class:`CommandReader`, the emulator's).

Each function returns the octets of one command, checked against the manual first: a
command the manual forbids is a bench bug (``BenchUsageError``), never written. The
product configuration commands ROPT and WOPT end with CR alone, and so do their answers
(BP35A1 reference 3.30-3.31); SKSENDTO ends with its data, framed by DATALEN (3.7).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from conformance.protocols.errors import BenchUsageError
from conformance.protocols.skstack.events import RegisterValue
from conformance.protocols.skstack.fields import (
    CRLF,
    MAX_LINE,
    MAX_UDP_PAYLOAD,
    SkStackError,
    ascii_text,
    check_bytes,
    check_int,
    check_side,
    check_text,
    format_ipaddr,
    is_hex,
    masked,
)


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
        check_text(self.name, "name")
        object.__setattr__(self, "args", tuple(self.args))
        for arg in self.args:
            check_text(arg, "argument")
        if self.data is not None:
            object.__setattr__(self, "data", check_bytes(self.data, "data"))
            if self.name != "SKSENDTO":
                raise BenchUsageError("only SKSENDTO carries data")

    def __repr__(self) -> str:
        line = masked(" ".join((self.name, *self.args)))
        data = "" if self.data is None else f", data=<{len(self.data)} octets>"
        return f"Command({line!r}{data})"


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
    return _simple("SKJOIN", format_ipaddr(check_bytes(addr, "addr", 16)))


def skterm() -> bytes:
    """3.6: end the PANA session. No argument: a module holds one session, from either role
    (BP35A1 reference 3.6 as EchoDotNetLite's ``SKTermCommand`` quotes it; smdn's
    ``SendSKTERMAsync``; momonga's ``skterm``); EVENT 27 or 28 follows."""
    return _simple("SKTERM")


def skll64(mac: bytes) -> bytes:
    """3.29: the link-local IPv6 address of an EUI-64, answered with the bare address."""
    return _simple("SKLL64", check_bytes(mac, "mac", 8).hex().upper())


def sksetpwd(password: str) -> bytes:
    """3.16: the PANA password, 1 to 32 ASCII characters, its length in hex first."""
    check_text(password, "password")
    if not 1 <= len(password) <= 32:
        raise BenchUsageError("SKSETPWD takes 1 to 32 characters")
    return _simple("SKSETPWD", f"{len(password):X}", password)


def sksetrbid(rbid: str) -> bytes:
    """3.17: the authentication ID, 32 ASCII characters. The module also copies its last
    8 characters into S0A (the Pairing ID), so set S0A after this command."""
    check_text(rbid, "rbid")
    if len(rbid) != 32:
        raise BenchUsageError(f"SKSETRBID takes 32 characters, got {len(rbid)}")
    return _simple("SKSETRBID", rbid)


def skudpport(handle: int, port: int) -> bytes:
    """3.19: listen on UDP ``port`` with ``handle`` 1..6 (port 0 closes the handle)."""
    check_int(handle, "handle", 1, 6)
    check_int(port, "port", 0, 0xFFFF)
    return _simple("SKUDPPORT", f"{handle:X}", f"{port:04X}")


def skscan(mode: int, channel_mask: int, duration: int, *, side: int | None = None) -> bytes:
    """3.9: mode 0 ED scan, 2 active scan with the Pairing ID (3 without); ``side`` is the C
    family's last argument (momonga's BP35C2 strategy: ``SKSCAN 2 FFFFFFFF 6 0``)."""
    check_int(mode, "mode", 0, 3)
    check_int(channel_mask, "channel_mask", 0, 0xFFFFFFFF)
    check_int(duration, "duration", 0, 14)
    args = [f"{mode:X}", f"{channel_mask:08X}", f"{duration:X}"]
    if side is not None:
        check_side(side)
        args.append(f"{side:X}")
    return _simple("SKSCAN", *args)


def sksendto(
    handle: int, addr: bytes, port: int, secured: bool, data: bytes, *, side: int | None = None
) -> bytes:
    """3.7: send ``data`` from the handle's port to ``addr``:``port``.

    SEC 1 sends only if the link can be secured (EVENT 21 reports failure otherwise), SEC 0
    sends in the clear; the manual's SEC 2 (encrypt if able) is deliberately not offered:
    a conformance bench must know which it asked for. ``side`` is the C family's argument
    after SEC (momonga's BP35C2 strategy; ``SKSENDTO 1 <addr> 0E1A 1 0 <len>``): without it
    a BP35C2 answers FAIL ER05.
    """
    check_int(handle, "handle", 1, 6)
    check_int(port, "port", 0, 0xFFFF)
    if not isinstance(secured, bool):
        raise BenchUsageError("secured is a bool")
    data = check_bytes(data, "data")
    if not 1 <= len(data) <= MAX_UDP_PAYLOAD:
        raise BenchUsageError(f"SKSENDTO takes 1 to {MAX_UDP_PAYLOAD} octets, got {len(data)}")
    destination = format_ipaddr(check_bytes(addr, "addr", 16))
    args = [f"{handle:X}", destination, f"{port:04X}", "1" if secured else "0"]
    if side is not None:
        check_side(side)
        args.append(f"{side:X}")
    args.append(f"{len(data):04X}")
    return encode_command(Command(name="SKSENDTO", args=tuple(args), data=data))


def ropt() -> bytes:
    """3.31: read the option register, ``OK 00`` binary ERXUDP data, ``OK 01`` hex ASCII.
    A product configuration command: it and its answer end with CR alone (smdn's
    ``BP35CommandSyntax``); arm the parser with ``expect_bare_cr`` before writing it."""
    return b"ROPT\r"


def wopt(hex_data: bool) -> bytes:
    """3.30: write the option register, answered ``OK`` + CR; it is stored in flash, which
    allows few writes, so write it only when ROPT shows another value."""
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
    "SA2": ("bool", True),  # C family: ERXUDP carries an RSSI column (public BP35C2 clients)
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
        if not isinstance(value, str) or len(check_text(value, name)) != 8:
            raise BenchUsageError(f"{name} takes 8 characters")
    else:
        low, high = {"channel": (0x21, 0x3C), "uint16": (0, 0xFFFF), "uint32": (0, 0xFFFFFFFF)}[kind]
        if name == "S16":
            low = 60
        check_int(value, name, low, high)
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
            text = ascii_text(line)
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
        text = ascii_text(header)
        return Command(name="SKSENDTO", args=tuple(text.split(" ")[1:]), data=data)

    def _bad_sksendto(self, upto: int, message: str) -> NoReturn:
        """Drop the broken command through the end of its line and report it."""
        buf = self._buffer
        ends = [i for i in (buf.find(b"\r", upto), buf.find(b"\n", upto)) if i >= 0]
        cut = min(ends) + 1 if ends else len(buf)
        line = bytes(buf[:cut])
        del buf[:cut]
        raise SkStackError(message, line)
