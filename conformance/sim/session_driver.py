"""Binds a sans-IO session machine (PANA PaC or PAA) to the virtual scheduler.

The machines only say when they next need attention (``next_deadline``); this driver
keeps exactly one timer armed for that instant and hands every outgoing message and
event to the node that owns the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from conformance.sim.scheduler import Scheduler, Timer


class SessionMachine(Protocol):
    @property
    def next_deadline(self) -> float | None: ...

    def on_timer(self, now: float) -> list[bytes]: ...

    def pop_events(self) -> list[Any]: ...


class SessionDriver:
    def __init__(
        self,
        scheduler: Scheduler,
        machine: SessionMachine,
        send: Callable[[bytes], None],
        on_event: Callable[[Any], None],
    ) -> None:
        self._scheduler = scheduler
        self.machine = machine
        self._send = send
        self._on_event = on_event
        self._timer: Timer | None = None
        self.closed = False

    def feed(self, outgoing: list[bytes]) -> None:
        """Send what the machine produced, report its events and re-arm its timer."""
        for message in outgoing:
            self._send(message)
        for event in self.machine.pop_events():
            self._on_event(event)
        self._arm()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.machine.next_deadline
        if deadline is not None and not self.closed:
            self._timer = self._scheduler.call_at(deadline, self._fire)

    def _fire(self) -> None:
        self._timer = None
        if not self.closed:
            self.feed(self.machine.on_timer(self._scheduler.now))

    def close(self) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
