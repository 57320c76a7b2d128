"""The reference terminal's DoS detection (NAT seed 3-1 ④ 「外部等からのDoS攻撃を検知する機能を
有すること」).

Theory of operation: the terminal counts, per side, the traffic it did not ask for and will
not serve. On the IoT route: the frames its link layer rejects (bad MIC, unknown key, replay,
malformed: ``frame_rejected``) and the packets its reception policy refuses (not from the
chosen smart meter, not secured: ``packet_refused``). On the home side: the datagrams its
metering application did not take (``home_traffic``: requests from other devices, garbage).
Legitimate traffic makes almost none of these; a flood makes them at its own rate. When
``THRESHOLD`` of them arrive within ``WINDOW_S`` seconds on one side, the terminal reports a
detection, once per episode, through ``ReferenceTerminal.report_event("dos-detected", ...)``:
an event notification goes to the SM system and every function (the event log) hears it.
An episode ends after ``QUIET_S`` seconds without such traffic; the next flood is a new one.

A detection changes nothing else: the terminal keeps metering and keeps serving its meter
(the guideline asks for detection; NAT seed 2-5 wants the values whatever happens).
"""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.protocols import echonet, pana, sixlowpan
from conformance.protocols.errors import ProtocolError
from conformance.twin.terminal.functions import TerminalFunction

if TYPE_CHECKING:
    from conformance.sim.home_network import HomeDatagram
    from conformance.twin.link import Inbound
    from conformance.twin.terminal.reference import ReferenceTerminal

IOT_ROUTE = "IoT route"
HOME_SIDE = "home side"
WINDOW_S = 10.0
THRESHOLD = 100  # 10 unwanted frames a second, sustained for the window
QUIET_S = 60.0
DOS_DETECTED = "dos-detected"
_TRAILING_NUMBER = re.compile(r"[\s\d]+$")


@dataclass(slots=True)
class Side:
    """What one side of the terminal has seen lately."""

    name: str
    recent: deque[tuple[float, str]] = field(default_factory=deque)  # (time, cause) in the window
    last: float = float("-inf")
    episode_since: float | None = None  # when the current detection was made

    def reset(self) -> None:
        self.recent.clear()
        self.last = float("-inf")
        self.episode_since = None


class DosDetector(TerminalFunction):
    def __init__(self, terminal: ReferenceTerminal) -> None:
        super().__init__(terminal)
        self.sides = {name: Side(name) for name in (IOT_ROUTE, HOME_SIDE)}

    # -- what the terminal tells it ------------------------------------------------------

    def powered_off(self) -> None:
        for side in self.sides.values():
            side.reset()

    def frame_rejected(self, raw: bytes, reason: str) -> None:
        self.unwanted(IOT_ROUTE, _TRAILING_NUMBER.sub("", reason.split(":", 1)[0]))

    def packet_refused(self, inbound: Inbound, reason: str) -> None:
        packet = inbound.packet
        what = (
            "PANA message"
            if isinstance(packet, sixlowpan.UdpDatagram) and packet.dst_port == pana.PANA_PORT
            else "packet"
        )
        meter = self.terminal.meter
        who = "from a stranger" if meter is None or inbound.src_mac != meter.address else "in plaintext"
        self.unwanted(IOT_ROUTE, f"{what} {who}")

    def home_traffic(self, datagram: HomeDatagram) -> None:
        if datagram.dst_port == echonet.ECHONET_PORT:
            try:
                echonet.decode(datagram.payload)
                cause = "ECHONET Lite request"
            except ProtocolError:
                cause = "malformed ECHONET Lite"
        else:
            cause = f"UDP to port {datagram.dst_port}"
        self.unwanted(HOME_SIDE, cause)

    # -- counting ------------------------------------------------------------------------

    def unwanted(self, side_name: str, cause: str) -> None:
        """One frame or datagram the terminal turned away, on ``side_name``."""
        side = self.sides[side_name]
        now = self.terminal.monotonic()
        if side.episode_since is not None and now - side.last >= QUIET_S:
            side.episode_since = None  # the last flood is over
        side.last = now
        side.recent.append((now, cause))
        while side.recent[0][0] <= now - WINDOW_S:
            side.recent.popleft()
        if side.episode_since is None and len(side.recent) >= THRESHOLD:
            side.episode_since = now
            self.detected(side, describe(side))

    def detected(self, side: Side, detail: str) -> None:
        """Report at once: to the SM system and for the event log."""
        self.terminal.report_event(DOS_DETECTED, detail)


def describe(side: Side) -> str:
    """One line for the operator: where, how much, and of what."""
    causes = Counter(cause for _, cause in side.recent).most_common(3)
    shown = ", ".join(f"{count} {cause}" for cause, count in causes)
    return f"{side.name}: {len(side.recent)} unwanted in {WINDOW_S:g} s ({shown})"


FUNCTION = DosDetector
