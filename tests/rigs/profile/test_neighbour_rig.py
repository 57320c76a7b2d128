"""The join scenario with a neighbouring terminal runs on the emulated full rig (issue 13):
the bench's injector sends the neighbour's Enhanced Beacon Requests
(``rigs/profile/neighbour.py``), the module's smart meter with the neighbour's Pairing ID
beacons for them, and the terminal must never start authentication with it (NAT-2.3-B).

It passes for the reference terminal and fails for the fault the detection matrix uses
for it, ``accepts-any-beacon`` (``conformance/twin/faults/join.py``), as on the twin. The
scenario with three smart meters stays not applicable: the rig has one module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.twin.faults import REFERENCE
from reports.traceability import feature_scenarios
from tests.rigs.profile.conftest import CI_PACE, ROOT
from tests.rigs.profile.test_air_and_home_setup import _namespaces
from tests.rigs.profile.test_parity import NOT_APPLICABLE, rig_run, selection

ALONE = "Alone with a smart meter of another Pairing ID, the terminal never authenticates with it"
STRONGEST = "The terminal chooses the strongest smart meter with its Pairing ID"
FAULT = "accepts-any-beacon"


@pytest.fixture(scope="module")
def scenarios() -> str:
    reason = _namespaces()
    if reason is not None:
        pytest.skip(reason)
    found = [s for s in feature_scenarios(ROOT / "features") if s.name in (ALONE, STRONGEST)]
    assert len(found) == 2
    return selection(found)


@pytest.mark.parametrize(("dut", "verdict"), [(REFERENCE, "pass"), (FAULT, "fail")])
def test_the_neighbour_scenario_runs_on_the_rig_and_judges_as_on_the_twin(
    scenarios: str, dut: str, verdict: str, tmp_path: Path
):
    verdicts = {
        v["scenario"]: v["verdict"] for v in rig_run(tmp_path, dut=dut, pace=CI_PACE, expression=scenarios)
    }
    assert verdicts[ALONE] == verdict, verdicts
    assert verdicts[STRONGEST] == NOT_APPLICABLE, verdicts
