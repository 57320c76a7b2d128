"""Faulty terminal twins of battery life (THK-8-BATT).

THK seed ch. 8 「電池容量は、各メーターの検定満了までの期間、機能を維持できること」. What a
terminal twin draws comes from its current model (conformance/twin/terminal/current_model.py),
which both the twin profile's supply and the emulated rig's SCPI supply
(rigs/emulators/power_supply.py) read: whether the radio is scanning, the frames it sends,
and whether it puts its receiver to sleep between them. The model reads ``radio_sleeps``
from the terminal and takes a terminal without it, the reference, as sleeping.
"""

from __future__ import annotations

from conformance.twin.faults import Fault
from conformance.twin.terminal.reference import ReferenceTerminal


class NeverSleepsItsRadio(ReferenceTerminal):
    """Joins and uploads as the reference does, but keeps its 920 MHz receiver on between
    frames: it draws the receive current all the time and drains its battery in months."""

    radio_sleeps = False


FAULTS = (
    Fault(
        "radio-never-sleeps",
        "keeps its receiver on between frames (no radio sleep)",
        ("THK-8-BATT",),
        NeverSleepsItsRadio,
    ),
)
