"""Faulty terminal twins of DoS detection (NAT-3.1-T4) and interference (THK-13-HOP).

Each breaks its requirement the way a real terminal would: no detector at all, a detector
that reports far too late, one that keeps its findings to itself, one that shuts metering
down when it sees a flood; and, under interference, a radio that never retransmits and a
terminal that never scans again once it has lost its smart meter.
"""

from __future__ import annotations

from conformance.twin.faults import Fault
from conformance.twin.link import LinkLayer
from conformance.twin.terminal.functions import TerminalFunction, replace_function
from conformance.twin.terminal.functions.dos_detector import DOS_DETECTED, DosDetector, Side
from conformance.twin.terminal.reference import ReferenceTerminal

DIGEST_DELAY_S = 900.0  # the late detector's report waits this long
SUSPENSION_S = 900.0  # the over-cautious terminal stops metering this long


# -- DoS detection (NAT-3.1-T4) --------------------------------------------------------------


class IgnoresFloods(TerminalFunction):
    """Drops the unwanted traffic, as the reference does, but counts nothing: no detection."""


class ReportsFloodsLate(DosDetector):
    """Detects at once but holds the report for a quarter-hour digest, far beyond the
    declared detection time."""

    def detected(self, side: Side, detail: str) -> None:
        self.terminal.after(DIGEST_DELAY_S, self.terminal.report_event, DOS_DETECTED, detail)


class StopsMeteringUnderFlood(DosDetector):
    """Reports the flood, then "protects" itself by suspending metering for 15 minutes:
    the values of that time are never read, so they are lost for good."""

    def detected(self, side: Side, detail: str) -> None:
        super().detected(side, detail)
        metering = self.terminal.metering
        metering.stop()
        self.terminal.after(SUSPENSION_S, metering.start)


class KeepsDosToItself(ReferenceTerminal):
    """Writes a DoS detection in its event log but never tells the SM system."""

    def notify_sm_system(self, kind: str, detail: str) -> None:
        if kind != DOS_DETECTED:
            super().notify_sm_system(kind, detail)


# -- interference (THK-13-HOP) ---------------------------------------------------------------


class _LinkWithoutRetries(LinkLayer):
    max_frame_retries = 0  # one attempt per frame (802.15.4-2015 8.4.3 macMaxFrameRetries = 0)


class NeverRetriesFrames(ReferenceTerminal):
    """Sends every frame once: a frame the jammer hits is lost."""

    def make_link(self) -> LinkLayer:
        return _LinkWithoutRetries(**self._link_arguments())


class NeverRescans(ReferenceTerminal):
    """Once its session fails it knocks again on the same meter, on the same channel,
    forever: it never scans for the meter again."""

    def on_authentication_failed(self, reason: str) -> None:
        self._drop_session()
        self._later(self.first_backoff_s, self.start_pana)


FAULTS = (
    Fault(
        "no-dos-detection",
        "never detects a flood",
        ("NAT-3.1-T4",),
        replace_function(ReferenceTerminal, DosDetector, IgnoresFloods),
    ),
    Fault(
        "reports-dos-late",
        "reports a flood 15 minutes after detecting it",
        ("NAT-3.1-T4",),
        replace_function(ReferenceTerminal, DosDetector, ReportsFloodsLate),
    ),
    Fault(
        "keeps-dos-to-itself",
        "logs a flood but never tells the SM system",
        ("NAT-3.1-T4",),
        KeepsDosToItself,
    ),
    Fault(
        "stops-metering-under-flood",
        "suspends metering for 15 minutes when it detects a flood",
        ("NAT-3.1-T4",),
        replace_function(ReferenceTerminal, DosDetector, StopsMeteringUnderFlood),
    ),
    Fault(
        "never-retries-frames",
        "no link-layer retransmissions (macMaxFrameRetries 0)",
        ("THK-13-HOP",),
        NeverRetriesFrames,
    ),
    Fault(
        "never-rescans",
        "never scans again after losing its smart meter",
        ("THK-13-HOP",),
        NeverRescans,
    ),
)
