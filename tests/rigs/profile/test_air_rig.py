"""The HIL profile with the air (issue 13): the emulated rig's sniffer feed and injector
bridge on the twins' radio medium (rigs/emulators/air.py), bound by ``air-rig.yaml`` (pcap
from a named pipe) and ``air-rig-zep.yaml`` (ZEP v2 over loopback UDP).

* Against the reference terminal every join and link-security scenario tagged ``@hil``
  passes, the air ones included (Pairing ID, PANA timing, forged frames, the session's
  end), and the monitors judge the frame counters from the sniffer.
* The sniffer's capture, attached to the report, dissects in tshark with no malformed
  frame and decrypts with the group key the run reveals.
* Each fault the emulator hosts fails the scenario of its requirement on the rig.

The air runs at x100, not CI's x300: a probe's answer must come through the sniffer's
feed within the scenario's 5 s of rig time (50 ms of wall time here).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.ics import load_declaration
from fixtures.evidence import REVEALED_KEYS
from tests.rigs.profile.conftest import HilRun, emulated_rig, run_hil
from tests.tshark import run_tshark

EMULATORS = Path(__file__).parents[3] / "rigs" / "emulators"
AIR_RIG = EMULATORS / "air-rig.yaml"
ZEP_RIG = EMULATORS / "air-rig-zep.yaml"
AIR_PACE = 100
# The join and link-security scenarios tagged @hil: those that read or forge the air.
AIR_SCENARIOS = (
    "authenticated_within_90 or active_scan or guidelines_format or promptly or wrong_password "
    "or drops_a_frame or boundaries or renews or network_ends"
)
NO_DLMS_DISSECTOR = ("classicstun_udp",)  # as tests/features/test_conformance_run.py says why

JOIN = "The terminal is authenticated within 90 seconds of power-on"
PAIRING_ID = "The active scan carries the declared Pairing ID"
PAIRING_FORMAT = "The Pairing ID has the guideline's format"
# Its neighbouring terminal's requests come from the injector (rigs/profile/neighbour.py).
ALONE = "Alone with a smart meter of another Pairing ID, the terminal never authenticates with it"
PROMPT_PANA = "PANA authentication comes promptly after the scan and before any application data"
WRONG_PASSWORD = "A terminal with the wrong password never gets on the network"
RENEWS = "The terminal renews its PANA session before the lifetime expires"
SESSION_ENDS = "Once the network ends its session the terminal takes no part in it"


def drops(protection: str) -> str:
    return f"The terminal drops a frame {protection} and keeps working"


def refuses(protection: str) -> str:
    return f"At the boundaries of frame protection the terminal still refuses a frame {protection}"


# The boundaries (issue 11) on the rig: a frame at the module's own last counter (heard by
# the sniffer), and forgeries to all nodes, answered on the air.
BOUNDARIES = [
    refuses(p)
    for p in (
        "again at the last frame counter it accepted",
        "to all nodes in plaintext",
        "to all nodes with a bad MIC",
        "to all nodes again at the last frame counter",
    )
]


FORGED = [
    drops(p)
    for p in (
        "with a bad MIC",
        "under a wrong key",
        "replayed with an old frame counter",
        "from an unauthenticated address",
    )
]
RUNS_WITH_THE_AIR = sorted(
    [
        JOIN,
        PAIRING_ID,
        PAIRING_FORMAT,
        PROMPT_PANA,
        WRONG_PASSWORD,
        RENEWS,
        SESSION_ENDS,
        drops("in plaintext"),
        *FORGED,
        *BOUNDARIES,
    ]
)


@pytest.fixture(scope="module")
def group_key() -> dict[str, str]:
    return {}


@pytest.fixture(scope="module")
def air_run(module_folder: Path, group_key: dict[str, str]) -> HilRun:
    with emulated_rig(module_folder, pace=AIR_PACE) as rig:
        group_key["hex"] = rig.variables["IOTROUTE_RIG_GROUP_KEY"]
        run = run_hil(
            module_folder,
            rig.env(),
            "-k",
            AIR_SCENARIOS,
            "--alluredir",
            str(module_folder / "allure-results"),
            "--reveal-group-keys",
            rig=AIR_RIG,
            timeout_s=400,
        )
    return run


def test_every_air_scenario_tagged_for_hil_passes_against_the_reference(air_run: HilRun):
    assert air_run.returncode == 0, air_run.output[-4000:]
    passed = sorted({v["scenario"] for v in air_run.verdicts if v["verdict"] == "pass"})
    assert passed == RUNS_WITH_THE_AIR
    skipped = {v["scenario"]: v["message"] for v in air_run.verdicts if v["verdict"] == "not applicable"}
    assert list(skipped) == [JOIN] and "lose a set share of frames" in skipped[JOIN]
    assert "sniffer on " in air_run.output  # the notes name the sniffer the run listened to


def test_the_group_key_is_revealed_only_where_the_run_asked_for_it(
    air_run: HilRun, module_folder: Path, group_key: dict[str, str]
):
    key = group_key["hex"]
    assert key.lower() not in air_run.output.lower()
    for path in (module_folder / "allure-results").iterdir():
        if key.encode() in path.read_bytes().lower():
            result = path.read_text() if path.suffix == ".json" else ""
            assert REVEALED_KEYS not in result, path.name  # only the attachment itself holds it
            assert path.suffix == ".txt", f"{path.name} holds the group key"


def test_the_monitors_judge_the_frame_counters_from_the_sniffer(air_run: HilRun):
    counters = [v for v in air_run.monitors if "frame-counters" in v["scenario"]]
    assert counters
    assert {v["verdict"] for v in counters} == {"pass"}, counters[:3]


def _evidence(results: Path, scenario: str) -> tuple[Path, Path]:
    for path in results.glob("*-result.json"):
        result = json.loads(path.read_text())
        if result["name"] == scenario:
            files = {a["name"]: results / a["source"] for a in result.get("attachments", [])}
            return files["air capture (IEEE 802.15.4 TAP)"], files[REVEALED_KEYS]
    raise AssertionError(f"no result for {scenario!r}")


@pytest.mark.parametrize("scenario", [PROMPT_PANA, RENEWS])
def test_the_sniffers_capture_dissects_in_tshark_and_decrypts_with_the_revealed_key(
    air_run: HilRun, module_folder: Path, tshark: str, tmp_path: Path, scenario: str
):
    capture, table = _evidence(module_folder / "allure-results", scenario)
    lines = table.read_text().splitlines()
    keys = [(bytes.fromhex(line.split('"')[1]), int(line.split('"')[3])) for line in lines]
    assert keys, "the run revealed no group key"
    blocks = run_tshark(
        tshark, capture, keys=keys, disabled_heuristics=NO_DLMS_DISSECTOR, config_dir=tmp_path
    )
    assert len(blocks) > 20
    terminal = ":".join(f"{octet:02x}" for octet in load_declaration().identity.eui64)
    decrypted = 0
    for number, block in enumerate(blocks, start=1):
        assert "Malformed" not in block and "Expert Info (Error" not in block, f"frame {number}\n{block}"
        if "Security Enabled: True" in block:
            assert "[Key Number:" in block, f"frame {number} did not decrypt\n{block}"
            decrypted += f"Source: {terminal}" in block
    assert decrypted, "no frame of the terminal's was secured and decrypted"
    text = "".join(blocks)
    assert "Channel: 40" in text or "Channel: 33" in text or "Channel" in text  # TAP's channel TLV
    assert "Extensible Authentication Protocol" in text  # PANA/EAP-PSK, decoded from the air


def test_the_zep_feed_serves_the_same_air_scenarios(module_folder: Path, tmp_path: Path):
    """ZEP carries frames of at most 127 octets: the scenarios judged on short frames."""
    selection = "Pairing or drops_a_frame or network_ends"
    with emulated_rig(tmp_path, pace=AIR_PACE) as rig:
        run = run_hil(tmp_path, rig.env(), "-k", selection, rig=ZEP_RIG, timeout_s=300)
    assert run.returncode == 0, run.output[-4000:]
    passed = {v["scenario"] for v in run.verdicts if v["verdict"] == "pass"}
    assert passed == {PAIRING_ID, PAIRING_FORMAT, ALONE, SESSION_ENDS, drops("in plaintext"), *FORGED}
    assert "zep udp 127.0.0.1" in run.output


FAULT_RUNS = [
    # Taking a wrong-key frame without its MIC checked, the terminal takes its counter too, far
    # ahead of the module's: deaf to its meter after it (so on the twin, whose forger's counter
    # runs as far ahead: conformance/twin/meter/probes.py).
    pytest.param(
        "accepts-bad-mic",
        "(drops_a_frame and (MIC or wrong)) or (boundaries and MIC)",
        {drops("with a bad MIC"), drops("under a wrong key"), BOUNDARIES[2]},
        id="bad MIC",
    ),
    pytest.param(
        "accepts-last-counter-again", "boundaries and last", {BOUNDARIES[0], BOUNDARIES[3]}, id="last counter"
    ),
    pytest.param("plaintext-to-all-nodes", "boundaries", {BOUNDARIES[1]}, id="plaintext to all"),
    pytest.param("no-replay-check-on-broadcast", "boundaries and last", {BOUNDARIES[3]}, id="replay to all"),
    pytest.param("accepts-replay", "drops_a_frame and replayed", {FORGED[2]}, id="replay"),
    pytest.param("accepts-strangers", "drops_a_frame and unauthenticated", {FORGED[3]}, id="stranger"),
    pytest.param("talks-after-termination", "network_ends", {SESSION_ENDS}, id="after termination"),
    pytest.param("omits-pairing-id", "active_scan_carries", {PAIRING_ID}, id="no Pairing ID"),
    pytest.param("malformed-pairing-id", "guidelines_format", {PAIRING_FORMAT}, id="Pairing ID format"),
    pytest.param("delays-pana", "promptly", {PROMPT_PANA}, id="PANA late"),
    pytest.param("data-before-authentication", "promptly", {PROMPT_PANA}, id="data before PANA"),
]


@pytest.mark.parametrize(("dut", "selection", "failures"), FAULT_RUNS)
def test_a_fault_the_emulator_hosts_fails_its_air_scenario_on_the_rig(
    tmp_path: Path, dut: str, selection: str, failures: set[str]
):
    with emulated_rig(tmp_path, dut=dut, pace=AIR_PACE) as rig:
        run = run_hil(tmp_path, rig.env(), "-k", selection, rig=AIR_RIG, timeout_s=300)
    assert run.returncode == 1, run.output[-3000:]
    failed = {v["scenario"] for v in run.verdicts if v["verdict"] == "fail"}
    assert failed == failures, run.output[-3000:]
    assert not [v for v in run.verdicts if v["verdict"] == "error"], run.output[-3000:]
