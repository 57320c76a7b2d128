"""The meter's answers that name no meter: a Get answer carrying energy (0xE0 or 0xE2) but
no device ID (0xD1), as the home side's port mirror saw it.

NAT seed 7-1 ③ 「誤った特例計量器等との接続を防止するため、無線端末に接続される特例計量器ID等を
取得し、電力SMシステムで検知できること」 (to prevent connection to the wrong metering device,
the terminal obtains the ID of the metering device connected to it, so the SM system can
detect it), with 2-5's data kinds 「機器ID/0xD1、積算電力量計測値（交流入力）/0xE0、
（交流出力）/0xE2」: the ID is part of each reading. A value from an answer without it was not
obtained with its meter's ID; the metering steps hold the HES's values of those slots against
this (conformance/MODELLED.md, "A meter answer without its ID").
"""

from __future__ import annotations

from conformance.interfaces import HomeSide
from conformance.protocols import echonet
from conformance.protocols.errors import ProtocolError

DEVICE_ID, IMPORT, EXPORT = 0xD1, 0xE0, 0xE2


def answers_without_id(home: HomeSide) -> list[float]:
    """When (the bench's time) the meter answered energy without its device ID, in order."""
    found = []
    for datagram in home.traffic:
        if datagram.src != home.meter_address:
            continue
        try:
            frame = echonet.decode(datagram.payload)
        except ProtocolError:
            continue
        if frame.esv not in (echonet.Esv.GET_RES, echonet.Esv.GET_SNA):
            continue
        carried = {p.epc: p.edt for p in frame.properties}
        if (IMPORT in carried or EXPORT in carried) and not carried.get(DEVICE_ID):
            found.append(datagram.time)
    return sorted(found)
