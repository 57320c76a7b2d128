"""The HIL scenarios against the emulated rig whose radio prints the C family's lines (a
BP35C2: SIDE in EINFO, EVENT and ERXUDP, SIDE arguments, no ROPT, hex ASCII data), as
``test_reference_run.py`` runs them against the BP35A1 layout: the same verdicts."""

from __future__ import annotations

from tests.rigs.profile.conftest import CI_PACE, emulated_rig, run_hil, scenario_names
from tests.rigs.profile.test_reference_run import RUNS_ON_A_RIG


def test_every_scenario_tagged_for_hil_passes_with_a_bp35c2_layout(module_folder) -> None:
    with emulated_rig(module_folder, pace=CI_PACE, variant="bp35c2") as rig:
        run = run_hil(module_folder, rig.env(), "-m", "hil", timeout_s=900)
    assert run.returncode == 0, run.output[-4000:]
    assert scenario_names(run, "pass") == RUNS_ON_A_RIG
    assert not scenario_names(run, "fail") and not scenario_names(run, "error")
