"""Decoding of what was on the terminal's meter side, for the steps: the home network
(a port mirror's view) and, for a meter wired over RS-485, the meter bus (a bus
analyser's view).

The bench's own metering device is the only meter there, so whatever asked it for energy
was the terminal, whatever its address.
"""

from __future__ import annotations

from conformance.interfaces import HomeSide
from conformance.protocols import echonet, modbus_register_map
from conformance.protocols.errors import ProtocolError
from conformance.sim.home_network import HomeDatagram

IMPORT, EXPORT = 0xE0, 0xE2
TIME_EPCS = frozenset({0x97, 0x98, 0xDA})


def _frames(home: HomeSide, *, to_meter: bool) -> list[tuple[HomeDatagram, echonet.Frame]]:
    found = []
    for datagram in home.traffic:
        if (datagram.dst if to_meter else datagram.src) != home.meter_address:
            continue
        try:
            found.append((datagram, echonet.decode(datagram.payload)))
        except ProtocolError:
            continue
    return found


def meter_reads(home: HomeSide) -> list[float]:
    """When the meter was asked for its import energy (0xE0), in the bench's time."""
    return [
        d.time
        for d, frame in _frames(home, to_meter=True)
        if frame.esv is echonet.Esv.GET and any(p.epc == IMPORT for p in frame.properties)
    ]


def _bus_answers(home: HomeSide) -> list[tuple[float, int, int]]:
    answers = []
    for record in home.bus_traffic:
        try:
            reading = modbus_register_map.parse_reading(record.frame)
        except ProtocolError:
            continue  # requests, clock-write answers, noise
        answers.append((record.time, reading.import_wh, reading.export_wh))
    return answers


def meter_answers(home: HomeSide) -> list[tuple[float, int, int]]:
    """(time, import Wh, export Wh) of every answer of the meter that carried both
    counters, over ECHONET Lite or on the meter bus."""
    answers = _bus_answers(home)
    for datagram, frame in _frames(home, to_meter=False):
        if frame.esv is not echonet.Esv.GET_RES:
            continue
        values = {p.epc: p.edt for p in frame.properties}
        if IMPORT in values and EXPORT in values:
            answers.append(
                (
                    datagram.time,
                    echonet.cumulative_energy(values[IMPORT]),
                    echonet.cumulative_energy(values[EXPORT]),
                )
            )
    return answers


def meter_settings(home: HomeSide) -> list[float]:
    """When the terminal set the meter's clock: over ECHONET Lite (SetC/SetI of 0x97, 0x98
    or 0xDA) or with the register map's clock write (function 16) on the meter bus."""
    over_echonet = [
        d.time
        for d, frame in _frames(home, to_meter=True)
        if frame.esv in (echonet.Esv.SETC, echonet.Esv.SETI)
        and any(p.epc in TIME_EPCS for p in frame.properties)
    ]
    on_the_bus = [r.time for r in home.bus_traffic if modbus_register_map.is_clock_write(r.frame)]
    return sorted(over_echonet + on_the_bus)
