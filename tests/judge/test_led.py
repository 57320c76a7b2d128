"""The LED judgement of NAT-2.5-LED (conformance/judge/led.py), on hand-made samples."""

from __future__ import annotations

from conformance.judge.led import judge_led

LAG = 5.0
JOINED_AT_10 = [(10.0, True)]


def _every_second(until: float, pattern_at) -> list[tuple[float, str]]:
    return [(float(t), pattern_at(t)) for t in range(int(until) + 1)]


def test_a_led_that_follows_within_the_lag_passes_with_its_delay():
    samples = _every_second(30, lambda t: "steady" if t >= 12 else "off")
    judged = judge_led(samples, JOINED_AT_10, connected_pattern="steady", lag_s=LAG)
    assert (judged.worst, judged.changes, judged.stale, judged.unobserved) == (2.0, 1, None, None)


def test_a_sample_showing_the_old_state_after_the_lag_fails():
    samples = _every_second(30, lambda t: "off")  # never shows the connection
    judged = judge_led(samples, JOINED_AT_10, connected_pattern="steady", lag_s=LAG)
    assert judged.stale == (10.0, True, "off")


def test_a_stretch_longer_than_the_lag_without_a_sample_is_the_bench_s_error_not_a_pass():
    """Samples at 0-9 s and 25-30 s only: whether the LED followed the join at 10 s within 5 s
    was never observed. It used to pass (the stretch was skipped)."""
    samples = [s for s in _every_second(30, lambda t: "steady" if t >= 12 else "off") if not 9 < s[0] < 25]
    judged = judge_led(samples, JOINED_AT_10, connected_pattern="steady", lag_s=LAG)
    assert judged.unobserved == (9.0, 25.0)


def test_gaps_within_the_lag_are_judged_as_sampled():
    samples = [(float(t), "steady" if t >= 12 else "off") for t in range(0, 31, 3)]
    judged = judge_led(samples, JOINED_AT_10, connected_pattern="steady", lag_s=LAG)
    assert judged.unobserved is None
    assert judged.worst == 0.0  # the first sample after the join (12 s) already showed it


def test_a_disconnection_is_followed_too():
    view = [(10.0, True), (20.0, False)]
    samples = _every_second(30, lambda t: "steady" if 11 <= t < 23 else "blinking")
    judged = judge_led(samples, view, connected_pattern="steady", lag_s=LAG)
    assert (judged.worst, judged.changes, judged.stale) == (3.0, 2, None)
