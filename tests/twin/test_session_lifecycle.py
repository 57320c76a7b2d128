"""The reference terminal twin over a whole session: re-authentication before the
lifetime ends, and rejoining after a power cycle, as the smart meter observes them."""

from __future__ import annotations

from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.observe.route_events import SessionEnded, TerminalAuthenticated, TerminalReauthenticated
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class

DECLARATION = load_declaration()


def _bench(lifetime_s: int = 3600) -> TwinBench:
    bench = TwinBench(seed=3, declaration=DECLARATION, dut_factory=terminal_class("reference"))
    setup = MeterSetup(
        name="SM-1", pairing_id=DECLARATION.credentials.pairing_id, session_lifetime_s=lifetime_s
    )
    bench.route.add_meter(setup)
    return bench


def test_the_reference_renews_its_session_before_the_lifetime_ends() -> None:
    bench = _bench(lifetime_s=300)
    bench.terminal.power_on()
    bench.clock.wait(1000)
    renewals = bench.route.events.of(TerminalReauthenticated)
    assert len(renewals) >= 3
    assert not bench.route.events.of(SessionEnded)
    joined = bench.route.events.first(TerminalAuthenticated)
    assert joined is not None and renewals[0].time - joined.time < 300


def test_the_reference_rejoins_after_a_power_cycle() -> None:
    bench = _bench()
    bench.terminal.power_on()
    bench.clock.wait(60)
    bench.terminal.power_off()
    bench.clock.wait(10)
    bench.terminal.power_on()
    bench.clock.wait(90)
    assert len(bench.route.events.of(TerminalAuthenticated)) == 2


def test_the_hes_records_each_join() -> None:
    bench = _bench()
    bench.terminal.power_on()
    bench.clock.wait(60)
    (record,) = bench.route.hes.join_records
    assert record.authentication_id == DECLARATION.credentials.authentication_id
    assert record.meter == "SM-1"
