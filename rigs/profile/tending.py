"""Tending the rig before a side answers a step.

A HIL side answers from what the rig's parts reported: the module's EVENT and ERXUDP
lines, the home LAN's datagrams, the twins' timers (HES, metering device) run on rig
time. Those are fed in when the rig is *tended* (:meth:`rigs.profile.rig.HilRig.tend`),
so every side method a step calls to act or to ask is marked :func:`tended` and tends
the rig first: a side never answers from stale state.

Left untended, on purpose: what the evidence asks after a scenario, also after one a
broken part ended (``secrets``, ``address_book``, ``issued_keys``: answered from what the
side knows); the logs and properties a step reads (``events``, ``traffic``, ``air``); and
what a side cannot do at all, which raises ``NotApplicable`` at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol, TypeVar


class Tendable(Protocol):
    _tend: Callable[[], None]


Method = TypeVar("Method", bound=Callable[..., Any])


def tended(method: Method) -> Method:
    """``method`` of a side, called after the rig has been tended (``self._tend()``)."""

    @functools.wraps(method)
    def call(self: Tendable, *args: Any, **kwargs: Any) -> Any:
        self._tend()
        return method(self, *args, **kwargs)

    return call  # type: ignore[return-value]
