"""The twin profile implements every member of the interfaces explicitly; the one
capability it lacks (the smart meters' own report of echo replies: the twin reads them on
the air) raises ``NotApplicable`` with the reason."""

from __future__ import annotations

import pytest

from conformance.errors import NotApplicable
from conformance.ics import load_declaration
from conformance.interfaces import (
    Bench,
    Clock,
    EchoProbe,
    HeadEnd,
    HomeSide,
    IotRouteSide,
    Terminal,
    if_provided,
)
from conformance.twin.bench import TwinBench, TwinIotRoute, TwinTerminal, VirtualClock
from conformance.twin.hes.head_end import TwinHeadEnd
from conformance.twin.home.home_side import TwinHome
from conformance.twin.terminal.reference import ReferenceTerminal
from tests.seams import members, missing


@pytest.mark.parametrize(
    ("interface", "side", "attributes"),
    [
        (IotRouteSide, TwinIotRoute, {"events"}),
        (HomeSide, TwinHome, set()),
        (HeadEnd, TwinHeadEnd, {"events"}),
        (Terminal, TwinTerminal, {"maintenance"}),
        (Clock, VirtualClock, set()),
        (Bench, TwinBench, {"seed", "declaration", "clock", "terminal", "route", "home", "hes"}),
    ],
)
def test_each_twin_side_implements_every_member_of_its_interface(interface, side, attributes) -> None:
    assert members(interface)
    assert missing(interface, side, attributes=frozenset(attributes)) == []


def test_the_twin_has_a_sniffer_a_maintenance_port_and_a_metered_supply() -> None:
    bench = TwinBench(seed=1, declaration=load_declaration(), dut_factory=ReferenceTerminal)
    assert if_provided(lambda: bench.route.air) is bench.route.air
    bench.terminal.power_on()
    bench.clock.wait(1.0)
    assert bench.terminal.maintenance.command("CLOCK?")[-1].startswith("OK ")
    assert bench.terminal.measure_current_a() >= 0.0
    with pytest.raises(NotApplicable, match="reads them on the air"):
        bench.route.probe_replies(EchoProbe(1, 1, 0.0))
    bench.close()
