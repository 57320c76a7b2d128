"""Faulty terminal twins of battery life (THK-8-BATT).

THK seed ch. 8 「電池容量は、各メーターの検定満了までの期間、機能を維持できること」. The twin
has no power model of its own; the emulated rig's supply (rigs/emulators/power_supply.py)
reads what a twin's radio does: whether it is scanning, the frames it sends, and whether
it puts its receiver to sleep between them (``radio_sleeps``, True for the reference).
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
