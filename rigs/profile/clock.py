"""Rig time: the monotonic wall clock, with real sleeps and bounded waits (DESIGN.md rule 5).

Rig seconds count from the start of the session (so the SM system's calendar runs on
across scenarios, as it does for a real terminal that keeps its stored values), times the
rig's *pace*: 1 on real hardware; an emulated rig whose twins run faster than the wall
clock declares its pace (``rigs/emulators/terminal_rig.py``) and the bench keeps step.

While it waits the clock *tends* the rig (``tend``: feed the scenario what the parts
reported, run the twins' timers; it raises the ``BenchError`` of a part that broke), so a
radio that vanished ends the scenario in flight as *broken* instead of letting it wait
out its timeout and judge the silence.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from conformance.errors import BenchError

POLL_S = 0.01  # wall seconds between two looks at a condition
# A wait this long (rig seconds) or longer goes to the scenario's planner (``long_wait``),
# which may shorten it: half an hour, the longest slot but one (ics.Metering.granularity_s).
LONG_WAIT_S = 1800.0


class RigClock:
    """Implements :class:`conformance.interfaces.Clock` on the monotonic wall clock."""

    # Shortened waits (``skip``, ``long_wait``; rigs/profile/bench.py says when and how):
    # rig seconds the calendar jumped over, and the scenario's planner of long waits.
    skipped: float = 0.0
    long_wait: Callable[[float], None] | None = None

    def __init__(
        self,
        *,
        pace: float = 1.0,
        origin: float | None = None,
        tend: Callable[[], None] = lambda: None,
    ) -> None:
        self.pace = pace
        self.origin = time.monotonic() if origin is None else origin
        self._tend = tend

    def at(self, monotonic: float) -> float:
        """The rig second of a ``time.monotonic()`` reading (a radio observation's)."""
        return (monotonic - self.origin) * self.pace + self.skipped

    def now(self) -> float:
        return self.at(time.monotonic())

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of rig time pass, tending the rig as it goes."""
        self._bounded(seconds, "wait")
        if self.long_wait is not None and seconds >= LONG_WAIT_S:
            self._planned_wait(seconds)
            return
        deadline = self.now() + max(0.0, seconds)
        while True:
            self._tend()
            left = deadline - self.now()
            if left <= 0:
                return
            time.sleep(min(left / self.pace, POLL_S))

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Poll ``condition()`` until it holds (True) or ``timeout`` rig seconds have
        passed (False)."""
        self._bounded(timeout, "wait_until")
        deadline = self.now() + max(0.0, timeout)
        while True:
            self._tend()
            if condition():
                return True
            if self.now() >= deadline:
                return False
            time.sleep(POLL_S)

    @staticmethod
    def _bounded(seconds: float, what: str) -> None:
        if math.isnan(seconds) or math.isinf(seconds):
            raise BenchError(f"clock.{what}({seconds}): a rig only waits a finite time")

    # -- shortened waits (issue 13) ----------------------------------------------------------

    def _planned_wait(self, seconds: float) -> None:
        """Hand a long wait to the planner, which waits with this clock (not re-entered)."""
        planner, self.long_wait = self.long_wait, None
        try:
            planner(seconds)
        finally:
            self.long_wait = planner

    def skip(self, seconds: float) -> None:
        """Jump the rig's calendar ``seconds`` ahead at once: the bench's twins (HES, metering
        device) see the time pass, the terminal and its radio do not until the SM system sets
        the terminal's clock (``HilBench``). Only forward, and only a finite time."""
        self._bounded(seconds, "skip")
        if seconds < 0:
            raise BenchError(f"clock.skip({seconds}): rig time only runs forward")
        self._tend()  # what the parts reported so far is stamped before the jump
        self.skipped += seconds
