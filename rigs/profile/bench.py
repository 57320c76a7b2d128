"""One scenario's bench on a rig (``Bench``): the rig's parts, seen through fresh logs.

Each side implements its interface explicitly (``route.HilIotRoute``, ``home.HilHome``,
``hes.HilHeadEnd``, ``terminal.HilTerminal``): what the rig cannot do is a method that
raises ``NotApplicable`` with the reason, and every method a step calls to act or ask
tends the rig first (``tending.tended``: what the parts reported is fed in, the twins run
up to now), so a side never answers from stale state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.ics import Declaration
from conformance.sim.scheduler import Scheduler
from rigs.profile.clock import RigClock
from rigs.profile.hes import HilHeadEnd
from rigs.profile.home import HilHome
from rigs.profile.route import HilIotRoute
from rigs.profile.terminal import HilTerminal

if TYPE_CHECKING:
    from rigs.profile.rig import HilRig


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

    def sync(self) -> None:
        """Run the scenario's twins (HES, metering device) up to the rig clock's now."""
        self.scheduler.run_until(max(self.scheduler.now, self.clock.now()))

    def close(self) -> None:
        self.rig.end(self)
