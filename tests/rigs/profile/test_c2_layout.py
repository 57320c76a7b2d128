"""The HIL scenarios against the emulated rig whose radio prints the C family's lines (a
BP35C2: SIDE in EINFO, EVENT and ERXUDP, SIDE arguments, no ROPT, hex ASCII data), as
``test_reference_run.py`` runs them against the BP35A1 layout: the same verdicts, on the
short part of the list (``SHORT_RUN``) that reaches every kind of line the module prints."""

from __future__ import annotations

from tests.rigs.profile.conftest import CI_PACE, emulated_rig, run_hil, scenario_names
from tests.rigs.profile.test_reference_run import SHORT_RUN, SHORT_RUN_PASSES


def test_every_scenario_tagged_for_hil_passes_with_a_bp35c2_layout(module_folder) -> None:
    with emulated_rig(module_folder, pace=CI_PACE, variant="bp35c2") as rig:
        run = run_hil(module_folder, rig.env(), *SHORT_RUN, timeout_s=400)
    assert run.returncode == 0, run.output[-4000:]
    assert scenario_names(run, "pass") == SHORT_RUN_PASSES
    assert not scenario_names(run, "fail") and not scenario_names(run, "error")
