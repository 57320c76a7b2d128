"""Steps judged on a rig's calendar, which runs on across the scenarios of a session
(rigs/profile/clock.py): a scenario's bench starts where the one before it stopped, not at
rig second 0 as a twin's does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conformance.errors import TerminalFailure
from conformance.sim.timebase import SM_EPOCH_POSIX, sm_datetime
from steps.metering_steps import SETTLE_S, commissioned, held_since_commissioning

HOUR = 3600.0
TERMINAL = "0123456789ABCDEF0123456789ABCDEF"


class _Clock:
    def __init__(self, now: float) -> None:
        self.at = now

    def now(self) -> float:
        return self.at


def _bench(now: float) -> SimpleNamespace:
    clock = _Clock(now)
    hes = SimpleNamespace(
        commission=lambda *args: None,
        sm_time=lambda: sm_datetime(clock.now()),
        readings=lambda terminal_id: [],
        events=SimpleNamespace(of=lambda kind: []),
    )
    declaration = SimpleNamespace(
        credentials=SimpleNamespace(authentication_id=TERMINAL),
        metering=SimpleNamespace(granularity_s=1800),
        dlms_model=None,
    )
    return SimpleNamespace(clock=clock, hes=hes, declaration=declaration)


def _slots(first: float, last: float) -> list[int]:
    start, end = int(SM_EPOCH_POSIX + first), int(SM_EPOCH_POSIX + last)
    return list(range(-(-start // 1800) * 1800, end - SETTLE_S + 1, 1800))


@pytest.mark.parametrize("missing", [False, True])
def test_values_since_commissioning_are_counted_from_the_commissioning_not_the_session(missing):
    """The 58th scenario of a reference run on the rig: commissioned 10 hours into the
    session, 9 hours of values. Counted from the session's first second, the HES "lacked"
    every value of the scenarios before (71 of 89 in the run of issue 13)."""
    bench = _bench(10 * HOUR)
    commissioned_at = commissioned(bench, SimpleNamespace(device_id=bytes(8)))
    bench.clock.at += 9 * HOUR
    held = _slots(commissioned_at, bench.clock.now())
    bench.hes.readings = lambda terminal_id: [SimpleNamespace(capture_time=t) for t in held[missing:]]
    if missing:  # the judgement still fails a value the terminal did not deliver
        with pytest.raises(TerminalFailure, match="lacks 1 of"):
            held_since_commissioning(bench, commissioned_at)
    else:
        held_since_commissioning(bench, commissioned_at)
