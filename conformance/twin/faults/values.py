"""Faulty terminal twins that keep every value in its place but a wrong one in it (issue 11,
third round).

Each keeps the reference's presence and count: a value for every slot, at the right time,
in the right unit. Only a value oracle sees them: the bench compares every value at the HES
and every value the maintenance port shows with what the metering device answered at that
slot on the home side (steps/metering_steps.py), never with the terminal's own store.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from itertools import pairwise

from conformance.twin.faults import Fault
from conformance.twin.terminal.metering import MeteringApp
from conformance.twin.terminal.reference import ReferenceTerminal

HOUR_S = 3600


def _with_metering(app: type[MeteringApp]) -> type[ReferenceTerminal]:
    return type(f"TerminalWith{app.__name__}", (ReferenceTerminal,), {"metering_class": app})


class HourlyValuesOfThePreviousHour(MeteringApp):
    """Set to hourly values (THK seed ch. 7 「1時間値」), stores each hour under its own
    capture time but with the counters read an hour before: its hourly register is latched
    at the read and copied out one read late."""

    def make_entry(self, slot: int, imported: int, exported: int):
        previous = getattr(self, "_previous_read", None)
        self._previous_read = (imported, exported)
        if self.settings.granularity_s == HOUR_S and previous is not None:
            imported, exported = previous
        return super().make_entry(slot, imported, exported)


class PortShowsTheSlotBefore(MeteringApp):
    """The maintenance port lists every stored slot with its capture time, but each with the
    counters of the slot before it (the port's own copy of the buffer lags one slot): a
    handy terminal reads stale values while the SM system gets the right ones."""

    def values_between(self, start: datetime, end: datetime) -> list:
        first = int(start.timestamp())
        entries = self.store.between(first - self.settings.granularity_s, int(end.timestamp()))
        # The first value stored has no slot before it: the port shows it as it is.
        return [
            replace(entry, import_wh=previous.import_wh, export_wh=previous.export_wh)
            for previous, entry in pairwise([*entries[:1], *entries])
            if int(entry.capture_time.timestamp()) >= first
        ]


class SwapsRegistersWhenExportLeads(MeteringApp):
    """Guesses a reversed current transformer: when the export counter (0xE2) is the larger
    and rises faster, it takes the meter for one installed back to front and swaps the two
    registers. At installation (export counter 0) it never guesses; with the counters
    elsewhere in their range it sends reverse energy as AC input (NAT seed 2-5 ※2)."""

    def make_entry(self, slot: int, imported: int, exported: int):
        last = getattr(self, "_last_counters", None)
        self._last_counters = (imported, exported)
        if last is not None and exported > imported and exported - last[1] > imported - last[0]:
            imported, exported = exported, imported
        return super().make_entry(slot, imported, exported)


class PortShowsFactoryGranularity(ReferenceTerminal):
    """The maintenance port reads the granularity from the factory settings, not from the
    settings in effect: a handy terminal that switched it to 15 minutes reads 1,800 s back
    while the terminal reads the meter every 15 minutes."""

    def maintenance_command(self, line: str) -> list[str]:
        if line.split() == ["SETTING?", "granularity_s"]:
            return ["OK 1800"]
        return super().maintenance_command(line)


FAULTS = (
    Fault(
        "hourly-values-an-hour-stale",
        "hourly values carry the counters of the hour before",
        ("THK-7-GRAN",),
        _with_metering(HourlyValuesOfThePreviousHour),
    ),
    Fault(
        "port-shows-slot-before",
        "the maintenance port shows each slot with the counters of the slot before",
        ("NAT-2.5-GAP",),
        _with_metering(PortShowsTheSlotBefore),
    ),
    Fault(
        "swaps-registers-when-export-leads",
        "swaps forward and reverse when the export counter is larger and rises faster",
        ("NAT-2.5-TYPES",),
        _with_metering(SwapsRegistersWhenExportLeads),
    ),
    Fault(
        "port-shows-factory-granularity",
        "the maintenance port shows the factory granularity, not the one a handy terminal set",
        ("NAT-2.5-CFG",),
        PortShowsFactoryGranularity,
    ),
)
