"""The secured echo probes run on the emulated full rig as on the twin (issue 13): with the
injector, the sniffer and the group key, "properly secured echo requests" are ICMPv6 Echo
Requests injected from the module's address (``rigs/profile/route.py``, ``_injected_echo``),
their Echo Replies read on the air.

The reference passes every scenario that sends them on a rig; ``plaintext-after-auth``
(``conformance/twin/faults/link_security.py``: Echo Replies in the clear after
authentication), which the module's secured DLMS GET let pass, fails "Every frame after
authentication ...", as on the twin, and ``reused-frame-counter`` still fails it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.twin.faults import REFERENCE
from reports.traceability import feature_scenarios
from tests.rigs.profile.conftest import CI_PACE, ROOT
from tests.rigs.profile.parity import rig_run, selection
from tests.rigs.profile.test_air_and_home_setup import _namespaces

EVERY_FRAME = "Every frame after authentication is secured with the group key PANA delivered"
# The other scenarios whose steps send "a properly secured echo request" (features/link_security/;
# the group-key update's is not applicable on a rig: SKSTACK-IP distributes no new key).
STILL_ANSWERS = ("The terminal drops a frame", "At the boundaries of frame protection")
SECURED_PROBES = 11  # EVERY_FRAME, the 5 dropped frames, the 4 boundaries, and the session's end
SESSION_END = "Once the network ends its session the terminal takes no part in it"


def _names() -> list[str]:
    return [
        s.name
        for s in feature_scenarios(ROOT / "features")
        if s.name in (EVERY_FRAME, SESSION_END) or s.name.startswith(STILL_ANSWERS)
    ]


@pytest.fixture(scope="module")
def runnable() -> None:
    reason = _namespaces()
    if reason is not None:
        pytest.skip(reason)


def test_the_reference_passes_every_scenario_that_sends_secured_echo_requests(runnable: None, tmp_path: Path):
    scenarios = [s for s in feature_scenarios(ROOT / "features") if s.name in _names()]
    found = rig_run(tmp_path, dut=REFERENCE, pace=CI_PACE, expression=selection(scenarios))
    verdicts = {v["scenario"]: v["verdict"] for v in found}
    assert len(verdicts) == SECURED_PROBES, verdicts
    assert set(verdicts.values()) == {"pass"}, verdicts


@pytest.mark.parametrize("fault", ["plaintext-after-auth", "reused-frame-counter"])
def test_a_terminal_that_answers_or_counts_wrongly_fails_on_the_rig(
    runnable: None, fault: str, tmp_path: Path
):
    scenarios = [s for s in feature_scenarios(ROOT / "features") if s.name == EVERY_FRAME]
    verdicts = {
        v["scenario"]: v["verdict"]
        for v in rig_run(tmp_path, dut=fault, pace=CI_PACE, expression=selection(scenarios))
    }
    assert verdicts == {EVERY_FRAME: "fail"}
