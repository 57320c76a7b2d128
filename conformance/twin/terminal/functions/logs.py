"""The reference terminal's access and event logs (NAT-3.1-T5: 「不正アクセス、ウイルス感染
等の証跡を保存するため、アクセスログ、イベントログ等を保存する機能を有すること」).

* The access log records who reached the terminal: every PANA authentication with a
  smart meter, success or failure, and every setting or clock command on the maintenance
  port, accepted or not (secrets masked, as in the port's transcript). A firmware image
  offered on the port is the firmware function's to log, in the event log.
* The event log records what happened to it: power-on, the end of a session, setting
  changes (from the SM system or the port), the metering device's ID when first read
  and whenever it changes (a swapped meter, NAT-3.1-T3), and what other functions report
  (firmware installed or refused, DoS detected).

Both are non-volatile: they live in flash, so a power cycle keeps them (in the twin, the
function object outlives power cycles). Each keeps the declared number of entries and
drops the oldest beyond it, and drops entries older than the declared retention period
(NAT-3.2-LOG 「保存期間又は件数等を予め設定し、ログを取得、保持」). Entries carry the
terminal's clock, which the SM system keeps in step.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from conformance.protocols.maintenance import redact
from conformance.twin.terminal.functions import TerminalFunction

ACCESS = "access"
EVENT = "event"
# Maintenance-port commands that change the terminal: each access is logged.
WRITE_COMMANDS = frozenset({"CLOCK", "SETTING"})
_SECRET_SETTINGS = frozenset({"password"})


@dataclass(frozen=True, slots=True)
class Entry:
    time: datetime
    kind: str
    detail: str

    def line(self) -> str:
        return f"ENTRY {self.time.isoformat()} {self.kind} {self.detail}".rstrip()


class TerminalLog:
    """A ring of ``capacity`` entries, none older than ``retention``."""

    def __init__(self, capacity: int, retention: timedelta) -> None:
        self._entries: deque[Entry] = deque(maxlen=capacity)
        self._retention = retention

    def add(self, entry: Entry) -> None:
        self._entries.append(entry)
        self._expire(entry.time)

    def entries(self, now: datetime) -> list[Entry]:
        self._expire(now)
        return list(self._entries)

    def clear(self) -> None:
        self._entries.clear()

    def _expire(self, now: datetime) -> None:
        while self._entries and self._entries[0].time < now - self._retention:
            self._entries.popleft()


class LogsFunction(TerminalFunction):
    def __init__(self, terminal) -> None:
        super().__init__(terminal)
        declared = terminal.config.declaration.logs
        retention = timedelta(days=self.retention_days(declared.retention_days))
        self.logs = {
            ACCESS: TerminalLog(self.capacity(declared.access_log_entries), retention),
            EVENT: TerminalLog(self.capacity(declared.event_log_entries), retention),
        }
        self._meter_id: bytes | None = None  # non-volatile with the logs

    # -- policy (faulty twins change one of these) -------------------------------------

    def capacity(self, declared: int) -> int:
        """The reference keeps what it declares."""
        return declared

    def retention_days(self, declared: int) -> int:
        return declared

    def record(self, log: str, kind: str, detail: str) -> None:
        self.logs[log].add(Entry(self.terminal.metering.now(), kind, detail))

    # -- what is logged ------------------------------------------------------------------

    def powered_on(self) -> None:
        self.record(EVENT, "power-on", "")

    def joined(self, meter: bytes) -> None:
        self.record(ACCESS, "auth-success", f"smart meter {meter.hex().upper()}")

    def authentication_failed(self, meter: bytes, reason: str) -> None:
        self.record(ACCESS, "auth-failure", f"smart meter {meter.hex().upper()}: {reason}")

    def session_ended(self, reason: str) -> None:
        self.record(EVENT, "session-ended", reason)

    def setting_changed(self, name: str, source: str) -> None:
        self.record(EVENT, "setting-changed", f"{self._setting(name)} by {source}")

    def meter_identity(self, meter_id: bytes) -> None:
        if meter_id == self._meter_id:
            return
        if self._meter_id is None:
            self.record(EVENT, "meter-identified", meter_id.hex().upper())
        else:
            self.record(EVENT, "meter-changed", f"{self._meter_id.hex().upper()} -> {meter_id.hex().upper()}")
        self._meter_id = meter_id

    def event_reported(self, kind: str, detail: str) -> None:
        self.record(EVENT, kind, detail)

    def maintenance(self, words: list[str]) -> list[str] | None:
        if len(words) == 2 and words[0] == "LOG?" and words[1] in self.logs:
            entries = self.logs[words[1]].entries(self.terminal.metering.now())
            return [*(e.line() for e in entries), f"OK {len(entries)}"]
        if words and words[0] in WRITE_COMMANDS and len(words) > 1:
            self.record(ACCESS, "maintenance", redact(" ".join(words)))
        return None  # the command itself is another function's

    # -- helpers ---------------------------------------------------------------------------

    def _setting(self, name: str) -> str:
        """``name=value``; a secret's value never reaches the log."""
        app = self.terminal.metering
        if name in _SECRET_SETTINGS:
            return name
        if name == "clock":
            return f"clock={app.now().isoformat()}"
        value = getattr(app.settings, name, None)
        return name if value is None else f"{name}={value}"


FUNCTION = LogsFunction
