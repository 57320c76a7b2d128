"""Whether the terminal's LED followed the connection state (NAT-2.5-LED, THK-8-LED).

NAT seed 2-5: the terminal shows by its LED whether it is connected to the smart meter; the
bench holds it to following each change within a lag (``LED_LAG``, 5 s). The bench samples
the LED at a period and knows, from what the smart meters observed, when the terminal was
connected. Each stretch between two changes is judged on its samples: once the lag has
passed, every sample must show the pattern of the state. A stretch longer than the lag
that the bench did not sample (two samples further apart than the lag) cannot be judged:
that is the bench's failure to observe (*error*), never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True, slots=True)
class LedJudgement:
    """``worst``: the longest a change took to show, in seconds; ``changes``: how many the
    watch saw; ``stale``: the first stretch whose last sample still showed the old state
    (start, state, pattern shown), or None; ``unobserved``: the first gap between samples
    longer than the lag (from, to), or None."""

    worst: float
    changes: int
    stale: tuple[float, bool, str] | None
    unobserved: tuple[float, float] | None


def connected_at(view: Sequence[tuple[float, bool]], time: float) -> bool:
    """The state the smart meters saw at ``time``, from their (time, connected) changes."""
    state = False
    for at, connected in view:
        if at > time:
            break
        state = connected
    return state


def judge_led(
    samples: Sequence[tuple[float, str]],
    view: Sequence[tuple[float, bool]],
    *,
    connected_pattern: str,
    lag_s: float,
) -> LedJudgement:
    """Judge ``samples`` (time, pattern shown), in time order, against ``view`` (time,
    connected), sorted; a pattern other than ``connected_pattern`` means not connected."""
    gaps = [(a, b) for (a, _), (b, _) in pairwise(samples) if b - a > lag_s]
    first, last = samples[0][0], samples[-1][0]
    starts = sorted({first, *(t for t, _ in view if first <= t <= last)})
    worst, stale = 0.0, None
    for start, end in zip(starts, [*starts[1:], float("inf")], strict=True):
        period = [(t, p) for t, p in samples if start <= t < end]
        if not period:
            continue  # shorter than the lag, or a gap the judgement reports
        connected = connected_at(view, start)
        agrees = [(p == connected_pattern) == connected for _, p in period]
        if not agrees[-1] and stale is None:
            stale = (start, connected, period[-1][1])
        settled = max((i for i, ok in enumerate(agrees) if not ok), default=-1) + 1
        if settled < len(period):
            worst = max(worst, period[settled][0] - start if settled else 0.0)
    unobserved = gaps[0] if gaps else None
    return LedJudgement(worst=worst, changes=len(starts) - 1, stale=stale, unobserved=unobserved)
