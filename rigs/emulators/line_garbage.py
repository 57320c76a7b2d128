"""Malformed lines an emulated SKSTACK-IP module prints at random, seeded: what a flaky
module, a noisy UART or a firmware with a bug puts on the serial line between its real
lines (issue 15: one such line must not end a HIL run).

Each kind is a line the parser must refuse (``conformance/protocols/skstack/parser.py``)
or an event the bench must ignore; every one ends with CRLF, so it costs its own line and
never the module's next one. A quarter of the time the noise lands on a real line instead:
the module's next EVENT or ERXUDP is cut short, and what it said is lost. They come at
exponentially distributed intervals of rig time (a Poisson process, as independent noise
arrives), from their own random stream of the run's seed, so a run replays exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from conformance.protocols import skstack as sk

# A link-local address of the shape the module prints (4.8's SENDER).
_SENDER = "FE80:0000:0000:0000:021D:1290:1234:5678"
_ERXUDP_HEADER = f"ERXUDP {_SENDER} {_SENDER} 0E1A 0E1A 001D129012345678 1"


def _no_sender(rng: random.Random, last_command: str) -> bytes:
    return b"EVENT 21"  # the line of issue 15: every EVENT but C0 names its sender (4.8)


def _bad_sender(rng: random.Random, last_command: str) -> bytes:
    return f"EVENT 25 {_SENDER[:-4]}XYZW".encode()


def _unknown_event(rng: random.Random, last_command: str) -> bytes:
    # A number no reference lists: a well-formed line the bench has no use for.
    return f"EVENT {rng.choice((0x7F, 0x99, 0xEE)):02X} {_SENDER}".encode()


def _short_erxudp(rng: random.Random, last_command: str) -> bytes:
    return f"ERXUDP {_SENDER} {_SENDER} 0E1A".encode()


def _lying_datalen(rng: random.Random, last_command: str) -> bytes:
    return f"{_ERXUDP_HEADER} 0010 ABCD".encode()


def _bad_hex(rng: random.Random, last_command: str) -> bytes:
    # One octet: not two hex digits when the data is hex ASCII, one octet too many when binary.
    return f"{_ERXUDP_HEADER} 0001 G?".encode()


def _bad_pandesc(rng: random.Random, last_command: str) -> bytes:
    return b"EPANDESC\r\n  Channel:ZZ"


def _truncated(rng: random.Random, last_command: str) -> bytes:
    line = f"EVENT 25 {_SENDER}"
    return line[: rng.randrange(7, len(line) - 1)].encode()


def _overlong(rng: random.Random, last_command: str) -> bytes:
    return b"EVENT 25 " + b"F" * (sk.MAX_LINE + rng.randrange(1, 64))


def _noise(rng: random.Random, last_command: str) -> bytes:
    octets = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
    return b"\xff" + octets.replace(b"\r", b"").replace(b"\n", b"")  # 0xFF: never a real line's start


def _garbled_echo(rng: random.Random, last_command: str) -> bytes:
    """The last command line echoed with one noise octet: after SKSETPWD it carries the
    password, which the bench's reports must still hide (DESIGN.md rule 8)."""
    line = bytearray((last_command or "SKVER").encode("ascii", "replace"))
    line[rng.randrange(len(line))] = rng.choice(b"\x00\x7f\xfe~")
    return bytes(line)


KINDS: dict[str, Callable[[random.Random, str], bytes]] = {
    "event without sender": _no_sender,
    "event with a bad sender": _bad_sender,
    "unknown event": _unknown_event,
    "ERXUDP without its fields": _short_erxudp,
    "ERXUDP with a lying DATALEN": _lying_datalen,
    "ERXUDP with bad hex": _bad_hex,
    "EPANDESC with a bad field": _bad_pandesc,
    "truncated line": _truncated,
    "overlong line": _overlong,
    "noise": _noise,
    "garbled echo": _garbled_echo,
}


# Not a line of its own: noise cuts the module's next EVENT or ERXUDP short, so a real
# observation is lost (the case where a rig's noise could pass for a terminal's silence).
CUT_SHARE = 0.25


class LineGarbage:
    """Draws when the next malformed line comes and what it is."""

    def __init__(self, rng: random.Random, mean_interval_s: float) -> None:
        if mean_interval_s <= 0:
            raise ValueError(f"the mean interval between garbage lines is positive, not {mean_interval_s}")
        self._rng = rng
        # Its own stream: the n-th SKSETPWD gets the same fate whatever the timing of the lines.
        self._echo_rng = random.Random(rng.getrandbits(64))
        self.mean_interval_s = mean_interval_s
        self.printed: list[bytes] = []

    def next_interval(self) -> float:
        return self._rng.expovariate(1.0 / self.mean_interval_s)

    def line(self, last_command: str) -> bytes | None:
        """One malformed line, CRLF included; None: cut the module's next event instead
        (``cut``)."""
        if self._rng.random() < CUT_SHARE:
            return None
        kind = self._rng.choice(sorted(KINDS))
        line = KINDS[kind](self._rng, last_command) + sk.CRLF
        self.printed.append(line)
        return line

    def cut(self, encoded: bytes) -> bytes:
        """A real line cut short by noise: its start, a noise octet, its CRLF."""
        body = encoded.removesuffix(sk.CRLF)
        line = body[: self._rng.randrange(1, max(2, len(body)))] + b"\x7f" + sk.CRLF
        self.printed.append(line)
        return line

    def secret_echo(self, command_line: str) -> bytes | None:
        """Half the time, a garbled echo of a command that carries a secret (SKSETPWD),
        printed before its answer: the case of issue 15 where one noise octet put the
        password in a verdict's message."""
        if self._echo_rng.random() >= 0.5:
            return None
        line = _garbled_echo(self._echo_rng, command_line) + sk.CRLF
        self.printed.append(line)
        return line
