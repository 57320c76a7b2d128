"""Twin of the metering device (特例計量器) on the terminal's home side.

A distributed-generation electric energy meter, ECHONET Lite class 0x028E (the NAT
guideline 2-5 requires meters that follow the ECHONET 「分散型電源電力量メータクラス規定」),
reachable over UDP 3610 on the home network. It offers what the guideline's data kinds
name (NAT seed 2-5 ※2): device ID 0xD1, cumulative energy AC input 0xE0 (forward) and AC
output 0xE2 (reverse), as 9-digit Wh counters that roll over, and its own clock, which the
terminal may set over ECHONET Lite (0x97 time, 0x98 date; NAT-2.5-TIME).

The counters integrate a load profile (import and export power, changeable at any time)
over virtual time, so the value at any instant is known exactly and the bench can compare
what reached the HES with what the meter showed.
"""

from __future__ import annotations

from datetime import datetime

from conformance.interfaces import ID_LEFT_OUT_S, MeterSpec
from conformance.protocols import echonet
from conformance.protocols.errors import ProtocolError
from conformance.sim.home_network import HomeDatagram, HomeNetwork
from conformance.sim.scheduler import Scheduler
from conformance.sim.timebase import sm_datetime

MISSED_WITHIN_S = 600  # the missed request of a ``MeterSpec.deaf_at`` slot comes within this
COUNTER_MODULUS = 10**9  # 「積算電力量9桁」: 0 .. 999,999,999 Wh, then 0 again
OPERATING = b"\x30"

EPC_OPERATION_STATUS = 0x80
EPC_CURRENT_TIME = 0x97
EPC_CURRENT_DATE = 0x98
EPC_SET_MAP = 0x9E
EPC_GET_MAP = 0x9F
EPC_DEVICE_ID = 0xD1
EPC_ENERGY_UNIT = 0xD4
EPC_CURRENT_TIME_HMS = 0xDA
WH_UNIT = b"\x03"  # 0xD4 = 0x03: 0.001 kWh, so the counters count Wh
EPC_IMPORT = 0xE0
EPC_EXPORT = 0xE2
EPC_INSTANCE_LIST = 0xD6  # node profile: self-node instance list S

GETTABLE = (
    EPC_OPERATION_STATUS,
    EPC_CURRENT_TIME,
    EPC_CURRENT_DATE,
    EPC_SET_MAP,
    EPC_GET_MAP,
    EPC_DEVICE_ID,
    EPC_ENERGY_UNIT,
    EPC_CURRENT_TIME_HMS,
    EPC_IMPORT,
    EPC_EXPORT,
)
SETTABLE = (EPC_CURRENT_TIME, EPC_CURRENT_DATE, EPC_CURRENT_TIME_HMS)


def property_map(epcs: tuple[int, ...]) -> bytes:
    """ECHONET Lite property map (Part 2, Appendix 1): count, then the EPCs (< 16 of them)."""
    return bytes([len(epcs), *sorted(epcs)])


