"""The SM system's head-end on a rig (``HeadEnd``): the twin's HES, as on the twin profile,
behind the Wi-SUN module (DLMS/COSEM from the terminal arrives as ERXUDP on 4059, the
HES's downlink leaves with SKSENDTO secured; ``rigs.profile.route``).

Every method a step calls tends the rig first (``rigs.profile.tending``), so the HES
answers with what the module has reported up to now and its timers have run up to the
rig clock's now.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from conformance.observe.hes_events import HesEventLog
from conformance.protocols.dlms import DEFAULT_MODEL, CosemAttribute, ObjectModel
from conformance.twin.hes.head_end import TwinHeadEnd
from conformance.twin.hes.reading_store import StoredReading
from rigs.profile.tending import tended


class HilHeadEnd:
    """Implements :class:`conformance.interfaces.HeadEnd` over the twin's HES."""

    def __init__(self, hes: TwinHeadEnd, *, tend: Callable[[], None] = lambda: None) -> None:
        self._hes = hes
        self._tend = tend

    @property
    def events(self) -> HesEventLog:
        return self._hes.events

    @tended
    def commission(
        self, terminal_id: str, meter_id: bytes, granularity_s: int, model: ObjectModel = DEFAULT_MODEL
    ) -> None:
        self._hes.commission(terminal_id, meter_id, granularity_s, model)

    @tended
    def sm_time(self) -> datetime:
        return self._hes.sm_time()

    @tended
    def readings(self, terminal_id: str) -> list[StoredReading]:
        return self._hes.readings(terminal_id)

    @tended
    def missing(self, terminal_id: str, until: int | None = None) -> list[tuple[int, int]]:
        return self._hes.missing(terminal_id, until)

    @tended
    def interrupt(self) -> None:
        self._hes.interrupt()

    @tended
    def restore(self) -> None:
        self._hes.restore()

    @tended
    def set_granularity(self, terminal_id: str, seconds: int, *, agreed: bool = False) -> None:
        self._hes.set_granularity(terminal_id, seconds, agreed=agreed)

    @tended
    def set_upload_interval(self, terminal_id: str, seconds: int, *, agreed: bool = False) -> None:
        self._hes.set_upload_interval(terminal_id, seconds, agreed=agreed)

    @tended
    def set_password(self, terminal_id: str, password: str) -> None:
        self._hes.set_password(terminal_id, password)

    @tended
    def set_terminal_id(self, terminal_id: str, new_id: str) -> None:
        self._hes.set_terminal_id(terminal_id, new_id)

    @tended
    def sync_clock(self, terminal_id: str) -> None:
        self._hes.sync_clock(terminal_id)

    @tended
    def read_clock(self, terminal_id: str) -> None:
        self._hes.read_clock(terminal_id)

    @tended
    def read_attribute(self, terminal_id: str, name: str, attribute: CosemAttribute) -> None:
        self._hes.read_attribute(terminal_id, name, attribute)

    @tended
    def set_credentials_enabled(self, terminal_id: str, *, enabled: bool) -> None:
        self._hes.set_credentials_enabled(terminal_id, enabled=enabled)

    @tended
    def operation_log(self) -> list[str]:
        return self._hes.operation_log()

    @property
    def operation_log_archived(self) -> int:
        return self._hes.operation_log_archived

    # -- what the bench's wait planner asks (rigs.profile.bench) ---------------------------

    @property
    def interrupted(self) -> bool:
        return self._hes.interrupted

    def commissioned(self, terminal_id: str) -> bool:
        return terminal_id in self._hes.metering.terminals

    def idle(self, terminal_id: str) -> bool:
        """No request to the terminal queued or awaiting its answer."""
        record = self._hes.metering.terminals.get(terminal_id)
        return record is None or not (record.pending or record.queue)

    def secrets(self) -> list[str]:
        """Untended, as the evidence asks it after a scenario (also one a part broke)."""
        return self._hes.secrets()
