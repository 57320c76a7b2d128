"""Battery life projected from the terminal's measured current (THK-8-BATT).

THK seed ch. 8: 「電池容量は、各メーターの検定満了までの期間、機能を維持できること。」 The
bench measures the terminal's current over a duty cycle (sleeping, waking to read the
meter, transmitting), averages it over time and projects how long the declared capacity
lasts at that average. The projection is the ideal one, capacity over current: derating
for temperature, self-discharge and pulse load is the vendor's to declare in the capacity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from conformance.protocols.errors import BenchUsageError

HOURS_PER_YEAR = 365.25 * 24


def battery_life_years(average_current_a: float, capacity_mah: float) -> float:
    """Years a battery of ``capacity_mah`` lasts at a constant ``average_current_a``."""
    if not (math.isfinite(average_current_a) and average_current_a > 0):
        raise BenchUsageError(
            f"average current must be a positive number of amperes, not {average_current_a}"
        )
    if not (math.isfinite(capacity_mah) and capacity_mah > 0):
        raise BenchUsageError(f"capacity must be a positive number of mAh, not {capacity_mah}")
    return capacity_mah / (average_current_a * 1000) / HOURS_PER_YEAR


def average_current_a(phases: Iterable[tuple[float, float]]) -> float:
    """The time-weighted average of a duty cycle given as ``(duration_s, current_a)`` phases."""
    charge_as = total_s = 0.0
    for duration_s, current_a in phases:
        if not (duration_s >= 0 and current_a >= 0):
            raise BenchUsageError(
                f"a phase needs a duration and a current >= 0, not ({duration_s}, {current_a})"
            )
        charge_as += duration_s * current_a
        total_s += duration_s
    if total_s <= 0:
        raise BenchUsageError("a duty cycle needs a phase of some duration")
    return charge_as / total_s
