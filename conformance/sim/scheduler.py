"""A virtual clock and a deterministic event scheduler.

Theory of operation: every part of the twin (radio medium, smart meter, terminal,
HES) schedules callbacks at virtual times. ``run_until`` pops them in time order;
ties break by insertion order, so a run is a pure function of the seed. Nothing
sleeps: a 90-second join costs only the callbacks it runs (DESIGN.md rule 5).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.errors import BenchError

# A runaway twin (a callback that reschedules itself at the same instant) would hang
# the run; this bound turns it into a bench error that costs one scenario.
MAX_EVENTS_PER_RUN = 5_000_000


@dataclass(slots=True)
class Timer:
    """A scheduled callback; ``cancel()`` makes it a no-op."""

    when: float
    callback: Callable[..., Any]
    args: tuple[Any, ...] = ()
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Scheduler:
    """Virtual time in seconds, starting at 0."""

    def __init__(self) -> None:
        self._now = 0.0
        # Heap entries are (when, insertion order, timer) tuples: tuple comparison runs in C,
        # which matters when a flood puts 100,000 frames in flight.
        self._queue: list[tuple[float, int, Timer]] = []
        self._order = itertools.count()
        self.events_run = 0

    @property
    def now(self) -> float:
        return self._now

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any) -> Timer:
        if when < self._now:
            when = self._now
        timer = Timer(when, callback, args)
        heapq.heappush(self._queue, (when, next(self._order), timer))
        return timer

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> Timer:
        # call_at(now + max(0, delay)) written out: the twins schedule hundreds of thousands
        # of these per scenario, and the extra call was a tenth of the scheduler's cost.
        when = self._now + delay if delay > 0.0 else self._now
        timer = Timer(when, callback, args)
        heapq.heappush(self._queue, (when, next(self._order), timer))
        return timer

    def run_until(self, deadline: float) -> None:
        """Run every callback due up to ``deadline``; the clock then reads ``deadline``."""
        self._run(None, deadline)

    def run_until_true(self, condition: Callable[[], bool], deadline: float) -> bool:
        """Run callbacks until ``condition()`` holds or ``deadline`` passes.

        Returns whether the condition held. The clock stops at the moment the condition
        became true, or at ``deadline`` otherwise, so callers can read when it happened.
        """
        if condition():
            return True
        return self._run(condition, deadline) or condition()

    def _run(self, condition: Callable[[], bool] | None, deadline: float) -> bool:
        """The loop of both: callbacks in time order up to ``deadline``; True as soon as
        ``condition()`` holds after one (the clock at its time), else False with the clock
        at ``deadline``. ``run_until`` passes None rather than a condition that is
        always false: days of simulated time and a flood's 10,000 paced waits run here, and
        calling such a condition after every event was a tenth of the loop's own cost."""
        budget = MAX_EVENTS_PER_RUN
        queue, pop = self._queue, heapq.heappop
        while queue and queue[0][0] <= deadline:
            _, _, timer = pop(queue)
            if timer.cancelled:
                continue
            self._now = timer.when
            timer.callback(*timer.args)
            self.events_run += 1
            budget -= 1
            if budget == 0:
                self._runaway(deadline)
            if condition is not None and condition():
                return True
        if deadline > self._now:
            self._now = deadline
        return False

    @staticmethod
    def _runaway(deadline: float) -> None:
        raise BenchError(
            f"simulation runaway: {MAX_EVENTS_PER_RUN} events without reaching "
            f"t={deadline:.3f}s (a twin keeps rescheduling itself)"
        )
