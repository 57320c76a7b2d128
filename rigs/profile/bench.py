"""One scenario's bench on a rig (``Bench``): the rig's parts, seen through fresh logs.

Every call a step makes on a side goes through :class:`Tended`, which first tends the rig
(:meth:`HilRig.tend`: what the parts reported is fed in, the twins run up to now), so a
side never answers from stale state. A capability an interface names but the HIL profile
does not provide yet is a skip with that reason, never an ``AttributeError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from conformance.ics import Declaration
from conformance.interfaces import HeadEnd, HomeSide, IotRouteSide
from conformance.sim.scheduler import Scheduler
from conformance.twin.hes.head_end import TwinHeadEnd
from rigs.profile.clock import RigClock
from rigs.profile.home import HilHome
from rigs.profile.route import HilIotRoute
from rigs.profile.terminal import HilTerminal

if TYPE_CHECKING:
    from rigs.profile.rig import HilRig


# What the evidence asks after a scenario, also after one a broken part ended: answered
# from what the side knows, without tending the rig again.
UNTENDED = frozenset({"secrets", "address_book", "issued_keys", "join_evidence", "radio_protocol_errors"})


class Tended:
    """``target`` whose every method call comes after the rig has been tended."""

    def __init__(self, target: Any, bench: HilBench, interface: type) -> None:
        self._target, self._bench, self._interface = target, bench, interface

    def __getattr__(self, name: str) -> Any:
        try:
            value = getattr(self._target, name)
        except AttributeError:
            if not name.startswith("_") and hasattr(self._interface, name):
                return _not_provided(f"{self._interface.__name__}.{name}")
            raise
        if not callable(value) or name.startswith("_") or name in UNTENDED:
            return value

        def tended(*args: Any, **kwargs: Any) -> Any:
            self._bench.rig.tend()
            return value(*args, **kwargs)

        return tended


def _not_provided(what: str) -> Callable[..., Any]:
    def skip(*args: Any, **kwargs: Any) -> Any:
        pytest.skip(f"the hil profile does not provide {what} yet")

    return skip


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
        hes: TwinHeadEnd,
    ) -> None:
        self.rig = rig
        self.seed = seed
        self.declaration = declaration
        self.scheduler = scheduler
        self.clock: RigClock = rig.clock
        self.terminal = terminal
        self.sides = (route, home, hes)  # unwrapped, for the rig's loop
        self.route = Tended(route, self, IotRouteSide)
        self.home = Tended(home, self, HomeSide)
        self.hes = Tended(hes, self, HeadEnd)

    def sync(self) -> None:
        """Run the scenario's twins (HES, metering device) up to the rig clock's now."""
        self.scheduler.run_until(max(self.scheduler.now, self.clock.now()))

    def close(self) -> None:
        self.rig.end(self)
