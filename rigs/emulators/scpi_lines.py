"""SCPI lines on a loopback TCP port, the emulated rig's instruments' common part: a VISA
``TCPIP::127.0.0.1::PORT::SOCKET`` resource (pyvisa-py's ``@py`` backend), one host at a
time, each line answered by ``execute``. IEEE 488.2 ``*IDN?``, ``*CLS``, ``*RST``, ``*OPC?``
and SCPI-99 ``SYSTem:ERRor?`` are answered here; an instrument's own commands by its
``command``, which raises ``KeyError`` or ``ValueError`` for one it does not know (error
-100 is queued, as a real instrument does)."""

from __future__ import annotations

import selectors

from rigs.emulators.endpoints import TcpEndpoint

MAX_LINE = 256
MAX_ERRORS = 16
NO_ERROR, COMMAND_ERROR = '+0,"No error"', '-100,"Command error"'


class ScpiLines:
    """SCPI lines from one host on a loopback TCP port, each answered by ``execute``."""

    identity = ""

    def __init__(self, port: int = 0) -> None:
        self._endpoint = TcpEndpoint(port, receive=self._receive, hung_up=self._hung_up)
        self.port = self._endpoint.port
        self.address = f"TCPIP::127.0.0.1::{self.port}::SOCKET"
        self._pending = bytearray()
        self.errors: list[str] = []

    def register(self, selector: selectors.BaseSelector) -> None:
        self._endpoint.register(selector)

    def close(self) -> None:
        self._endpoint.close()

    def _hung_up(self) -> None:
        self._pending.clear()

    def _receive(self, data: bytes) -> None:
        self._pending += data
        while b"\n" in self._pending:
            raw, _, rest = bytes(self._pending).partition(b"\n")
            self._pending = bytearray(rest)
            answer = self.execute(raw.decode("ascii", "replace").strip())
            if answer is not None:
                self._endpoint.write(answer.encode("ascii") + b"\n")
        if len(self._pending) > MAX_LINE:
            self._pending.clear()

    def execute(self, line: str) -> str | None:
        """One command; a query's answer, or None. An unknown one queues -100."""
        head, _, argument = line.upper().partition(" ")
        if head == "*IDN?":
            return self.identity
        if head in ("*CLS", "*RST"):
            self.errors.clear()
            return None
        if head == "*OPC?":
            return "1"
        if head == "SYST:ERR?":
            return self.errors.pop(0) if self.errors else NO_ERROR
        try:
            return self.command(head, argument.strip())
        except (KeyError, ValueError):
            self.error(COMMAND_ERROR)
            return None

    def command(self, head: str, argument: str) -> str | None:
        raise KeyError(head)

    def error(self, entry: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(entry)
