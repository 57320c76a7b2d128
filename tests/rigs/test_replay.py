"""The diagnosis's replay line names what reruns the scenario: on HIL, the profile, the
rig file and the declaration (issue 12); the sequence counts from the scenario's start."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from fixtures.evidence import replay_command
from fixtures.options import OPTIONS, BenchOptions
from rigs.profile.bench import HilBench
from rigs.profile.clock import RigClock


class Config:
    def __init__(self, options: BenchOptions, protocol: str = "line") -> None:
        self.stash = {OPTIONS: options}
        self._protocol = protocol

    def getoption(self, name: str, default=None):
        return {"maintenance_protocol": self._protocol}.get(name, default)


def item(options: BenchOptions, protocol: str = "line"):
    return SimpleNamespace(
        name="test_the_terminal_is_authenticated_within_90_seconds[reference-seed3]",
        config=Config(options, protocol),
    )


def options(profile: str, rig: Path | None, ics: Path | None) -> BenchOptions:
    return BenchOptions(
        profile=profile, seeds=(3,), duts=("reference",), declaration=None, declaration_path=ics, rig=rig
    )  # type: ignore[arg-type]


def test_on_hil_the_replay_names_the_profile_the_rig_and_the_declaration():
    hil = options("hil", Path("/desk/my rig.yaml"), Path("my-terminal.yaml"))
    assert replay_command(item(hil), 3) == (
        "pytest features --profile hil --rig '/desk/my rig.yaml' --ics my-terminal.yaml --seed 3"
        " -k 'test_the_terminal_is_authenticated_within_90_seconds'"
    )
    assert "--maintenance-protocol acme" in replay_command(item(hil, "acme"), 3)
    assert "--dut" not in replay_command(item(hil), 3)


def test_on_the_twin_the_replay_names_the_terminal_twin_and_the_seed(monkeypatch: pytest.MonkeyPatch):
    twin = options("twin", None, None)
    monkeypatch.setattr("fixtures.evidence.dut_of", lambda item: "reference")
    assert replay_command(item(twin), 3) == (
        "pytest features --dut reference --seed 3 -k 'test_the_terminal_is_authenticated_within_90_seconds'"
    )


def test_a_hil_scenario_remembers_when_it_started_on_the_session_s_clock():
    clock = RigClock(tend=lambda: None, origin=0.0)
    rig = SimpleNamespace(clock=clock)
    bench = HilBench(
        rig=rig, seed=1, declaration=None, scheduler=None, terminal=None, route=None, home=None, hes=None
    )  # type: ignore[arg-type]
    assert bench.started_at == pytest.approx(clock.now(), abs=0.5)
    assert bench.started_at > 0  # the session's clock did not start with this scenario
