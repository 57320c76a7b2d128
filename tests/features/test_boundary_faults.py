"""The faults of issue 11's second, third and last rounds (and issue 14's) against every scenario of the
requirements they break, as the detection matrix runs them (``--dut all``, one seed): each fails the new
scenario written for it, under its own requirement, and passes every older one, which is
why the new stimulus, oracle or monitor was needed (a defect the bench had never seen)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.observe.monitors import MONITOR_SOURCE
from conformance.twin.faults import FAULTS

ROOT = Path(__file__).resolve().parents[2]
BOUNDARY = "At the boundaries of frame protection the terminal still refuses a frame "
MAPS = "The terminal's property maps match its whitelist, and every property they list is refused"
CHANNEL = "The terminal finds its smart meter on channel"
COUNTERS = "Both 9-digit counters are kept as their lower 8 digits at "
APART = "AC input and AC output stay apart with "
NO_ID = "A value the meter gives without its ID is not sent as the known meter's"
# Under ``make test`` (pytest-xdist, --dist loadgroup) the module's tests share one worker, so
# the run happens once.
pytestmark = pytest.mark.xdist_group("boundary-faults")
# fault -> the scenarios (their names' beginnings) it fails, and the monitors that fire on it.
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    "reads-every-meter": ({"With a second metering device on the home network"}, set()),
    "polls-undeclared-wire": ({"The terminal reads its meter over the wired interface it declares"}, set()),
    "completes-with-stale-values": ({"After a 7-day outage of the SM network"}, set()),
    "rounds-15-min-values": ({"Switched to 15-minute values"}, set()),
    "saturates-export": ({COUNTERS + "the rollover", COUNTERS + "the middle", COUNTERS + "a point"}, set()),
    "empty-meter-id": ({"A swapped metering device is detected"}, {"meter-identity"}),
    "values-dated-a-year-ahead": (set(), {"timestamps"}),
    "accepts-last-counter-again": ({BOUNDARY + "again at the last", BOUNDARY + "to all nodes again"}, set()),
    "plaintext-to-all-nodes": ({BOUNDARY + "to all nodes in plaintext"}, set()),
    "no-mic-on-broadcast": ({BOUNDARY + "to all nodes with a bad MIC"}, set()),
    "no-replay-check-on-broadcast": ({BOUNDARY + "to all nodes again"}, set()),
    "writable-later-properties": ({MAPS}, set()),
    "get-map-lists-more": ({MAPS}, set()),
    "skips-band-edges": ({f"{CHANNEL} 33", f"{CHANNEL} 60"}, set()),
    "falls-back-to-any-meter": ({"Alone with a smart meter of another Pairing ID"}, set()),
    "uncapped-rescan": ({"A smart meter that comes into range after an hour"}, set()),
    "drops-failures-when-full": ({"Full logs keep taking authentication failures"}, set()),
    "reads-import-only": ({"Forward energy is sent as AC input", APART}, set()),
    # issue 11, third round: value oracles and the direction scenario's counter range
    "hourly-values-an-hour-stale": ({"For automatic meter reading the terminal keeps hourly values"}, set()),
    "port-shows-slot-before": ({"A handy terminal reads the stored values from the maintenance port"}, set()),
    # the export above the import and near the rollover always; other rows as the counters meet
    "swaps-registers-when-export-leads": (
        {APART, APART + "the export counter above", APART + "the export counter near"}, set()
    ),
    "bridges-home-multicast": ({"The terminal carries no home-side multicast"}, {"ports", "stack"}),
    # issue 11, last round: the objects' self-description (0x9D's mandatory announcements, 0xD3 vs 0xD6)
    "announcement-map-lists-version": ({MAPS}, set()),
    "node-profile-miscounts-instances": ({MAPS}, set()),
    # ... and the ruling on a meter answer without its ID (conformance/MODELLED.md)
    "carries-meter-id-over": ({NO_ID}, set()),
    "takes-value-without-id": (set(), {"meter-identity"}),
    # ... and a survivor of the second mutation sample (maintenance_console _serve _45)
    "port-shows-factory-granularity": ({"A handy terminal switches the terminal to 15-minute values"}, set()),
    "reads-once-per-slot": ({"A meter that misses the first request of a slot"}, set()),
    # ... and the last survivor of the second sample (metering MeteringApp._get _42): a Get of
    # an object outside the model answered with no data-access-result, which does not decode
    "leaves-out-access-result": ({"A request for an object outside the terminal's model"}, {"stack"}),
    # issue 14: the two scenarios no fault failed (test_detection_matrix.py, seeds_no_fault_fails)
    "port-keeps-old-password": ({"A handy terminal changes the password on the maintenance port"}, set()),
    "erases-store-at-wrap": ({"Over 72 days the HES keeps exactly the last 70 days"}, set()),
}  # fmt: skip


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("boundary") / "verdicts.json"
    selection = " or ".join(EXPECTED)  # the parameter ids name the terminal twin
    command = [
        sys.executable, "-m", "pytest", "features", "--dut", "all", "--seeds", "1", "-k", selection,
        "-q", "--tb=no", "-p", "no:cacheprovider", "--verdicts-json", str(out),
    ]  # fmt: skip
    env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.exists(), completed.stdout[-3000:] + completed.stderr[-2000:]
    return json.loads(out.read_text())


@pytest.mark.parametrize("fault", sorted(EXPECTED))
def test_each_new_fault_fails_only_the_new_check_written_for_it(verdicts: list[dict], fault: str) -> None:
    scenarios, monitors = EXPECTED[fault]
    mine = [v for v in verdicts if v["dut"] == fault]
    assert mine, f"no scenario ran against {fault}"
    assert not [v for v in mine if v["verdict"] == "error"], [
        v["message"] for v in mine if v["verdict"] == "error"
    ]
    failed = [v for v in mine if v["verdict"] == "fail"]
    own = {v["scenario"] for v in failed if v["feature"] != MONITOR_SOURCE}
    assert {s for s in own if not any(s.startswith(e) for e in scenarios)} == set(), own
    assert all(any(s.startswith(e) for s in own) for e in scenarios), (scenarios, own)
    fired = {v["scenario"].split()[1] for v in failed if v["feature"] == MONITOR_SOURCE}
    assert fired == monitors, fired
    for v in failed:  # under the requirement the fault breaks (a monitor's may differ)
        if v["feature"] != MONITOR_SOURCE:
            assert set(v["requirements"]) & set(FAULTS[fault].violates), v


def test_a_partial_read_is_named_as_one_not_as_no_read(verdicts: list[dict]) -> None:
    """Classification: the terminal read the meter, only not 0xE2; the failure says that
    (before: "the terminal did not read the meter then")."""
    own = [v for v in verdicts if v["dut"] == "reads-import-only" and v["feature"] != MONITOR_SOURCE]
    (types,) = [v for v in own if v["scenario"].startswith("Forward energy is sent as AC input")]
    assert "read only part of the meter" in types["message"] and "0xE2 (AC output)" in types["message"]
    for outline in (v for v in own if v["scenario"].startswith(APART)):  # the range outline says it too
        assert "read only part of the meter" in outline["message"], outline
