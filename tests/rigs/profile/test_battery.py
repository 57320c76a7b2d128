"""Battery life (THK-8-BATT) on the emulated rig with its metered supply
(``rigs/emulators/metered-rig.yaml``): the reference twin's duty cycle projects more than
the declared years, one that never sleeps its radio projects months and fails."""

from __future__ import annotations

import pytest

from tests.rigs.profile.conftest import CI_PACE, ROOT, emulated_rig, run_hil

pytest.importorskip("pyvisa_py", reason="the metered supply is a TCPIP SOCKET resource: needs pyvisa-py")

METERED_RIG = ROOT / "rigs" / "emulators" / "metered-rig.yaml"
SCENARIO = (
    "The terminal's average current over a duty cycle projects a battery life of at least the declared years"
)


@pytest.mark.parametrize(("dut", "verdict", "message"), [
    ("reference", "pass", ""),
    ("radio-never-sleeps", "fail", "projected battery life"),
])  # fmt: skip
def test_battery_life_is_judged_from_the_current_the_twin_draws(tmp_path, dut, verdict, message):
    with emulated_rig(tmp_path, dut=dut, pace=CI_PACE) as rig:
        run = run_hil(tmp_path, rig.env(), "-k", "battery_life", rig=METERED_RIG, timeout_s=120)
    found = run.verdict(SCENARIO)
    assert found["verdict"] == verdict, run.output[-3000:]
    assert message in found["message"]
