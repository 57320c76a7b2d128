"""The same HIL scenarios against faulty terminal twins behind the emulated rig (the
emulator's ``--dut``): the scenarios of the requirement each one violates fail, with a
message about the terminal, and the join still passes where the fault leaves it alone.

One emulator and one run per fault; each run selects the scenarios it needs.
"""

from __future__ import annotations

import pytest

from tests.rigs.profile.conftest import CI_PACE, emulated_rig, run_hil

JOIN = "The terminal is authenticated within 90 seconds of power-on"
WRONG_PASSWORD = "A terminal with the wrong password never gets on the network"
PLAINTEXT = "The terminal drops a frame in plaintext and keeps working"
ROUND_TRIP = "A request from the connection server is answered within about 90 seconds"

FAULT_RUNS = [
    pytest.param(
        "joins-late",
        "authenticated_within_90 or wrong_password or (drops_a_frame and plaintext)",
        {JOIN: "join time, power-on to authenticated", PLAINTEXT: "precondition not met"},
        {WRONG_PASSWORD},
        id="join: joins after 95 s",
    ),
    pytest.param(
        "accepts-plaintext",
        "authenticated_within_90 or (drops_a_frame and plaintext)",
        {PLAINTEXT: "the terminal accepted the frame: it answered at"},
        {JOIN},
        id="link security: takes plaintext",
    ),
    pytest.param(
        "answers-late",
        "authenticated_within_90 or answered_within_about_90",
        {ROUND_TRIP: "round trip HES -> terminal -> HES"},
        {JOIN},
        id="metering: answers the HES after 100 s",
    ),
]


@pytest.mark.parametrize(("dut", "selection", "failures", "passes"), FAULT_RUNS)
def test_a_faulty_terminal_behind_the_rig_fails_the_scenarios_of_its_fault(
    tmp_path, dut: str, selection: str, failures: dict[str, str], passes: set[str]
):
    with emulated_rig(tmp_path, dut=dut, pace=CI_PACE) as rig:
        run = run_hil(tmp_path, rig.env(), "-k", selection)
    assert run.returncode == 1, run.output[-3000:]
    failed = {v["scenario"]: v["message"] for v in run.verdicts if v["verdict"] == "fail"}
    assert set(failed) == set(failures), run.output[-3000:]
    for scenario, message in failures.items():
        assert message in failed[scenario], failed[scenario]
    assert {v["scenario"] for v in run.verdicts if v["verdict"] == "pass"} == passes
    assert not [v for v in run.verdicts if v["verdict"] == "error"]
