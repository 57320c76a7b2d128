"""Battery-life projection (THK-8-BATT): capacity over the duty cycle's average current."""

from __future__ import annotations

import math

import pytest

from conformance.judge.battery import HOURS_PER_YEAR, average_current_a, battery_life_years
from conformance.protocols.errors import BenchUsageError


@pytest.mark.parametrize(
    ("average_current_a", "capacity_mah", "years"),
    [
        # 1 mA from 8766 mAh: 8766 h, one Julian year.
        (1e-3, 8766, 1.0),
        # A lithium D cell (19 Ah) at 120 uA: about 18 years.
        (120e-6, 19_000, 19_000 / 0.12 / 8766),
        # The same cell lasts the 10 years of a gas meter's verification only below ~217 uA.
        (19_000 / (10 * 8766) / 1000, 19_000, 10.0),
        # A C cell (8.5 Ah) at 1 mA: under a year.
        (1e-3, 8_500, 8_500 / 8766),
        (2e-6, 1_000, 1_000 / 0.002 / 8766),
    ],
)
def test_battery_life_is_capacity_over_average_current(average_current_a, capacity_mah, years):
    assert battery_life_years(average_current_a, capacity_mah) == pytest.approx(years, rel=1e-9)


def test_a_year_is_a_julian_year_of_hours():
    assert HOURS_PER_YEAR == 8766


@pytest.mark.parametrize(
    ("average_current_a", "capacity_mah"),
    [
        (0, 19_000),
        (-1e-3, 19_000),
        (math.nan, 19_000),
        (math.inf, 19_000),
        (1e-3, 0),
        (1e-3, -5),
        (1e-3, math.nan),
    ],
)
def test_a_projection_from_no_current_or_no_capacity_is_refused(average_current_a, capacity_mah):
    with pytest.raises(BenchUsageError):
        battery_life_years(average_current_a, capacity_mah)


@pytest.mark.parametrize(
    ("phases", "average"),
    [
        ([(10.0, 5e-3)], 5e-3),
        # Asleep 59 s at 10 uA, awake 1 s at 20 mA to read the meter and transmit.
        ([(59.0, 10e-6), (1.0, 20e-3)], (59 * 10e-6 + 1 * 20e-3) / 60),
        ([(0.0, 1.0), (3.0, 2e-3)], 2e-3),  # a zero-length phase weighs nothing
        ([(1.0, 0.0), (1.0, 4e-3)], 2e-3),
    ],
)
def test_the_average_current_of_a_duty_cycle_is_weighted_by_time(phases, average):
    assert average_current_a(phases) == pytest.approx(average, rel=1e-12)


@pytest.mark.parametrize("phases", [[], [(0.0, 1e-3)], [(-1.0, 1e-3)], [(1.0, -1e-3)], [(math.nan, 1e-3)]])
def test_a_duty_cycle_without_duration_or_with_negative_values_is_refused(phases):
    with pytest.raises(BenchUsageError):
        average_current_a(phases)


def test_the_duty_cycle_average_projects_the_life():
    cycle = [(59.0, 10e-6), (1.0, 20e-3)]
    # 343 uA on average: 19 Ah last 6.3 years, short of a 10-year verification period.
    assert battery_life_years(average_current_a(cycle), 19_000) == pytest.approx(6.316, abs=1e-3)
