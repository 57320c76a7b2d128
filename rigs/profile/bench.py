"""One scenario's bench on a rig (``Bench``): the rig's parts, seen through fresh logs.

Each side implements its interface explicitly (``route.HilIotRoute``, ``home.HilHome``,
``hes.HilHeadEnd``, ``terminal.HilTerminal``): what the rig cannot do is a method that
raises ``NotApplicable`` with the reason, and every method a step calls to act or ask
tends the rig first (``tending.tended``: what the parts reported is fed in, the twins run
up to now), so a side never answers from stale state.

**Real time made bearable** (issue 13). A scenario that waits hours or days for the
terminal's :00/:30 readings and its uploads would hold a rig for as long. Where the
declaration says the SM system may set the terminal's clock (``metering.
clock_set_by_sm_system``; NAT seed 2-5 「電力SMシステムと時刻同期」), a long wait
(``clock.LONG_WAIT_S`` or more) is planned instead: for each slot boundary of the SM
calendar in it (the ``GRID_S`` grid, every slot a declaration may choose, midnight and a
day's upload among them), the bench jumps its calendar to ``LEAD_S`` before the boundary
(``RigClock.skip``: the HES, the metering device and the observations' times move with it),
has the HES set the terminal's clock to it (DLMS SET of the clock, as it does at every join),
and lets the boundary's work happen in real time for ``SETTLE_S`` after it. What the
terminal does between boundaries, nothing the scenarios judge, is skipped; at the end of
the scenario the calendar returns to the wall clock's (a real terminal's clock runs ahead
until its next join, when the HES sets it again). Each shortened
wait is recorded (``shortened_waits``: the report's attachment and the run's summary say
which and how). A wait's first stretch, the terminal's retry interval and a join, runs in
real time: the aftermath of the step before it (a restart, a rejoin) is timed from that
step. The calendar cannot jump while the HES cannot reach the terminal (the SM network
down, the terminal off the network or cut off, not commissioned) or where the declaration does
not allow the clock to be set; the wait then runs in real time. A wait that would still take
more than ``WAIT_BUDGET_WALL_S`` of wall time raises ``NotApplicable``: the scenario is
twin-only on this rig, and says how long the wait would have taken and why it could not be
shortened. Session lifetimes run on the terminal's and the module's own clocks and are not
shortened.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.errors import NotApplicable
from conformance.ics import Declaration
from conformance.measurements import JOIN_TIME
from conformance.observe.hes_events import ResponseReceived
from conformance.observe.route_events import TerminalAuthenticated
from conformance.sim.scheduler import Scheduler
from conformance.sim.timebase import SM_EPOCH_POSIX
from rigs.profile.clock import RigClock
from rigs.profile.hes import HilHeadEnd
from rigs.profile.home import HilHome
from rigs.profile.route import HilIotRoute
from rigs.profile.terminal import HilTerminal

if TYPE_CHECKING:
    from rigs.profile.rig import HilRig


GRID_S = 900  # every slot a declaration may choose (900, 1800, 3600 s) is on this grid
LEAD_S = 60.0  # the terminal's clock is set this long before a boundary
SETTLE_S = 120.0  # a boundary's reading and upload get this long (twice ACQUISITION_DELAY's limit)
CLOCK_SET_TIMEOUT_S = 45.0  # the terminal answers the clock SET within this, or the wait goes on
# An emulated rig on the wall clock at x300 (terminal_rig --wall-clock) turns a stall of its
# host into minutes of rig time: the margins above grow by this much wall time at its pace
# (seen: a busy 2-core host delays a boundary's upload past a 120 s settle at x300). On the
# shared virtual clock a stall stops rig time, and they do not.
MARGIN_WALL_S = (0.2, 0.4, 0.2)  # added to LEAD_S, SETTLE_S, CLOCK_SET_TIMEOUT_S
HES_IDLE_TIMEOUT_S = 120.0  # requests in flight are answered before the calendar jumps
JOIN_WAIT_S = 600.0  # a terminal just powered on gets this long to join before a wait is planned
# A wait's first stretch runs in real time, this long past the terminal's declared retry
# interval: what the step before it set off (a restart after an update, a rejoin once the
# credentials are valid again) is timed by the scenario from that step, and a jump in the
# middle would add the skipped seconds to it (NAT-3.1-T6's 5 minutes, NAT-3.4-CUT's retry
# interval plus the 90 s join of THK-7-JOIN).
AFTERMATH_MARGIN_S = JOIN_TIME.high
NOT_JOINED = "the terminal is not on the network: the HES cannot set its clock"
# The wall time one wait may take on a rig before its scenario is twin-only there. A vendor
# with a real terminal and a day to spare raises it (IOTROUTE_HIL_WAIT_BUDGET_S, seconds).
WAIT_BUDGET_WALL_S = float(os.environ.get("IOTROUTE_HIL_WAIT_BUDGET_S", "180"))


@dataclass(frozen=True, slots=True, kw_only=True)
class ShortenedWait:
    """One long wait of a scenario, as the bench spent it."""

    asked_s: float  # rig seconds the scenario asked to pass
    real_s: float  # rig seconds that passed in real time (the rest was skipped)
    boundaries: int  # slot boundaries visited, the terminal's clock set before each
    clock_sets: int  # clock SETs the terminal accepted

    lead_s: float  # how long before each boundary the clock was set

    def describe(self) -> str:
        return (
            f"a wait of {_span(self.asked_s)} took {_span(self.real_s)} of rig time: the SM system set the "
            f"terminal's clock {self.lead_s:.0f} s before each of {self.boundaries} slot boundaries "
            f"({self.clock_sets} SETs accepted) and the bench skipped the time between them"
        )


def _span(seconds: float) -> str:
    if seconds >= 86400:
        return f"{seconds / 86400:.3g} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} hours"
    return f"{seconds:.0f} s"


class HilBench:
    profile = "hil"

    def __init__(
        self,
        *,
        rig: HilRig,
        seed: int,
        declaration: Declaration,
        scheduler: Scheduler,
        terminal: HilTerminal,
        route: HilIotRoute,
        home: HilHome,
        hes: HilHeadEnd,
    ) -> None:
        self.rig = rig
        self.seed = seed
        self.declaration = declaration
        self.scheduler = scheduler
        self.clock: RigClock = rig.clock
        self.started_at = self.clock.now()  # the rig clock runs on; the sequence counts from here
        self.terminal = terminal
        self.route = route
        self.home = home
        self.hes = hes
        self.shortened_waits: list[ShortenedWait] = []
        self._skipped = 0.0  # rig seconds this scenario's waits skipped
        self.clock.long_wait = self.long_wait
        # On a shared virtual clock (rigs/sharedtime.py) a stall stops rig time: no margin.
        pace = self.clock.pace if self.clock.shared is None else 0.0
        self._lead, self._settle, self._set_timeout = (
            base + margin * pace
            for base, margin in zip((LEAD_S, SETTLE_S, CLOCK_SET_TIMEOUT_S), MARGIN_WALL_S, strict=True)
        )

    def sync(self) -> None:
        """Run the scenario's twins (HES, metering device) up to the rig clock's now."""
        self.scheduler.run_until(max(self.scheduler.now, self.clock.now()))

    def close(self) -> None:
        if self.clock.long_wait == self.long_wait:
            self.clock.long_wait = None
        # The calendar goes back to the wall clock's: the next scenario's terminal (fresh on
        # the emulated rig; a real one's clock is set again at its next join) starts from it.
        self.clock.skipped -= self._skipped
        self.rig.end(self)

    # -- long waits (see the module's docstring) ------------------------------------------

    def long_wait(self, seconds: float) -> None:
        """Let ``seconds`` of rig time pass, shortened where the terminal's clock may be set."""
        clock = self.clock
        start_of_wait = clock.now()
        end = start_of_wait + seconds
        if self._cannot_shorten() == NOT_JOINED and self.hes.commissioned(self._terminal_id):
            # Just powered on: the calendar can jump once the SM system can set the clock.
            clock.wait_until(lambda: self._cannot_shorten() != NOT_JOINED, min(seconds, JOIN_WAIT_S))
        aftermath = self.declaration.join.retry_interval_max_s + AFTERMATH_MARGIN_S
        clock.wait(max(0.0, min(end, start_of_wait + aftermath) - clock.now()))
        start = clock.now()
        seconds = end - start
        why_not = self._cannot_shorten()
        boundaries = self._boundaries(start, end)
        cost = seconds if why_not else len(boundaries) * (self._lead + self._settle) + self._settle
        if cost / clock.pace > WAIT_BUDGET_WALL_S:
            how = (
                f"it cannot be shortened: {why_not}"
                if why_not
                else f"even shortened to {len(boundaries)} slot boundaries it takes {_span(cost)} of rig time"
            )
            raise NotApplicable(
                f"twin-only on this rig: {_span(seconds)} of waiting would take {cost / clock.pace:.0f} s "
                f"of wall time at x{clock.pace:g} (budget {WAIT_BUDGET_WALL_S:g} s, "
                f"IOTROUTE_HIL_WAIT_BUDGET_S); {how}"
            )
        if why_not:
            clock.wait(seconds)
            return
        skipped_before, accepted = clock.skipped, 0  # _boundaries: every one in (start, end]
        for boundary in boundaries:
            accepted += self._jump_to(boundary - self._lead)
            clock.wait(max(0.0, min(boundary + self._settle, end) - clock.now()))
        accepted += self._jump_to(end)
        clock.wait(max(0.0, end - clock.now()))
        skipped = clock.skipped - skipped_before
        if skipped > 0:
            self.shortened_waits.append(
                ShortenedWait(
                    asked_s=end - start_of_wait,  # the join and the aftermath waited for included
                    real_s=end - start_of_wait - skipped,
                    boundaries=len(boundaries),
                    clock_sets=accepted,
                    lead_s=self._lead,
                )
            )

    def _cannot_shorten(self) -> str | None:
        """Why the calendar cannot jump now, or None."""
        if not self.declaration.metering.clock_set_by_sm_system:
            return "the declaration does not let the SM system set the terminal's clock"
        terminal_id = self.declaration.credentials.authentication_id
        if not self.hes.commissioned(terminal_id):
            return "the terminal is not commissioned at the HES, which cannot set its clock"
        if self.hes.interrupted:
            return "the SM network is down: the HES cannot set the terminal's clock"
        terminal = self.declaration.identity.eui64
        joined = [
            e
            for e in self.route.events.of(TerminalAuthenticated, terminal=terminal)
            if e.time >= self.started_at
        ]
        if not joined:
            return NOT_JOINED
        # Cut off (the bench or the module ended its session, no join since): no SET reaches it,
        # so a jump would move the bench's calendar and not the terminal's, and stretch the
        # gaps between what it does (its rejoin attempts, NAT-3.4-CUT).
        if not self.route.session_open(terminal):
            return NOT_JOINED
        return None

    @property
    def _terminal_id(self) -> str:
        return self.declaration.credentials.authentication_id

    @staticmethod
    def _boundaries(start: float, end: float) -> list[float]:
        """The slot boundaries (rig seconds) within (start, end]; one too near to jump
        before is waited for in real time (``_jump_to``)."""
        first = math.floor((SM_EPOCH_POSIX + start) / GRID_S) + 1
        last = math.floor((SM_EPOCH_POSIX + end) / GRID_S)
        return [n * GRID_S - SM_EPOCH_POSIX for n in range(first, last + 1)]

    def _jump_to(self, target: float) -> int:
        """Skip to rig second ``target`` (if it is far enough ahead) and have the HES set the
        terminal's clock; 1 if the terminal accepted the SET."""
        clock = self.clock
        if target - clock.now() <= self._settle:
            return 0
        terminal_id = self.declaration.credentials.authentication_id
        clock.wait_until(lambda: self.hes.idle(terminal_id), HES_IDLE_TIMEOUT_S)
        if target - clock.now() <= self._settle:
            return 0
        jump = target - clock.now()
        clock.skip(jump)
        self._skipped += jump  # as it happens: a scenario that ends in the middle gives it back too
        asked = clock.now()
        self.hes.sync_clock(terminal_id)

        def answered() -> ResponseReceived | None:
            return next(
                (e for e in self.hes.events.of(ResponseReceived, since=asked) if e.request == "clock"), None
            )

        clock.wait_until(lambda: answered() is not None, self._set_timeout)
        answer = answered()
        return int(answer is not None and answer.result == "success")
