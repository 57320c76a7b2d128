"""The maintenance-port line protocol: the handy-terminal functions the scenarios need
(NAT seed 2-5: 「ハンディターミナル等により、機器情報の設定・変更等ができること」 and
「ハンディターミナル等により…蓄積しているデータを取得できること」).

One command per line; the answer is zero or more data lines, then ``OK`` or
``ERR <code> <text>``. Times are ISO 8601 with the offset.

    CLOCK?                        -> OK <time>
    CLOCK <time>                  -> OK
    SETTING? <name>               -> OK <value>
    SETTING <name> <value>        -> OK | ERR READ-ONLY <name> | ERR VALUE <name>
    VALUES? <from> <to>           -> VALUE <capture time> <import Wh> <export Wh> ... then OK <count>

Logs, firmware and LED (NAT-3.1-T5, NAT-3.1-T6, NAT-2.5-LED):

    LOG? access | LOG? event      -> ENTRY <time> <kind> <detail> ... oldest first, then OK <count>
    FIRMWARE?                     -> OK <installed version>
    FIRMWARE <base64 image>       -> OK <new version>, then the terminal reboots | ERR REFUSED <reason>
    LED?                          -> OK <pattern>

Access-log kinds: ``auth-success``, ``auth-failure`` (PANA with a smart meter), ``maintenance``
(a ``CLOCK`` or ``SETTING`` command, secrets masked). Event-log kinds: ``power-on``,
``session-ended``, ``setting-changed`` (detail ``<name>=<value> by <SM system|maintenance
port>``), ``meter-identified``, ``meter-changed`` (``<old ID> -> <new ID>``),
``firmware-installed`` (``<version> (was <version>)``), ``firmware-refused``, ``dos-detected``.
Images are the bench's format (``conformance.protocols.firmware_image``); a refusal names
its ``Refusal`` (``unsigned``, ``bad-signature``, ``digest-mismatch``, ``not-newer``...). LED
patterns are those of the declaration's ``led`` section (``off``, ``steady``, ``blinking``...).

Settings: ``granularity_s``, ``upload_interval_s``, ``password`` (write-only),
``authentication_id`` (read-only by the guideline: 「認証ID(無線端末ID)は設定変更不可」).
A vendor whose terminal speaks another protocol maps these functions onto it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conformance.errors import TerminalFailure

SECRET_SETTINGS = frozenset({"password"})
REDACTED = "********"


@dataclass(frozen=True, slots=True)
class PortValue:
    capture_time: datetime
    import_wh: int
    export_wh: int


def redact(line: str) -> str:
    """The line as the transcript shows it: secret values never reach a report."""
    words = line.split(" ")
    if len(words) >= 3 and words[0] == "SETTING" and words[1] in SECRET_SETTINGS:
        return " ".join([*words[:2], REDACTED])
    return line


def status(answer: list[str]) -> str:
    """The final status line of an answer; a terminal that gave none broke the protocol."""
    if not answer or not (answer[-1] == "OK" or answer[-1].startswith(("OK ", "ERR "))):
        raise TerminalFailure(f"maintenance port: answer without a status line: {answer[-3:]!r}")
    return answer[-1]


def parse_values(answer: list[str]) -> list[PortValue]:
    values = []
    for line in answer[:-1]:
        try:
            tag, when, imported, exported = line.split(" ")
            if tag != "VALUE":
                raise ValueError(tag)
            values.append(PortValue(datetime.fromisoformat(when), int(imported), int(exported)))
        except ValueError:
            raise TerminalFailure(f"maintenance port: malformed value line {line!r}") from None
    return values


# -- logs (NAT-3.1-T5) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PortLogEntry:
    time: datetime
    kind: str
    detail: str


def parse_log(answer: list[str]) -> list[PortLogEntry]:
    """The ``ENTRY`` lines of a ``LOG?`` answer; the count on the status line must agree."""
    entries = []
    for line in answer[:-1]:
        try:
            tag, when, kind, *detail = line.split(" ", 3)
            if tag != "ENTRY":
                raise ValueError(tag)
            entries.append(PortLogEntry(datetime.fromisoformat(when), kind, detail[0] if detail else ""))
        except ValueError:
            raise TerminalFailure(f"maintenance port: malformed log line {line!r}") from None
    if status(answer) != f"OK {len(entries)}":
        raise TerminalFailure(
            f"maintenance port: {len(entries)} log entries, but the status says {answer[-1]!r}"
        )
    return entries
