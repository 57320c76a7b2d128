"""Delay model of the smart meter's multi-hop network towards the HES.

The guideline (THK seed, ch. 7) expects a round trip between the connection server and
the terminal of about 90 s "multi-hop included"; each hop of the SM network adds a
delay drawn from a seeded uniform range, so the model is tunable and deterministic.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from conformance.errors import BenchError
from conformance.sim.scheduler import Scheduler


@dataclass(frozen=True, slots=True, kw_only=True)
class MultiHopProfile:
    hops: int = 4
    per_hop_min_s: float = 1.0
    per_hop_max_s: float = 8.0

    def __post_init__(self) -> None:
        if self.hops < 1 or not 0 <= self.per_hop_min_s <= self.per_hop_max_s:
            raise BenchError(f"invalid multi-hop profile {self}")


class MultiHopBackhaul:
    """Carries messages between a smart meter and the HES after a multi-hop delay."""

    def __init__(self, scheduler: Scheduler, rng: random.Random, profile: MultiHopProfile) -> None:
        self._scheduler = scheduler
        self._rng = rng
        self.profile = profile

    def one_way_delay(self) -> float:
        p = self.profile
        return sum(self._rng.uniform(p.per_hop_min_s, p.per_hop_max_s) for _ in range(p.hops))

    def send(self, deliver: Callable[..., Any], *args: Any) -> float:
        """Schedule ``deliver(*args)`` after one traversal; returns the delay drawn."""
        delay = self.one_way_delay()
        self._scheduler.call_later(delay, deliver, *args)
        return delay
