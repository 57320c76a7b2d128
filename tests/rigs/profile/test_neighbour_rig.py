"""The join scenario with a neighbouring terminal runs on the emulated full rig (issue 13):
the bench's injector sends the neighbour's Enhanced Beacon Requests
(``rigs/profile/neighbour.py``), the module's smart meter with the neighbour's Pairing ID
beacons for them, and the terminal must never start authentication with it (NAT-2.3-B).

It passes for the reference terminal and fails for the fault the detection matrix uses
for it, ``accepts-any-beacon`` (``conformance/twin/faults/join.py``), as on the twin; on
either, only once the air showed SM-X's beacon within one of the terminal's scans (the
scenario's "has heard" step; else the verdict is the bench's error, never a pass). It runs
at the parity test's pace for it (``parity.SLOW``): the neighbour's requests reach the air
once per round of the emulator, and at x300 a round is longer than the terminal's scan of a
channel. The scenario with three smart meters stays not applicable: the rig has one module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.twin.faults import REFERENCE
from tests.rigs.profile.conftest import FullRig
from tests.rigs.profile.parity import NOT_APPLICABLE, SLOW_PACE, is_slow

ALONE = "Alone with a smart meter of another Pairing ID, the terminal never authenticates with it"
STRONGEST = "The terminal chooses the strongest smart meter with its Pairing ID"
FAULT = "accepts-any-beacon"


@pytest.mark.parametrize(("dut", "verdict"), [(REFERENCE, "pass"), (FAULT, "fail")])
def test_the_neighbour_scenario_runs_on_the_rig_and_judges_as_on_the_twin(
    full_rig: FullRig, dut: str, verdict: str, tmp_path: Path
):
    assert is_slow(ALONE)  # as make parity runs it
    verdicts = full_rig(tmp_path, dut, ALONE, STRONGEST, pace=SLOW_PACE)
    assert verdicts[ALONE]["verdict"] == verdict, verdicts
    assert verdicts[STRONGEST]["verdict"] == NOT_APPLICABLE, verdicts
