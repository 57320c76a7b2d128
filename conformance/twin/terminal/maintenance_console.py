"""The reference terminal twin's side of the maintenance port (``conformance.protocols.maintenance``)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from conformance.protocols import dlms
from conformance.protocols.maintenance import redact

if TYPE_CHECKING:
    from conformance.twin.terminal.reference import ReferenceTerminal

WRITABLE = {"granularity_s", "upload_interval_s", "password"}
READABLE = {"granularity_s", "upload_interval_s", "authentication_id"}


class TwinMaintenancePort:
    def __init__(self, terminal: ReferenceTerminal) -> None:
        self._terminal = terminal
        self.transcript: list[str] = []

    def command(self, line: str) -> list[str]:
        answer = self._terminal.maintenance_command(line) if self._terminal.state != "off" else []
        self.transcript.append(f"> {redact(line)}")
        self.transcript += [f"< {a}" for a in answer]
        return answer


def serve(terminal: ReferenceTerminal, line: str) -> list[str]:
    """One command of the line protocol against the terminal twin."""
    words = line.split()
    app = terminal.metering
    try:
        if words == ["CLOCK?"]:
            return [f"OK {app.now().isoformat()}"]
        if len(words) == 2 and words[0] == "CLOCK":
            app.set_clock(datetime.fromisoformat(words[1]))
            app.on_setting("clock", "maintenance port")
            return ["OK"]
        if len(words) == 2 and words[0] == "SETTING?" and words[1] in READABLE:
            value = (
                app.authentication_id if words[1] == "authentication_id" else getattr(app.settings, words[1])
            )
            return [f"OK {value}"]
        if len(words) == 3 and words[0] == "SETTING":
            answer = _setting(terminal, words[1], words[2])
            if answer == ["OK"]:
                app.on_setting(words[1], "maintenance port")
            return answer
        if len(words) == 3 and words[0] == "VALUES?":
            entries = app.values_between(datetime.fromisoformat(words[1]), datetime.fromisoformat(words[2]))
            lines = [f"VALUE {e.capture_time.isoformat()} {e.import_wh} {e.export_wh}" for e in entries]
            return [*lines, f"OK {len(lines)}"]
    except ValueError as exc:
        return [f"ERR VALUE {exc}"]
    return [f"ERR SYNTAX {line.split(' ')[0] if line else '(empty)'}"]


def _setting(terminal: ReferenceTerminal, name: str, value: str) -> list[str]:
    app = terminal.metering
    if name == "authentication_id":
        result = app.apply_terminal_id(value)
        return ["OK"] if result is dlms.DataAccessResult.SUCCESS else [f"ERR READ-ONLY {name}"]
    if name not in WRITABLE:
        return [f"ERR UNKNOWN {name}"]
    if name == "password":
        terminal._change_password(value)
        return ["OK"]
    if name == "granularity_s":
        result = app.apply_granularity(int(value))
        return ["OK"] if result is dlms.DataAccessResult.SUCCESS else [f"ERR VALUE {name}"]
    app.settings.upload_interval_s = int(value)
    return ["OK"]
