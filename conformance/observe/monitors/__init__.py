"""Monitors: always-on observers of whole-run invariants, each under its own requirement
(DESIGN.md rule 9; TTCN-3's default behaviours, runtime verification's monitors).

They watch every scenario on both profiles, reading the same observation logs as the steps
(``Watched.of(bench)``), and turn a violation into a terminal failure of *their*
requirement even inside a scenario about something else. ``fixtures/monitors.py`` attaches
them to every scenario, shows a violation as a step of its own with the frame or event at
fault, and records each monitor's verdict beside the scenario's.

=================  ============  ============================================================
monitor            requirement   invariant
=================  ============  ============================================================
plaintext          NAT-3.1-R3    no application payload in the clear after the first
                                 authentication
frame-counters     NAT-3.1-R3    frame counters strictly increase per (key, source) over the
                                 whole scenario, power cycles included (CCM* nonce reuse)
withdrawn-key      NAT-3.4-CUT   nothing sent under a key the smart meter has withdrawn
stack              NAT-2.2       every frame decodes as 802.15.4 / 6LoWPAN / IPv6 / ICMPv6 or
                                 UDP / DLMS/COSEM or PANA
ports              NAT-3.1-T2    only the declared UDP ports, on either side
timestamps         NAT-2.5-TIME  no timestamp ahead of the SM system's (the bench's) clock
meter-identity     NAT-3.1-T3    every upload at the HES names its metering device (0xD1)
=================  ============  ============================================================

A scenario that makes the terminal break an invariant on purpose says so with the tag
``@expects_monitor:<id>``; the monitor's firing there is expected, not a failure.
"""

from __future__ import annotations

from conformance.observe.monitors.core import (
    FAIL,
    NOT_APPLICABLE,
    PASS,
    Monitor,
    MonitorFailure,
    Outcome,
    Violation,
    Watched,
)
from conformance.observe.monitors.identity import UploadsNameTheirMeter
from conformance.observe.monitors.link import CountersNeverRepeat, NothingInTheClear, NothingUnderWithdrawnKey
from conformance.observe.monitors.ports import DeclaredPortsOnly
from conformance.observe.monitors.stack import StackDecodes
from conformance.observe.monitors.timestamps import NoFutureTimestamps

__all__ = [
    "FAIL",
    "MONITORS",
    "MONITOR_SOURCE",
    "NOT_APPLICABLE",
    "PASS",
    "Monitor",
    "MonitorFailure",
    "Outcome",
    "Violation",
    "Watched",
    "judge_all",
    "monitor",
    "verdict_name",
]

# Where a monitor's verdicts say they come from (a verdict's "feature"): this package.
MONITOR_SOURCE = "conformance/observe/monitors"

MONITORS: tuple[Monitor, ...] = (
    NothingInTheClear(),
    CountersNeverRepeat(),
    NothingUnderWithdrawnKey(),
    StackDecodes(),
    DeclaredPortsOnly(),
    NoFutureTimestamps(),
    UploadsNameTheirMeter(),
)


def monitor(monitor_id: str) -> Monitor:
    """The monitor named ``monitor_id``; a ``KeyError`` lists the known ones."""
    for candidate in MONITORS:
        if candidate.id == monitor_id:
            return candidate
    raise KeyError(f"no monitor {monitor_id!r} (known: {', '.join(m.id for m in MONITORS)})")


def verdict_name(monitor_id: str, scenario: str) -> str:
    """A monitor's verdict over one scenario, as the verdicts JSON and the certification
    summary name it (``scenario`` may be an outline's ``<scenario>`` placeholder)."""
    return f"monitor {monitor_id} over {scenario}"


def parse_verdict_name(name: str) -> tuple[str, str] | None:
    """(monitor id, scenario) of a ``verdict_name``; None for a scenario's own name."""
    head, over, scenario = name.partition(" over ")
    if not head.startswith("monitor ") or not over:
        return None
    return head.removeprefix("monitor "), scenario


def judge_all(watched: Watched, monitors: tuple[Monitor, ...] = MONITORS) -> list[Outcome]:
    """Every monitor's outcome over one scenario's observations."""
    return [m.judge(watched) for m in monitors]
