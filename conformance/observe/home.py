"""Decoding of what was on the terminal's meter side, for the steps: the home network
(a port mirror's view) and, for a meter wired over RS-485, the meter bus (a bus
analyser's view).

The bench's own metering device is the only meter there, so whatever asked it for energy
was the terminal, whatever its address (a scenario about NAT-2.1-B puts a second one beside
it: ``meters_read`` tells them apart by address).
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.interfaces import HomeSide, if_provided
from conformance.protocols import echonet, modbus_register_map
from conformance.protocols.errors import ProtocolError
from conformance.sim.home_network import HomeDatagram

IMPORT, EXPORT, DEVICE_ID = 0xE0, 0xE2, 0xD1
TIME_EPCS = frozenset({0x97, 0x98, 0xDA})
# How the bus analyser names the bench's meter on the RS-485 pair (twin/home/home_side.py,
# observe/renderings.py); the terminal, the bus's only master, sent every other frame.
METER_ON_THE_BUS = "meter"


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


def answers_without_id(home: HomeSide) -> list[float]:
    """When (the bench's time) the meter answered energy (0xE0 or 0xE2) without its device ID
    (0xD1), as the port mirror saw it, in order.

    NAT seed 7-1 ③ 「誤った特例計量器等との接続を防止するため、無線端末に接続される特例計量器ID等を
    取得し、電力SMシステムで検知できること」 (to prevent connection to the wrong metering device,
    the terminal obtains the ID of the metering device connected to it, so the SM system can
    detect it), with 2-5's data kinds 「機器ID/0xD1、積算電力量計測値（交流入力）/0xE0、
    （交流出力）/0xE2」: the ID is part of each reading. A value from an answer without it was
    not obtained with its meter's ID; the metering steps hold the HES's values of those slots
    against this (conformance/MODELLED.md, "A meter answer without its ID").
    """
    found = []
    for datagram, frame in _frames(home, to_meter=False):
        if frame.esv not in (echonet.Esv.GET_RES, echonet.Esv.GET_SNA):
            continue
        carried = {p.epc: p.edt for p in frame.properties}
        if (IMPORT in carried or EXPORT in carried) and not carried.get(DEVICE_ID):
            found.append(datagram.time)
    return sorted(found)


def _bus_frames(home: HomeSide) -> list:
    """The meter bus's frames, none where the profile cannot see the bus (a rig's)."""
    return if_provided(lambda: home.bus_traffic) or []


def _bus_answers(home: HomeSide) -> list[tuple[float, int, int]]:
    answers = []
    for record in _bus_frames(home):
        try:
            reading = modbus_register_map.parse_reading(record.frame)
        except ProtocolError:
            continue  # requests, clock-write answers, noise
        answers.append((record.time, reading.import_wh, reading.export_wh))
    return answers


@dataclass(frozen=True, slots=True)
class MeterAnswer:
    """An answer of the meter that carried energy, as the port mirror or the bus analyser
    saw it: a counter the answer did not carry is ``None`` (the terminal asked for part)."""

    time: float
    import_wh: int | None
    export_wh: int | None


def meter_answers(home: HomeSide) -> list[MeterAnswer]:
    """Every answer of the meter that carried 0xE0 or 0xE2 (or both), over ECHONET Lite or
    on the meter bus, in time order."""
    answers = [MeterAnswer(t, imp, exp) for t, imp, exp in _bus_answers(home)]
    for datagram, frame in _frames(home, to_meter=False):
        if frame.esv is not echonet.Esv.GET_RES:
            continue
        values = {p.epc: p.edt for p in frame.properties}
        if IMPORT in values or EXPORT in values:
            answers.append(
                MeterAnswer(datagram.time, _energy(values.get(IMPORT)), _energy(values.get(EXPORT)))
            )
    return sorted(answers, key=lambda a: a.time)


def _energy(edt: bytes | None) -> int | None:
    if edt is None:
        return None
    try:
        return echonet.cumulative_energy(edt)
    except ProtocolError:
        return None


def meters_read(home: HomeSide) -> dict[str, set[str]]:
    """Every node of the home network the terminal read energy from (NAT-2.1-B), by address,
    with the device IDs (0xD1, hex) its answers carried: the destination of a unicast Get of
    0xE0 or 0xE2, and the source of an answer carrying either."""
    read: dict[str, set[str]] = {}
    for datagram in home.traffic:
        try:
            frame = echonet.decode(datagram.payload)
        except ProtocolError:
            continue
        epcs = {p.epc for p in frame.properties}
        if not epcs & {IMPORT, EXPORT}:
            continue
        if frame.esv is echonet.Esv.GET and not _multicast(datagram.dst):
            read.setdefault(datagram.dst, set())
        elif frame.esv is echonet.Esv.GET_RES:
            ids = read.setdefault(datagram.src, set())
            ids.update(p.edt.hex().upper() for p in frame.properties if p.epc == DEVICE_ID and p.edt)
    return read


def _multicast(address: str) -> bool:
    return address.lower().startswith("ff") or address.startswith("224.")


def bus_requests(home: HomeSide) -> list[float]:
    """When the terminal sent on the meter bus (RS-485): every frame but the meter's."""
    return [r.time for r in home.bus_traffic if r.sender != METER_ON_THE_BUS]


def meter_settings(home: HomeSide) -> list[float]:
    """When the terminal set the meter's clock: over ECHONET Lite (SetC/SetI of 0x97, 0x98
    or 0xDA) or with the register map's clock write (function 16) on the meter bus."""
    over_echonet = [
        d.time
        for d, frame in _frames(home, to_meter=True)
        if frame.esv in (echonet.Esv.SETC, echonet.Esv.SETI)
        and any(p.epc in TIME_EPCS for p in frame.properties)
    ]
    on_the_bus = [r.time for r in _bus_frames(home) if modbus_register_map.is_clock_write(r.frame)]
    return sorted(over_echonet + on_the_bus)
