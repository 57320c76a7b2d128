"""Driver of the terminal's maintenance port on a serial line, speaking the bench's line
protocol (:mod:`conformance.protocols.maintenance`): one command per line, the answer's data lines,
then a status line (``OK``, ``OK <value>`` or ``ERR <code> <text>``).

On the wire a line ends with CR LF; CR LF, LF or CR are accepted from the terminal. The
port opens with pyserial's ``serial_for_url`` (a device, a pty, ``socket://host:port``).

Whose fault is what (DESIGN.md rule 6): a port that cannot be opened, written or read is
the rig's, :class:`~rigs.RigError` naming the port and the command (*broken*; the next
command opens the port again). A terminal that stays silent or answers garbage is the
terminal's: after the resource's timeout the lines received so far are returned without a
status line, and :func:`conformance.protocols.maintenance.status` fails the step (*failed*).
An answer is bounded: at most ``MAX_ANSWER_LINES`` lines of at most ``MAX_LINE_OCTETS``
octets; a longer line keeps its start and says how many octets were cut.

The transcript holds each command (``>``, secret values masked by
:func:`conformance.protocols.maintenance.redact`) and each answer line (``<``), every line
past the run's redactor (:mod:`conformance.redaction`), and says when no
status line came in time. Implements :class:`conformance.interfaces.MaintenancePort`.
Terminals that speak another protocol plug in through ``rigs.profile.plugins``.
"""

from __future__ import annotations

import contextlib
import time

import serial

from conformance.errors import BenchError
from conformance.protocols.maintenance import redact
from conformance.redaction import redact as redact_secrets
from rigs import RigError
from rigs.resources import SerialPort

try:  # pyserial on POSIX lets termios's own error through when a pty or adapter vanishes
    from termios import error as _TermiosError
except ImportError:  # pragma: no cover - Windows
    _TermiosError = OSError

PORT_ERRORS = (serial.SerialException, OSError, _TermiosError)
READ_SLICE_S = 0.02
MAX_ANSWER_LINES = 10_000  # a babbling terminal cannot make one answer unbounded
# The longest line of the protocol is a log entry or a setting (well under 200 octets); a
# line beyond this is cut, the cut counted, so one unterminated stream stays one short line.
MAX_LINE_OCTETS = 4096


def is_status(line: str) -> bool:
    return line == "OK" or line.startswith(("OK ", "ERR "))


class MaintenanceConsole:
    """One maintenance port; one command at a time."""

    def __init__(
        self, port: str, *, baudrate: int = 115200, timeout_s: float = 2.0, name: str = "maintenance-port"
    ) -> None:
        self.port, self.baudrate, self.timeout_s, self.name = port, baudrate, timeout_s, name
        self.resource = f"{name} on {port}"
        self.transcript: list[str] = []
        self._serial: serial.SerialBase | None = None

    @classmethod
    def from_resource(cls, name: str, resource: SerialPort) -> MaintenanceConsole:
        return cls(resource.port, baudrate=resource.baudrate, timeout_s=resource.timeout_s, name=name)

    def open(self) -> None:
        if self._serial is not None:
            return
        try:
            self._serial = serial.serial_for_url(
                self.port, baudrate=self.baudrate, timeout=READ_SLICE_S, write_timeout=self.timeout_s
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise RigError(self.resource, "open", str(exc)) from exc

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def __enter__(self) -> MaintenanceConsole:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, line: str) -> list[str]:
        """Send one command line; the answer's lines, its status line last when it came."""
        if "\r" in line or "\n" in line:
            raise BenchError(f"a maintenance command is one line, not {redact(line)!r}")
        label = line.split(" ", 1)[0] or "(empty)"
        self.open()
        assert self._serial is not None
        self.transcript.append(redact_secrets(f"> {redact(line)}"))
        try:
            self._serial.reset_input_buffer()  # whatever the terminal printed before is no answer
            self._serial.write(line.encode("ascii") + b"\r\n")
            self._serial.flush()
            answer = self._read_answer()
        except PORT_ERRORS as exc:
            self.close()
            self.transcript.append(f"  (port lost: {exc})")
            raise RigError(self.resource, label, f"port lost: {exc}") from exc
        except UnicodeEncodeError:
            raise BenchError(f"a maintenance command is ASCII, not {redact(line)!r}") from None
        self.transcript += [redact_secrets(f"< {a}") for a in answer]
        if not answer or not is_status(answer[-1]):
            self.transcript.append(f"  (no status line within {self.timeout_s:g} s)")
        return answer

    def _read_answer(self) -> list[str]:
        assert self._serial is not None
        deadline = time.monotonic() + self.timeout_s
        pending, cut = b"", 0  # the line being received, and how many of its octets were cut
        lines: list[str] = []
        while time.monotonic() < deadline and len(lines) < MAX_ANSWER_LINES:
            chunk = self._serial.read(max(1, self._serial.in_waiting))
            *complete, tail = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
            for segment in complete:
                pending, cut = _keep(pending, cut, segment)
                text = _text(pending, cut)
                pending, cut = b"", 0
                if not text:
                    continue
                lines.append(text)
                if is_status(text):
                    return lines
            pending, cut = _keep(pending, cut, tail)
        if pending.strip() or cut:
            lines.append(_text(pending, cut))
        return lines


def _keep(pending: bytes, cut: int, data: bytes) -> tuple[bytes, int]:
    """``pending`` extended by ``data`` up to ``MAX_LINE_OCTETS``; the rest is counted as cut."""
    room = max(0, MAX_LINE_OCTETS - len(pending))
    if len(data) <= room:
        return pending + data, cut
    return pending + data[:room], cut + len(data) - room


def _text(line: bytes, cut: int) -> str:
    text = line.decode("ascii", "replace").strip()
    if cut:
        text += f" [line cut: {cut} more octets than the {MAX_LINE_OCTETS} kept]"
    return text
