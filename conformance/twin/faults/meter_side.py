"""Faulty terminal twins of the meter side and of the values (issue 11, second round).

Each is caught by a check that looks at more than presence: which metering devices the
terminal read (NAT-2.1-B), which wire it read them over (THK-8-IF), and every value at the
HES compared with what the meter answered at that slot (the value oracle of the metering
steps). Their other behaviour is the reference's, so the scenarios of presence and count
pass against them.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from conformance.protocols import dlms, echonet, modbus_register_map
from conformance.sim.home_network import HomeDatagram
from conformance.twin.faults import Fault
from conformance.twin.terminal.metering import BUS_NODE, MODBUS_UNIT, MeteringApp
from conformance.twin.terminal.reference import ReferenceTerminal

QUARTER_HOUR_S = 900
KWH = 1000


def _with_metering(app: type[MeteringApp]) -> type[ReferenceTerminal]:
    return type(f"TerminalWith{app.__name__}", (ReferenceTerminal,), {"metering_class": app})


class ReadsEveryMeter(MeteringApp):
    """Built for N meters ahead of the guideline (「将来的にN台利用を想定」): keeps every 0x028E
    that answers its discovery and reads them in turn, one a slot."""

    def _receive(self, datagram: HomeDatagram) -> None:
        super()._receive(datagram)
        meters = self.__dict__.setdefault("_meters", [])
        if self.meter_address is not None and self.meter_address not in meters:
            meters.append(self.meter_address)

    def _acquire(self, slot: int, attempt: int) -> None:
        meters = self.__dict__.get("_meters", [])
        if attempt == 1 and len(meters) > 1:
            self.meter_address = meters[(slot // self.settings.granularity_s) % len(meters)]
        super()._acquire(slot, attempt)


class PollsTheUndeclaredWire(MeteringApp):
    """Declares ECHONET Lite on the LAN and reads the meter there, but its Modbus poller was
    left on: every slot it also asks the RS-485 bus for the meter's registers."""

    def _acquire(self, slot: int, attempt: int) -> None:
        super()._acquire(slot, attempt)
        if attempt == 1 and not self.on_bus and self._bus is not None:
            self._bus.transmit(BUS_NODE, modbus_register_map.read_request(MODBUS_UNIT))


class CompletesWithStaleValues(MeteringApp):
    """Answers a range request with each slot's capture time but the counters of the slot
    before it (an off-by-one in the completion buffer): every slot is there, the values wrong."""

    def completion_entries(self, start: int, end: int) -> list:
        entries = self.store.between(start - self.settings.granularity_s, end)
        return [
            replace(entry, import_wh=previous.import_wh, export_wh=previous.export_wh)
            for previous, entry in pairwise(entries)
            if int(entry.capture_time.timestamp()) >= start
        ]


class RoundsQuarterHourValues(MeteringApp):
    """Keeps 15-minute values to whole kWh (the last three digits dropped), as if the 15-minute
    profile had kWh resolution; 30-minute values are right."""

    def make_entry(self, slot: int, imported: int, exported: int):
        if self.settings.granularity_s == QUARTER_HOUR_S:
            imported, exported = imported // KWH * KWH, exported // KWH * KWH
        return super().make_entry(slot, imported, exported)


class SaturatesExport(MeteringApp):
    """Stops the export value at 99,999,999 instead of letting it wrap to 0 with the meter's
    9-digit counter (「下8桁」): right until the reverse energy first passes 10^8 Wh."""

    def make_entry(self, slot: int, imported: int, exported: int):
        return super().make_entry(slot, imported, min(exported, dlms.COUNTER_LIMIT))


class ReadsImportOnly(MeteringApp):
    """Asks the meter for 0xD1 and 0xE0 only and reports the reverse energy as 0 Wh: right
    wherever nothing flows back, and a made-up value as soon as something does."""

    def _send_echonet(self, dst: str, frame: echonet.Frame) -> None:
        if frame.esv is echonet.Esv.GET and dst == self.meter_address:
            frame = replace(frame, properties=tuple(p for p in frame.properties if p.epc != 0xE2))
        super()._send_echonet(dst, frame)

    def _on_reading(self, slot: int, frame: echonet.Frame) -> None:
        if frame.esv is echonet.Esv.GET_RES and all(p.epc != 0xE2 for p in frame.properties):
            zero = echonet.Property(epc=0xE2, edt=echonet.cumulative_energy_edt(0))
            frame = replace(frame, properties=(*frame.properties, zero))
        super()._on_reading(slot, frame)


