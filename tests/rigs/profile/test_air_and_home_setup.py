"""The parts that set up the air and the home LAN, on the emulated rig: the signal
generator's pulsed carrier (THK-13-HOP), the rogue device's floods on the home LAN
(NAT-3.1-T4) and its requests and port probe on an IPv6 link-local home LAN (NAT-3.1-T2),
each passing against the reference twin and failing against a fault the emulator hosts.

The IPv6 home LAN is the loopback of a network namespace made for the run (``unshare -n``,
root), with the three link-local addresses of ``rigs/emulators/home-rig.yaml``: the host's
own loopback is never touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.observe.monitors import MONITOR_SOURCE
from tests.rigs.profile.conftest import CI_PACE, ROOT, clean_environment, emulated_rig, run_hil

PULSED = "Through a pulsed jammer on its channel the terminal still delivers its values"
HOME_FLOOD = (
    "A flood of 1,800 ECHONET Lite requests on the home side is detected and reported, and metering goes on"
)
WHITELIST = "A rogue device's {} get only what the whitelist allows"  # an outline: one per family
HOME_PROBE = "A UDP port probe of the terminal's home side finds only the declared ports open"
# A day of pulsed jamming is 25 hours of rig time: twice the CI pace keeps it to 150 s.
JAMMING_PACE = 2 * CI_PACE
HOME_RIG = ROOT / "rigs" / "emulators" / "home-rig.yaml"
# The home-side steps wait 2 s of rig time for the terminal's answers: at x300 that is under
# 7 ms of wall clock, which a busy machine misses. These scenarios are short: x60.
HOME_PACE = 60
HOME_LAN = (
    "ip link set lo up multicast on && ip -6 addr add fe80::1/128 dev lo && "
    "ip -6 addr add fe80::2/128 dev lo && ip -6 addr add fe80::bad:0:0:1/128 dev lo && "
    "ip -6 route add multicast ff00::/8 dev lo table local"
)


def test_a_pulsed_jammer_from_the_rig_s_generator_fails_a_terminal_that_never_retries(tmp_path: Path):
    with emulated_rig(tmp_path, dut="never-retries-frames", pace=JAMMING_PACE) as rig:
        run = run_hil(tmp_path, rig.env(), "-k", "pulsed_jammer", timeout_s=400)
    [verdict] = run.verdicts
    assert verdict["scenario"] == PULSED and verdict["verdict"] == "fail", run.output[-3000:]
    assert "values delivered in time while the channel in use is jammed" in verdict["message"]
    assert "(pulsed)" in verdict["message"]


def test_a_home_side_flood_from_the_rig_s_rogue_fails_a_terminal_that_never_detects_it(tmp_path: Path):
    with emulated_rig(tmp_path, dut="no-dos-detection", pace=CI_PACE) as rig:
        run = run_hil(tmp_path, rig.env(), "-k", "home_side and flood and ECHONET")
    [verdict] = run.verdicts
    assert verdict["scenario"] == HOME_FLOOD and verdict["verdict"] == "fail", run.output[-3000:]
    assert "no event notification at the HES" in verdict["message"]


def _namespaces() -> str | None:
    """Why a network namespace cannot be made here, or None."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs unshare and ip (util-linux, iproute2)"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, text=True, check=False)
    return None if probe.returncode == 0 else f"cannot make a network namespace: {probe.stderr.strip()}"


def home_lan_run(folder: Path, dut: str, selection: str) -> list[dict]:
    """The emulated rig and a HIL run of ``selection`` in one network namespace whose
    loopback is the IPv6 home LAN; the scenarios' verdicts."""
    verdicts = folder / f"verdicts-{dut}.json"
    emulator = [
        sys.executable,
        "-m",
        "rigs.emulators.terminal_rig",
        "--dut",
        dut,
        "--time-scale",
        str(HOME_PACE),
    ]
    emulator += ["--home-meter", "[fe80::1]:3610", "--home-terminal", "[fe80::2]:3610"]
    bench = [sys.executable, "-m", "pytest", "features", "--profile", "hil", "--rig", str(HOME_RIG)]
    bench += ["-p", "no:cacheprovider", "-q", "-k", selection, "--verdicts-json", str(verdicts)]
    command = ["unshare", "-n", "sh", "-c", f'{HOME_LAN} && exec "$@"', "sh", *emulator, "--", *bench]
    result = subprocess.run(
        command, cwd=ROOT, env=clean_environment(), capture_output=True, text=True, timeout=240, check=False
    )
    assert verdicts.exists(), result.stdout[-3000:] + result.stderr[-2000:]
    return [v for v in json.loads(verdicts.read_text()) if v["feature"] != MONITOR_SOURCE]


@pytest.fixture(scope="module")
def home_lan(module_folder: Path):
    reason = _namespaces()
    if reason is not None:
        pytest.skip(reason)
    return module_folder


def _family(scenario: str) -> bool:
    """Whether a scenario is one family of the whitelist outline."""
    head, tail = WHITELIST.split("{}")
    return scenario.startswith(head) and scenario.endswith(tail)


SELECTION = "rogue_device or port_probe_of_the_terminals_home or pulsed_jammer"


def test_the_home_side_restriction_runs_on_an_ipv6_home_lan_against_the_reference(home_lan: Path):
    verdicts = home_lan_run(home_lan, "reference", SELECTION)
    by_verdict: dict[str, list[dict]] = {}
    for v in verdicts:
        by_verdict.setdefault(v["verdict"], []).append(v)
    passed = {v["scenario"] for v in by_verdict.get("pass", [])}
    families = [name for name in passed if _family(name)]
    assert len(families) == 8 and HOME_PROBE in passed, verdicts
    skipped = {v["scenario"]: v["message"] for v in by_verdict.get("not applicable", [])}
    # A real socket cannot forge its source; this rig has no signal generator.
    unexpected = WHITELIST.format("requests from unexpected source addresses")
    assert "forging 2001:db8:bad::1 needs a raw socket" in skipped[unexpected]
    assert "role signal-generator" in skipped[PULSED]
    assert set(by_verdict) == {"pass", "not applicable"}, verdicts


@pytest.mark.parametrize(
    ("dut", "failing"),
    [
        ("answers-every-property", {"whitelist"}),
        ("debug-port-open", {"probe"}),
        ("relays-home-echonet", {"whitelist", "probe"}),
    ],
)
def test_a_terminal_that_breaks_the_home_side_restriction_fails_on_the_rig(home_lan: Path, dut, failing):
    verdicts = home_lan_run(home_lan, dut, "rogue_device or port_probe_of_the_terminals_home")
    failed = {
        "whitelist" if _family(v["scenario"]) else v["scenario"] for v in verdicts if v["verdict"] == "fail"
    }
    assert failing <= {"probe" if name == HOME_PROBE else name for name in failed}, verdicts
    assert not [v for v in verdicts if v["verdict"] == "error"], verdicts
