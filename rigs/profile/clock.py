"""Rig time: the monotonic wall clock, with real sleeps and bounded waits (DESIGN.md rule 5).

Rig seconds count from the start of the session (so the SM system's calendar runs on
across scenarios, as it does for a real terminal that keeps its stored values), times the
rig's *pace*: 1 on real hardware; an emulated rig whose twins run faster than the wall
clock declares its pace (``rigs/emulators/terminal_rig.py``) and the bench keeps step.

While it waits the clock *tends* the rig (``tend``: feed the scenario what the parts
reported, run the twins' timers; it raises the ``BenchError`` of a part that broke), so a
radio that vanished ends the scenario in flight as *broken* instead of letting it wait
out its timeout and judge the silence.

On an emulated rig that announces a shared clock (``rigs/sharedtime.py``; SKAPPVER, see
``rigs.profile.rig.pace_of``) rig time is not the wall clock at all: both the bench and the
emulator read one virtual clock, which the emulator advances at most at its pace and never
more than a lookahead past what the bench acknowledged (every round of tending). A second
of starvation on either side then stops rig time instead of becoming five rig minutes at
x300. A radio line or sniffer frame, stamped with the monotonic time it arrived, gets the
rig time of that moment by interpolation between the clock's recent readings (``at``).
Round trips to a part (a command's answer, a Modbus write) still wait in wall time: they
bound one exchange, not rig time.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import deque
from collections.abc import Callable

from conformance.errors import BenchError
from rigs.sharedtime import SharedTime

POLL_S = 0.01  # wall seconds between two looks at a condition
# On a shared clock every look acknowledges rig time, and the emulator may run only a
# lookahead (5 rig s) past it: rig time runs at most a lookahead per look.
SHARED_POLL_S = 0.002
SAMPLES = 4096  # recent (monotonic, rig time) readings of a shared clock, for ``at``
# A wait this long (rig seconds) or longer goes to the scenario's planner (``long_wait``),
# which may shorten it: half an hour, the longest slot but one (ics.Metering.granularity_s).
LONG_WAIT_S = 1800.0


class RigClock:
    """Implements :class:`conformance.interfaces.Clock` on the monotonic wall clock, or on an
    emulated rig's shared virtual clock (``share``)."""

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
        self.pace = pace  # on a shared clock: the most it runs, times the wall clock
        self.origin = time.monotonic() if origin is None else origin
        self._tend = tend
        self.shared: SharedTime | None = None
        self._walls: deque[float] = deque(maxlen=SAMPLES)
        self._rigs: deque[float] = deque(maxlen=SAMPLES)

    def share(self, shared: SharedTime) -> None:
        """From now on rig time is ``shared``'s (an emulated rig's virtual clock)."""
        self.shared = shared
        self._walls.clear()
        self._rigs.clear()

    def _reading(self) -> float:
        """Rig time now, before shortened waits; on a shared clock recorded for ``at``."""
        if self.shared is None:
            return (time.monotonic() - self.origin) * self.pace
        wall, rig = time.monotonic(), self.shared.rig_time
        if not self._walls or wall > self._walls[-1]:
            self._walls.append(wall)
            self._rigs.append(rig)
        return rig

    def at(self, monotonic: float) -> float:
        """The rig second of a ``time.monotonic()`` reading (a radio observation's)."""
        if self.shared is None:
            return (monotonic - self.origin) * self.pace + self.skipped
        if not self._walls or monotonic >= self._walls[-1]:
            self._reading()  # a reading at or after it, to interpolate towards
        walls, rigs = self._walls, self._rigs
        after = bisect.bisect_left(walls, monotonic)
        if after == 0:
            return rigs[0] + self.skipped  # older than every reading kept: the oldest
        if after == len(walls):
            return rigs[-1] + self.skipped
        w0, w1, r0, r1 = walls[after - 1], walls[after], rigs[after - 1], rigs[after]
        return r0 + (r1 - r0) * (monotonic - w0) / (w1 - w0) + self.skipped

    def now(self) -> float:
        return self._reading() + self.skipped

    def tended(self, tend: Callable[[], None]) -> None:
        """Run one round of tending; on a shared clock, then acknowledge the rig time read
        before it: everything the parts reported up to there has been taken in."""
        if self.shared is None:
            tend()
            return
        before = self._reading()
        tend()
        self.shared.acknowledge(before)

    def _poll(self) -> float:
        return POLL_S if self.shared is None else SHARED_POLL_S

    def wait(self, seconds: float) -> None:
        """Let ``seconds`` of rig time pass, tending the rig as it goes."""
        self._bounded(seconds, "wait")
        if self.long_wait is not None and seconds >= LONG_WAIT_S:
            self._planned_wait(seconds)
            return
        deadline = self.now() + max(0.0, seconds)
        while True:
            self.tended(self._tend)
            left = deadline - self.now()
            if left <= 0:
                return
            time.sleep(min(left / self.pace, self._poll()))

    def wait_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Poll ``condition()`` until it holds (True) or ``timeout`` rig seconds have
        passed (False)."""
        self._bounded(timeout, "wait_until")
        deadline = self.now() + max(0.0, timeout)
        while True:
            self.tended(self._tend)
            if condition():
                return True
            if self.now() >= deadline:
                return False
            time.sleep(self._poll())

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
