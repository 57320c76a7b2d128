"""The scenario with a second smart meter on the air runs on the emulated full rig (issue 13):
the rig's second module (role ``second-meter-radio``) plays SM-2 beside SM-1, each with its
own group key, and the terminal's frames must open under SM-1's key and no other
(NAT-3.1-R3, THK-13-ENC).

It passes for the reference terminal and fails for ``reused-frame-counter``, a fault the
twin's detection matrix fails it with, as on the twin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.twin.faults import REFERENCE
from tests.rigs.profile.conftest import FullRig

WITH_SM_2 = "Every frame after authentication is secured with the group key PANA delivered"
FAULT = "reused-frame-counter"


@pytest.mark.parametrize(("dut", "verdict"), [(REFERENCE, "pass"), (FAULT, "fail")])
def test_the_scenario_with_a_second_meter_runs_on_the_rig_and_judges_as_on_the_twin(
    full_rig: FullRig, dut: str, verdict: str, tmp_path: Path
):
    verdicts = full_rig(tmp_path, dut, WITH_SM_2)
    assert verdicts[WITH_SM_2]["verdict"] == verdict, verdicts