class ReportsEmptyMeterId(MeteringApp):
    """Reads the meter's values but not its device ID: every upload names an empty 0xD1."""

    def reported_meter_id(self, read: bytes) -> bytes:
        return b""


class ReadsOncePerSlot(MeteringApp):
    """Sends one Get a slot and never repeats it: a request the meter missed loses the slot."""

    def _retry(self, tid: int, slot: int, attempt: int) -> None:
        self._pending_reads.pop(tid, None)


class CarriesMeterIdOver(MeteringApp):
    """A meter answer without its device ID (0xD1) is taken under the ID the last answer
    carried: a meter swapped for one that leaves 0xD1 out would pass as the old one."""

    def _on_reading(self, slot: int, frame: echonet.Frame) -> None:
        if self.meter_id and all(p.epc != 0xD1 for p in frame.properties):
            frame = replace(
                frame, properties=(*frame.properties, echonet.Property(epc=0xD1, edt=self.meter_id))
            )
        super()._on_reading(slot, frame)


class TakesValueWithoutId(MeteringApp):
    """A meter answer without its device ID (0xD1) is taken and uploaded with an empty ID
    (the reference's behaviour before the ruling): the SM system gets a value of no meter."""

    def _on_reading(self, slot: int, frame: echonet.Frame) -> None:
        values = {p.epc: p.edt for p in frame.properties}
        if frame.esv is echonet.Esv.GET_RES and 0xD1 not in values and {0xE0, 0xE2} <= values.keys():
            imported, exported = (echonet.cumulative_energy(values[epc]) for epc in (0xE0, 0xE2))
            self.take_value(slot, b"", imported, exported)
            return
        super()._on_reading(slot, frame)


class DatesValuesAYearAhead(MeteringApp):
    """Stamps each value a year late of its slot (a two-digit year field off by one), so the
    HES refuses them as dated in the future."""

    def make_entry(self, slot: int, imported: int, exported: int):
        entry = super().make_entry(slot, imported, exported)
        return replace(entry, capture_time=entry.capture_time.replace(year=entry.capture_time.year + 1))


FAULTS = (
    Fault(
        "reads-every-meter",
        "reads every metering device it finds, in turn",
        ("NAT-2.1-B",),
        _with_metering(ReadsEveryMeter),
    ),
    Fault(
        "polls-undeclared-wire",
        "declares ECHONET Lite, also polls the RS-485 bus",
        ("THK-8-IF",),
        _with_metering(PollsTheUndeclaredWire),
    ),
    Fault(
        "completes-with-stale-values",
        "completes each slot with the slot before's counters",
        ("NAT-2.5-GAP", "THK-7-GAPFILL"),
        _with_metering(CompletesWithStaleValues),
    ),
    Fault(
        "rounds-15-min-values",
        "keeps 15-minute values to whole kWh",
        ("NAT-2.5-15MIN",),
        _with_metering(RoundsQuarterHourValues),
    ),
    Fault(
        "empty-meter-id",
        "uploads values with an empty device ID",
        ("NAT-3.1-T3",),
        _with_metering(ReportsEmptyMeterId),
    ),
    Fault(
        "reads-once-per-slot",
        "never repeats a Get the meter did not answer, so a missed request loses the slot",
        ("NAT-2.5-ACQ",),
        _with_metering(ReadsOncePerSlot),
    ),
    Fault(
        "carries-meter-id-over",
        "takes a meter answer without its device ID (0xD1) under the ID of the last answer",
        ("NAT-3.1-T3",),
        _with_metering(CarriesMeterIdOver),
    ),
    Fault(
        "takes-value-without-id",
        "uploads the value of a meter answer without its device ID (0xD1) with an empty ID",
        ("NAT-3.1-T3",),
        _with_metering(TakesValueWithoutId),
    ),
    Fault(
        "values-dated-a-year-ahead",
        "stamps its values a year ahead",
        ("NAT-2.5-TIME",),
        _with_metering(DatesValuesAYearAhead),
    ),
    Fault(
        "saturates-export",
        "stops the export value at 99,999,999",
        ("NAT-2.5-ACQ",),
        _with_metering(SaturatesExport),
    ),
    Fault(
        "reads-import-only",
        "never reads 0xE2, reports the reverse energy as 0",
        ("NAT-2.5-TYPES",),
        _with_metering(ReadsImportOnly),
    ),
)