class MeteringDevice:
    """The meter's ECHONET Lite node: node profile 0x0EF001 and the meter 0x028E01."""

    def __init__(self, *, scheduler: Scheduler, network: HomeNetwork, address: str, spec: MeterSpec) -> None:
        self._scheduler = scheduler
        self._network = network
        self.address = address
        self.device_id = spec.device_id
        self._base_time = scheduler.now
        self._base_import = spec.import_wh
        self._base_export = spec.export_wh
        self._import_w = spec.import_w
        self._export_w = spec.export_w
        self.clock_offset_s = spec.clock_offset_s
        self._id_left_out = spec.id_left_out
        self._deaf_at = spec.deaf_at
        self._missed: set[int] = set()
        self.clock_settings: list[tuple[float, datetime]] = []  # (virtual time, what was set)
        network.listen(address, echonet.ECHONET_PORT, self._receive)

    def remove(self) -> None:
        self._network.unlisten(self.address, echonet.ECHONET_PORT)

    # -- the physics: counters and clock ----------------------------------------------

    def counters_at(self, virtual_s: float) -> tuple[int, int]:
        """(import, export) in Wh at a virtual time, as 9-digit counters."""
        hours = (virtual_s - self._base_time) / 3600.0
        imported = self._base_import + int(self._import_w * hours)
        exported = self._base_export + int(self._export_w * hours)
        return imported % COUNTER_MODULUS, exported % COUNTER_MODULUS

    def set_load(self, *, import_w: float, export_w: float) -> None:
        now = self._scheduler.now
        self._base_import, self._base_export = self.counters_at(now)
        self._base_time = now
        self._import_w, self._export_w = import_w, export_w

    def set_counters(self, *, import_wh: int, export_wh: int) -> None:
        self._base_time = self._scheduler.now
        self._base_import, self._base_export = import_wh, export_wh

    def now(self) -> datetime:
        return sm_datetime(self._scheduler.now + self.clock_offset_s)

    def set_clock(self, when: datetime) -> None:
        self.clock_offset_s = (when - sm_datetime(self._scheduler.now)).total_seconds()
        self.clock_settings.append((self._scheduler.now, when))

    # -- ECHONET Lite ------------------------------------------------------------------

    def _receive(self, datagram: HomeDatagram) -> None:
        try:
            frame = echonet.decode(datagram.payload)
        except ProtocolError:
            return  # a meter ignores what it cannot parse (Part 2 §3.2.6)
        if self.misses(frame):
            return
        response = self.respond(frame)
        if response is not None:
            self._network.send(
                src=self.address,
                src_port=echonet.ECHONET_PORT,
                dst=datagram.src,
                dst_port=datagram.src_port,
                payload=echonet.encode(response),
            )

    def respond(self, frame: echonet.Frame) -> echonet.Frame | None:
        if frame.deoj == echonet.NODE_PROFILE or (
            frame.deoj.class_group,
            frame.deoj.class_code,
            frame.deoj.instance,
        ) == (0x0E, 0xF0, 0x00):
            return self._node_profile(frame)
        if (frame.deoj.class_group, frame.deoj.class_code) != (0x02, 0x8E) or frame.deoj.instance not in (
            0,
            1,
        ):
            return None
        if frame.esv is echonet.Esv.GET:
            return self._get(frame)
        if frame.esv in (echonet.Esv.SETC, echonet.Esv.SETI):
            return self._set(frame)
        return None

    def _node_profile(self, frame: echonet.Frame) -> echonet.Frame | None:
        if frame.esv is not echonet.Esv.GET:
            return None
        answered, ok = [], True
        for prop in frame.properties:
            if prop.epc == EPC_INSTANCE_LIST:
                answered.append(echonet.Property(epc=prop.epc, edt=b"\x01" + bytes(echonet.DG_METER)))
            else:
                answered.append(echonet.Property(epc=prop.epc))
                ok = False
        return self._reply(frame, echonet.NODE_PROFILE, ok, answered)

    def _value(self, epc: int) -> bytes | None:
        imported, exported = self.counters_at(self._scheduler.now)
        now = self.now()
        values = {
            EPC_OPERATION_STATUS: OPERATING,
            EPC_CURRENT_TIME: echonet.current_time_edt(now),
            EPC_CURRENT_DATE: echonet.current_date_edt(now),
            EPC_SET_MAP: property_map(SETTABLE),
            EPC_GET_MAP: property_map(GETTABLE),
            EPC_DEVICE_ID: self.device_id,
            EPC_ENERGY_UNIT: WH_UNIT,
            EPC_CURRENT_TIME_HMS: echonet.current_time_hms_edt(now),
            EPC_IMPORT: echonet.cumulative_energy_edt(imported),
            EPC_EXPORT: echonet.cumulative_energy_edt(exported),
        }
        return values.get(epc)

    def misses(self, frame: echonet.Frame) -> bool:
        """The first energy request after the boundary of a slot the bench chose goes
        unanswered (a meter busy with its own measurement): the stimulus of NAT-2.5-ACQ's
        missed-request scenario. By the first request, not a time: the terminal's clock may
        stand seconds off the SM system's."""
        if frame.esv is not echonet.Esv.GET or all(p.epc != EPC_IMPORT for p in frame.properties):
            return False
        now = sm_datetime(self._scheduler.now).timestamp()
        for slot in self._deaf_at:
            if slot <= now < slot + MISSED_WITHIN_S and slot not in self._missed:
                self._missed.add(slot)
                return True
        return False

    def leaves_id_out(self) -> bool:
        """In the first minute of a slot the bench chose, the answer carries no 0xD1 at all (a
        meter whose firmware drops it): the stimulus of NAT-3.1-T3's missing-ID scenario."""
        now = sm_datetime(self._scheduler.now).timestamp()
        return any(slot <= now < slot + ID_LEFT_OUT_S for slot in self._id_left_out)

    def _get(self, frame: echonet.Frame) -> echonet.Frame:
        answered, ok = [], True
        for prop in frame.properties:
            if prop.epc == EPC_DEVICE_ID and self.leaves_id_out():
                continue
            value = self._value(prop.epc)
            ok &= value is not None
            answered.append(echonet.Property(epc=prop.epc, edt=value or b""))
        return self._reply(frame, echonet.DG_METER, ok, answered)

    def _set(self, frame: echonet.Frame) -> echonet.Frame | None:
        answered, ok = [], True
        now = self.now()
        for prop in frame.properties:
            try:
                if prop.epc == EPC_CURRENT_TIME:
                    hour, minute = echonet.parse_time(prop.edt)
                    now = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
                elif prop.epc == EPC_CURRENT_TIME_HMS:
                    moment = echonet.current_time_hms(prop.edt)
                    now = now.replace(
                        hour=moment.hour, minute=moment.minute, second=moment.second, microsecond=0
                    )
                elif prop.epc == EPC_CURRENT_DATE:
                    day = echonet.parse_date(prop.edt)
                    now = now.replace(year=day.year, month=day.month, day=day.day)
                else:
                    raise ValueError(f"EPC 0x{prop.epc:02X} is not settable")
            except (ProtocolError, ValueError):
                ok = False
                answered.append(prop)  # SNA: the refused property is returned with its EDT
                continue
            answered.append(echonet.Property(epc=prop.epc))
        if ok:
            self.set_clock(now)
        if frame.esv is echonet.Esv.SETI and ok:
            return None  # SetI has no success response (Part 2 §4.2.3.1)
        return self._reply(frame, echonet.DG_METER, ok, answered)

    def _reply(
        self, frame: echonet.Frame, seoj: echonet.Eoj, ok: bool, answered: list[echonet.Property]
    ) -> echonet.Frame:
        esv = echonet.response_esv(frame.esv) if ok else echonet.not_possible_esv(frame.esv)
        return echonet.Frame(tid=frame.tid, seoj=seoj, deoj=frame.seoj, esv=esv, properties=tuple(answered))
