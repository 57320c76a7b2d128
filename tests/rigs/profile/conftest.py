"""The emulated rig for the HIL profile's tests: the launcher started as CI starts it, and
pytest runs of the features against it in a subprocess, as a vendor runs them.

Each test module starts its own emulator and runs the HIL scenarios once (module-scoped
fixtures); the tests then read that run's verdicts.

Each emulated rig picks its own loopback home LAN and free ports (``terminal_rig``'s
``free_home_lan``) and hands them to the rig file in its variables, so under pytest-xdist
(``make test``) the modules here run on several workers at once (``RIG_JOBS``), beside the
CPU-bound tests: rig time is a virtual clock the rig shares with the bench
(``rigs/sharedtime.py``), which a starved process stops instead of losing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.observe.monitors import MONITOR_SOURCE

ROOT = Path(__file__).parents[3]
RIG_FILE = ROOT / "rigs" / "emulators" / "rig.yaml"
# An emulated rig imports the twins and opens its parts in a few seconds; with several
# starting at once beside CPU-bound tests on a busy 2-core machine, 20 s was seen to pass.
START_TIMEOUT_S = 60.0
# The emulated rig runs its twins at most this much faster than the wall clock, so an
# hour-long scenario takes 12 s or more; tests/rigs/profile/test_rig_faults.py runs at x1.
# On the shared virtual clock (rigs/sharedtime.py) rig time also waits for the bench, which
# acknowledges it every round of tending: a round trip between the two (a command on the
# radio's pty, a Modbus coil, a datagram on the home LAN) costs at most the clock's
# lookahead (5 rig s), and a starved process stops rig time. On the wall clock
# (--wall-clock) every round trip cost rig time in proportion to the pace: at x1500 the
# reference twin failed THK-7-JOIN's 90 s and NAT-2.5-CFG's 300 s (this 2-CPU machine,
# busy).
CI_PACE = 300


def clean_environment(**variables: str) -> dict[str, str]:
    """The environment of a child pytest: this run's own options and plugins left out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "IOTROUTE_RIG_"))}
    return {**env, **variables}


class EmulatedRig:
    """``python -m rigs.emulators.terminal_rig`` in its own process, until ``stop``."""

    def __init__(
        self,
        folder: Path,
        *,
        dut: str = "reference",
        pace: float = 1.0,
        seed: int = 1,
        home_terminal: str | None = None,
        variant: str = "bp35a1",
        options: Sequence[str] = (),
    ) -> None:
        self.env_file = folder / f"rig-{dut}-x{pace:g}.env"
        self.log = folder / f"rig-{dut}-x{pace:g}.log"
        command = [sys.executable, "-m", "rigs.emulators.terminal_rig", "--rig-env", str(self.env_file)]
        command += ["--dut", dut, "--time-scale", f"{pace:g}", "--seed", str(seed)]
        command += ["--variant", variant, *options]
        if home_terminal is not None:  # else the launcher picks a free loopback home LAN
            command += ["--home-terminal", home_terminal]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=clean_environment(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.env_file.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"the emulated rig did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.05)
        lines = self.env_file.read_text().splitlines()
        self.variables = dict(line.split("=", 1) for line in lines if line)

    def env(self, **overrides: str) -> dict[str, str]:
        return clean_environment(**{**self.variables, **overrides})

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass(frozen=True, slots=True)
class HilRun:
    """One ``pytest features --profile hil`` run: its exit status, output and verdicts."""

    returncode: int
    output: str
    verdicts: list[dict]
    junit: str
    monitors: list[dict]

    def verdict(self, scenario: str) -> dict:
        found = [v for v in self.verdicts if v["scenario"] == scenario]
        assert len(found) == 1, (
            f"{scenario!r}: {len(found)} verdicts in {[v['scenario'] for v in self.verdicts]}"
        )
        return found[0]


def merged(runs: Sequence[HilRun]) -> HilRun:
    """Runs of parts of one selection (each on a rig of its own) as one run."""
    return HilRun(
        max(run.returncode for run in runs),
        "\n".join(run.output for run in runs),
        [v for run in runs for v in run.verdicts],
        "\n".join(run.junit for run in runs),
        [v for run in runs for v in run.monitors],
    )


def run_hil(
    folder: Path, env: dict[str, str], *args: str, rig: Path = RIG_FILE, timeout_s: float = 240
) -> HilRun:
    """Run the features on the hil profile in a subprocess."""
    verdicts, junit = folder / "verdicts.json", folder / "junit.xml"
    verdicts.unlink(missing_ok=True)
    command = [sys.executable, "-m", "pytest", "features", "--profile", "hil", "--rig", str(rig)]
    command += [
        "-p",
        "no:cacheprovider",
        "-q",
        "-rA",
        "--verdicts-json",
        str(verdicts),
        "--junitxml",
        str(junit),
    ]
    result = subprocess.run(
        [*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s, check=False
    )
    found = json.loads(verdicts.read_text()) if verdicts.exists() else []
    return HilRun(
        result.returncode,
        result.stdout + result.stderr,
        # The scenarios' own verdicts; the monitors' (fixtures/monitors.py) are in ``monitors``.
        [v for v in found if v["feature"] != MONITOR_SOURCE],
        junit.read_text() if junit.exists() else "",
        [v for v in found if v["feature"] == MONITOR_SOURCE],
    )


@pytest.fixture(scope="module")
def module_folder(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    return tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1])


@contextlib.contextmanager
def emulated_rig(folder: Path, **options) -> Iterator[EmulatedRig]:
    """A started emulated rig, stopped when the block ends."""
    rig = EmulatedRig(folder, **options)
    try:
        yield rig
    finally:
        rig.stop()


def scenario_names(run: HilRun, verdict: str) -> Sequence[str]:
    return sorted(v["scenario"] for v in run.verdicts if v["verdict"] == verdict)


FullRig = Callable[..., dict[str, dict]]


@pytest.fixture(scope="module")
def full_rig() -> FullRig:
    """Runs named scenarios on the emulated full rig (``parity.rig_run``: the launcher and the
    bench in a network namespace of their own): ``full_rig(folder, dut, *names, pace=...)``
    gives each scenario's verdict by name. Skips where no namespace can be made."""
    # Imported here: both modules import this one.
    from reports.traceability import feature_scenarios
    from tests.rigs.profile.parity import rig_run, selection
    from tests.rigs.profile.test_air_and_home_setup import _namespaces

    reason = _namespaces()
    if reason is not None:
        pytest.skip(reason)
    scenarios = {s.name: s for s in feature_scenarios(ROOT / "features")}

    def run(folder: Path, dut: str, *names: str, pace: float = CI_PACE) -> dict[str, dict]:
        expression = selection(scenarios[name] for name in names)
        return {v["scenario"]: v for v in rig_run(folder, dut=dut, pace=pace, expression=expression)}

    return run


@pytest.fixture
def bridge() -> Iterator[socket.socket]:
    """A loopback UDP socket in the place of the injector's radio bridge."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(2.0)
        yield sock
