"""The one generation-guarded timer: callbacks that a power cycle, a reset or a new clock
makes stale all at once.

A twin that loses power forgets what it was waiting for: the beacon request it would send, the
meter read it would retry, the scan it would report. Rather than keep and cancel every
``Timer`` it set, each timer remembers the generation it was set in; ``invalidate()``
starts a new generation, and a callback of an older one does nothing when it comes due.

The terminal twin (power), its metering application (power, a new clock, a new
granularity) and the SKSTACK-IP module emulator (SKRESET) use it. The PANA session
machines keep deadlines of their own (``next_deadline``, in ``conformance.protocols``):
they are sans-IO and know no scheduler; ``sim/session_driver.py`` arms one timer for each.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.sim.scheduler import Scheduler


class GuardedTimers:
    """Timers on ``scheduler`` that ``invalidate()`` turns into no-ops."""

    __slots__ = ("_scheduler", "generation")

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self.generation = 0

    def later(self, delay: float, callback: Callable[..., Any], *args: Any) -> None:
        """``callback(*args)`` in ``delay`` seconds, unless ``invalidate()`` is called first."""
        generation = self.generation

        def fire() -> None:
            if generation == self.generation:
                callback(*args)

        self._scheduler.call_later(delay, fire)

    def invalidate(self) -> None:
        """Every callback set before now becomes stale."""
        self.generation += 1
