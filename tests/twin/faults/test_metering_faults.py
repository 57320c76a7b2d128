"""The faults written for scenarios no fault failed (issue 14) do what their descriptions say,
part by part; the feature-level proof is the detection matrix's (tests/features)."""

from __future__ import annotations

from datetime import datetime

import pytest

from conformance.ics import load_declaration
from conformance.protocols import dlms
from conformance.sim.timebase import sm_datetime
from conformance.twin.bench import TwinBench
from conformance.twin.faults.metering import RING_VALUES, PortKeepsOldPassword, _RingErasedAtWrap
from conformance.twin.terminal.reference import ReferenceTerminal

HOUR = 3600


def _entry(posix: int) -> dlms.ProfileEntry:
    return dlms.ProfileEntry(
        capture_time=datetime.fromtimestamp(posix, sm_datetime(0).tzinfo), import_wh=posix % 1000, export_wh=0
    )


def test_the_ring_keeps_every_value_until_it_wraps_then_holds_none() -> None:
    store = _RingErasedAtWrap(days=70)  # days to spare: only the wrap may lose a value here
    start = 1_000_000 * HOUR
    for n in range(RING_VALUES - 1):
        store.add(start + n * HOUR, _entry(start + n * HOUR))
    assert len(store.since(0)) == RING_VALUES - 1
    store.add(start + (RING_VALUES - 1) * HOUR, _entry(start + (RING_VALUES - 1) * HOUR))
    assert store.since(0) == []  # the value that filled the ring went with the rest
    later = start + RING_VALUES * HOUR
    store.add(later, _entry(later))
    assert store.since(0) == [_entry(later)]


@pytest.mark.parametrize(("dut", "changed"), [(ReferenceTerminal, True), (PortKeepsOldPassword, False)])
def test_the_fault_acknowledges_a_new_password_on_the_port_and_keeps_the_old(dut, changed: bool) -> None:
    bench = TwinBench(seed=1, declaration=load_declaration(), dut_factory=dut)
    terminal = bench.terminal._dut  # the twin's internals: this tests the fault, it judges no terminal
    old = terminal.password
    bench.terminal.power_on()
    bench.clock.wait(1.0)
    assert bench.terminal.maintenance.command("SETTING password 0123456789abcdef") == ["OK"]
    assert (terminal.password == "0123456789abcdef") is changed
    assert (terminal.password == old) is not changed
    bench.close()
