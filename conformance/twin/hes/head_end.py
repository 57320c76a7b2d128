"""The twin profile's head-end system (``HeadEnd``): the HES's metering service behind
the smart meters' multi-hop network, which the bench can interrupt (an outage of the SM
network) and restore."""

from __future__ import annotations

import random
import secrets
from datetime import datetime

from conformance.errors import BenchError
from conformance.observe.hes_events import HesEventLog
from conformance.protocols import dlms
from conformance.sim.backhaul import MultiHopBackhaul, MultiHopProfile
from conformance.sim.scheduler import Scheduler
from conformance.sim.timebase import sm_datetime
from conformance.twin.hes.log import HesLog
from conformance.twin.hes.metering import HesMetering
from conformance.twin.hes.reading_store import ReadingStore, StoredReading
from conformance.twin.hes.registry import HeadEndSystem, JoinRecord
from conformance.twin.meter.smart_meter import SmartMeter


class TwinHeadEnd:
    def __init__(
        self,
        *,
        scheduler: Scheduler,
        rng: random.Random,
        registry: HeadEndSystem,
        meters: dict[str, SmartMeter],
        store_path: str = ":memory:",
    ) -> None:
        self._scheduler = scheduler
        self._registry = registry
        self._meters = meters
        self.events = HesEventLog()
        self.backhaul = MultiHopBackhaul(scheduler, rng, MultiHopProfile())
        self.interrupted = False
        self._routes: dict[str, tuple[str, bytes]] = {}  # terminal ID -> (meter, EUI-64)
        self._terminal_ids: dict[bytes, str] = {}
        self.metering = HesMetering(
            scheduler=scheduler, store=ReadingStore(store_path), events=self.events, send=self._downlink
        )
        self.metering.on_password_changed = self._password_changed
        registry.on_join = self._joined
        # NAT-3.2-LOG: the HES's own operation log, tamper-evident; its key never leaves it.
        self.log = HesLog(secrets.token_bytes(32))

    # -- the SM network in both directions ----------------------------------------------

    def attach(self, meter: SmartMeter) -> None:
        meter.on_application = self._uplink

    def _uplink(self, meter: str, terminal: bytes, apdu: bytes) -> None:
        terminal_id = self._terminal_ids.get(terminal)
        if terminal_id is None or self.interrupted:
            return
        self.backhaul.send(self._arrive, terminal_id, apdu)

    def _arrive(self, terminal_id: str, apdu: bytes) -> None:
        if not self.interrupted:
            self.metering.receive(terminal_id, apdu)

    def _downlink(self, terminal_id: str, apdu: bytes) -> bool:
        route = self._routes.get(terminal_id)
        if route is None or self.interrupted:
            return False
        meter, terminal = route
        self.backhaul.send(self._leave, meter, terminal, apdu)
        return True

    def _leave(self, meter: str, terminal: bytes, apdu: bytes) -> None:
        if not self.interrupted:
            self._meters[meter].send_application(terminal, apdu)

    def _joined(self, record: JoinRecord) -> None:
        self._record("join", f"terminal {record.authentication_id} via {record.meter}")
        self._routes[record.authentication_id] = (record.meter, record.terminal)
        self._terminal_ids[record.terminal] = record.authentication_id
        if record.authentication_id in self.metering.terminals:
            self.metering.sync_clock(record.authentication_id)

    def _password_changed(self, terminal_id: str, password: str) -> None:
        self._registry.register(terminal_id, password)

    # -- HeadEnd -------------------------------------------------------------------------

    def commission(
        self,
        terminal_id: str,
        meter_id: bytes,
        granularity_s: int,
        model: dlms.ObjectModel = dlms.DEFAULT_MODEL,
    ) -> None:
        self._record("commission", f"terminal {terminal_id} meter {meter_id.hex().upper()} ({model.name})")
        self.metering.commission(terminal_id, meter_id, granularity_s, model)

    def sm_time(self) -> datetime:
        return sm_datetime(self._scheduler.now)

    def readings(self, terminal_id: str) -> list[StoredReading]:
        return self.metering.store.readings(terminal_id)

    def missing(self, terminal_id: str, until: int | None = None) -> list[tuple[int, int]]:
        return self.metering.missing(terminal_id, until)

    def interrupt(self) -> None:
        self.interrupted = True

    def restore(self) -> None:
        self.interrupted = False

    def set_granularity(self, terminal_id: str, seconds: int, *, agreed: bool = False) -> None:
        self._record("setting", f"terminal {terminal_id} granularity {seconds} s")
        self.metering.set_granularity(terminal_id, seconds, agreed=agreed)

    def set_upload_interval(self, terminal_id: str, seconds: int, *, agreed: bool = False) -> None:
        self._record("setting", f"terminal {terminal_id} upload interval {seconds} s")
        self.metering.set_upload_interval(terminal_id, seconds, agreed=agreed)

    def set_password(self, terminal_id: str, password: str) -> None:
        self._record("setting", f"terminal {terminal_id} password (value not logged)")
        self.metering.set_password(terminal_id, password)

    def set_terminal_id(self, terminal_id: str, new_id: str) -> None:
        self._record("setting", f"terminal {terminal_id} authentication ID {new_id}")
        self.metering.set_terminal_id(terminal_id, new_id)

    def sync_clock(self, terminal_id: str) -> None:
        self.metering.sync_clock(terminal_id)

    def read_clock(self, terminal_id: str) -> None:
        self.metering.read(terminal_id, "clock", self.metering.model_of(terminal_id).clock)

    def read_attribute(self, terminal_id: str, name: str, attribute: dlms.CosemAttribute) -> None:
        self.metering.read(terminal_id, name, attribute)

    def secrets(self) -> list[str]:
        return self._registry.secrets()

    # -- disconnection and the operation log (NAT-3.4-CUT, THK-14-CUT, NAT-3.2-LOG) ------

    def set_credentials_enabled(self, terminal_id: str, *, enabled: bool) -> None:
        """THK seed ch. 14 別表2: 「当該無線端末の認証情報を無効化し、SM通信NWから遮断」 and
        「認証情報を有効化し、SM通信NWに再接続」. Sessions already open stay open: the smart
        meter ends them (``IotRouteSide.terminate_session``)."""
        self._record("credentials", f"terminal {terminal_id} {'enabled' if enabled else 'invalidated'}")
        self._registry.set_enabled(terminal_id, enabled)

    def operation_log(self) -> list[str]:
        finding = self.log.verify()
        if finding is not None:
            raise BenchError(f"the HES twin's operation log does not verify: {finding.describe()}")
        return self.log.lines()

    @property
    def operation_log_archived(self) -> int:
        return self.log.archived

    def _record(self, kind: str, detail: str) -> None:
        self.log.append(self._scheduler.now, kind, detail)
