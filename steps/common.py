"""What the step libraries share: who the terminal is, where to look, and the SM
system's calendar. Every capability getter lives here, and no step library imports
another (they import this module and the core).

A capability a profile lacks raises ``NotApplicable`` from the interface itself (no
sniffer: ``IotRouteSide.air``; no maintenance port: ``Terminal.maintenance`` ...), so a
step that needs it simply uses it and its scenario is skipped with the reason. A step
with another view of the same thing asks through :func:`air_if_any`. The getters here
start the reason with the rig role that is missing ("needs a sniffer: ..."), which the
traceability summary shows per scenario; a wait no clock set can shorten on a rig says
"twin-only on this rig: ..." (``rigs/profile/bench.py``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from conformance.errors import NotApplicable, TerminalFailure
from conformance.interfaces import Bench, MaintenancePort, if_provided
from conformance.observe.air import AirLog
from conformance.observe.route_events import TerminalAuthenticated
from conformance.protocols.maintenance import status

JST = timezone(timedelta(hours=9), "JST")  # the SM system's time zone, for readable messages


# -- the terminal, as declared -----------------------------------------------------------------


def terminal_address(bench: Bench) -> bytes:
    """The terminal's EUI-64, as declared: how the bench recognises it everywhere."""
    return bench.declaration.identity.eui64


def terminal_id(bench: Bench) -> str:
    """The terminal's authentication ID, as declared: how the SM system knows it."""
    return bench.declaration.credentials.authentication_id


def declared_pairing_id(bench: Bench) -> str:
    return bench.declaration.credentials.pairing_id


def first_authentication(bench: Bench) -> TerminalAuthenticated | None:
    return bench.route.events.first(TerminalAuthenticated, terminal=terminal_address(bench))


# -- capabilities ------------------------------------------------------------------------------


def needs(part: str, missing: NotApplicable) -> NotApplicable:
    """``missing`` with its reason led by the part the scenario needs."""
    reason = str(missing)
    return missing if reason.startswith("needs ") else NotApplicable(f"needs {part}: {reason}")


def air_of(bench: Bench) -> AirLog:
    """The sniffer's log; ``NotApplicable`` ("needs a sniffer") where the profile has none."""
    try:
        return bench.route.air
    except NotApplicable as missing:
        raise needs("a sniffer (role sniffer)", missing) from None


def air_if_any(bench: Bench) -> AirLog | None:
    """The sniffer's log where the profile has one; None where the step reads another
    view instead (what the smart-meter side received itself)."""
    return if_provided(lambda: bench.route.air)


def maintenance_of(bench: Bench) -> MaintenancePort:
    """The terminal's maintenance port; ``NotApplicable`` where the bench cannot reach it."""
    return bench.terminal.maintenance


def maintenance_ok(bench: Bench, line: str) -> list[str]:
    """Send ``line`` on the maintenance port; a refusal fails the scenario, naming the
    command (and the setting it names, never the value: a password may follow)."""
    answer = maintenance_of(bench).command(line)
    if not status(answer).startswith("OK"):
        words = line.split(" ")
        command = " ".join(words[:2]) if words[0] in ("SETTING", "SETTING?", "LOG?") else words[0]
        raise TerminalFailure(f"maintenance port refused {command}: {answer[-1]}")
    return answer


# -- the SM system's calendar --------------------------------------------------------------------


def sm_posix(bench: Bench, virtual: float | None = None) -> int:
    """The SM system's clock (POSIX seconds) now, or at the bench's time ``virtual``."""
    now = bench.clock.now()
    return int(bench.hes.sm_time().timestamp() - now + (now if virtual is None else virtual))


def sm_datetime_of(posix: int) -> datetime:
    return datetime.fromtimestamp(posix, JST)


def slots(first: int, last: int, step: int) -> list[int]:
    """Slot boundaries (POSIX) of the grid ``step`` within [first, last]."""
    return list(range(-(-first // step) * step, last + 1, step))


def stamp(posix: int) -> str:
    return sm_datetime_of(posix).strftime("%m-%d %H:%M")
