"""The generation-guarded timer shared by the terminal twin, its metering application and
the SKSTACK-IP module emulator (``conformance/sim/guarded_timers.py``)."""

from conformance.sim.guarded_timers import GuardedTimers
from conformance.sim.scheduler import Scheduler


def test_a_timer_fires_with_its_arguments_at_its_time():
    scheduler = Scheduler()
    timers = GuardedTimers(scheduler)
    seen = []
    timers.later(2.0, lambda *args: seen.append((scheduler.now, args)), "a", 1)
    scheduler.run_until(5.0)
    assert seen == [(2.0, ("a", 1))]


def test_invalidate_makes_every_earlier_timer_stale_and_spares_later_ones():
    scheduler = Scheduler()
    timers = GuardedTimers(scheduler)
    seen = []
    timers.later(1.0, seen.append, "before, due soon")
    timers.later(9.0, seen.append, "before, due late")
    scheduler.run_until(2.0)
    timers.invalidate()  # the power goes off
    timers.later(1.0, seen.append, "after")
    scheduler.run_until(20.0)
    assert seen == ["before, due soon", "after"]


def test_a_timer_set_by_a_stale_callback_is_itself_guarded():
    scheduler = Scheduler()
    timers = GuardedTimers(scheduler)
    seen = []

    def tick(n: int) -> None:
        seen.append(n)
        timers.later(1.0, tick, n + 1)

    timers.later(1.0, tick, 0)
    scheduler.run_until(3.5)
    timers.invalidate()
    scheduler.run_until(10.0)
    assert seen == [0, 1, 2]


def test_two_owners_on_one_scheduler_are_independent():
    scheduler = Scheduler()
    terminal, module = GuardedTimers(scheduler), GuardedTimers(scheduler)
    seen = []
    terminal.later(1.0, seen.append, "terminal")
    module.later(1.0, seen.append, "module")
    module.invalidate()  # SKRESET does not touch the terminal's timers
    scheduler.run_until(2.0)
    assert seen == ["terminal"]
