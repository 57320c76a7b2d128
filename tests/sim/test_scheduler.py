import pytest

from conformance.errors import BenchError
from conformance.sim.scheduler import Scheduler


def test_callbacks_run_in_time_order_with_ties_in_insertion_order():
    s = Scheduler()
    seen = []
    s.call_at(2.0, seen.append, "c")
    s.call_at(1.0, seen.append, "a")
    s.call_at(1.0, seen.append, "b")
    s.run_until(5.0)
    assert seen == ["a", "b", "c"]
    assert s.now == 5.0


def test_run_until_true_stops_the_clock_when_the_condition_holds():
    s = Scheduler()
    flag = []
    s.call_at(42.5, flag.append, True)
    s.call_at(60.0, flag.append, True)
    assert s.run_until_true(lambda: bool(flag), 90.0)
    assert s.now == 42.5


def test_run_until_true_reports_a_missed_deadline():
    s = Scheduler()
    s.call_at(95.0, lambda: None)
    assert not s.run_until_true(lambda: False, 90.0)
    assert s.now == 90.0


def test_cancelled_timers_do_not_run():
    s = Scheduler()
    seen = []
    t = s.call_later(1.0, seen.append, 1)
    t.cancel()
    s.run_until(2.0)
    assert seen == []


def test_a_runaway_twin_is_a_bench_error(monkeypatch):
    monkeypatch.setattr("conformance.sim.scheduler.MAX_EVENTS_PER_RUN", 100)
    s = Scheduler()

    def again():
        s.call_later(0.0, again)

    s.call_later(0.0, again)
    with pytest.raises(BenchError, match="runaway"):
        s.run_until(1.0)
