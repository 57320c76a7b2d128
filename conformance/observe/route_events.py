"""What the smart-meter side of the bench observes of a terminal.

These are the twin's equivalents of what a Wi-SUN module reports on a rig (SKSTACK-IP
``EVENT 21``/``24``/``25``, ``ERXUDP`` with its secured flag), so the same steps can judge
a twin or a real terminal (DESIGN.md rule 1). Terminals are named by their EUI-64.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class RouteEvent:
    time: float
    meter: str
    terminal: bytes

    @property
    def kind(self) -> str:
        return type(self).__name__


@dataclass(frozen=True, slots=True, kw_only=True)
class PanaStarted(RouteEvent):
    """The terminal's PANA-Client-Initiation reached a smart meter."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminalAuthenticated(RouteEvent):
    """PANA completed with EAP success and the terminal's final PAN verified."""

    terminal_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminalReauthenticated(RouteEvent):
    """The terminal renewed its PANA session before the lifetime ran out (RFC 5191 §4.3)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthenticationRejected(RouteEvent):
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminalRefused(RouteEvent):
    """The smart meter turned the terminal away for lack of room (NAT-2.1-A)."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEnded(RouteEvent):
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DatagramReceived(RouteEvent):
    """A UDP datagram from the terminal reached the smart meter's network layer."""

    secured: bool
    src_port: int
    dst_port: int
    payload: bytes = field(repr=False)
    from_authenticated: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameDiscarded(RouteEvent):
    """The smart meter dropped a frame from the terminal: malformed, bad MIC, replay."""

    reason: str


class RouteEventLog:
    """Append-only, time-ordered record of the smart-meter side's observations."""

    def __init__(self) -> None:
        self._events: list[RouteEvent] = []

    def append(self, event: RouteEvent) -> None:
        self._events.append(event)

    def __iter__(self):
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    def of(self, kind: type[RouteEvent], *, terminal: bytes | None = None) -> list[RouteEvent]:
        return [e for e in self._events if isinstance(e, kind) and terminal in (None, e.terminal)]

    def first(self, kind: type[RouteEvent], *, terminal: bytes | None = None) -> RouteEvent | None:
        return next(iter(self.of(kind, terminal=terminal)), None)
