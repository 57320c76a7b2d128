"""The import contract (pyproject.toml ``[tool.importlinter]``, docs/ARCHITECTURE.md).

``make lint`` runs it on the tree; these tests show that each contract can fail, by
adding one offending module to a throwaway copy of the packages, and that the real tree
keeps the contracts it must keep.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("conformance", "rigs", "steps", "fixtures", "reports")


def _lint_imports(cwd: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the packages below ``cwd`` (it puts ``cwd`` first on the path)."""
    script = Path(sys.executable).with_name("lint-imports")
    command = [str(script) if script.exists() else "lint-imports", "--no-cache", "--no-logo"]
    for contract in contracts:
        command += ["--contract", contract]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def _contract_names() -> dict[str, str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["id"]: contract["name"] for contract in config["tool"]["importlinter"]["contracts"]}


def _contract_ids() -> set[str]:
    return set(_contract_names())


def _one_line(output: str) -> str:
    """import-linter wraps long lines to the terminal's width; join them back."""
    return " ".join(output.split())


# One offending module per rule: (path in the tree, its source, the contract, what it reports).
INTRUDERS = [
    pytest.param(
        "steps/intruder_steps.py",
        "from conformance.twin.meter import smart_meter\n",
        "steps",
        "steps.intruder_steps -> conformance.twin.meter.smart_meter",
        id="a step imports a twin",
    ),
    pytest.param(
        "steps/other_steps.py",
        "from rigs import rigfile\n",
        "steps",
        "steps.other_steps -> rigs.rigfile",
        id="a step imports a rig",
    ),
    pytest.param(
        "steps/third_steps.py",
        "from steps import join_steps\n",
        "step-libraries",
        "steps.third_steps -> steps.join_steps",
        id="a step library imports another",
    ),
    pytest.param(
        "conformance/judge/intruder.py",
        "import pytest\n",
        "core",
        "conformance.judge.intruder -> pytest",
        id="the core imports pytest",
    ),
    pytest.param(
        "conformance/intruder.py",
        "from rigs.profile import bench\n",
        "core",
        "conformance.intruder -> rigs.profile.bench",
        id="the core imports the hil profile",
    ),
    pytest.param(
        "conformance/protocols/intruder.py",
        "import socket\n",
        "sans-io",
        "conformance.protocols.intruder -> socket",
        id="a codec opens a socket",
    ),
    pytest.param(
        "conformance/protocols/clocked.py",
        "from time import monotonic\n",
        "sans-io",
        "conformance.protocols.clocked -> time",
        id="a codec reads the clock",
    ),
    pytest.param(
        "conformance/twin/meter/intruder.py",
        "from conformance.twin.terminal import reference\n",
        "counterparts",
        "conformance.twin.meter.intruder -> conformance.twin.terminal.reference",
        id="a counterpart imports the terminal twin",
    ),
    pytest.param(
        "conformance/stimulus/intruder.py",
        "from conformance.twin import bench\n",
        "both-profiles",
        "conformance.stimulus.intruder -> conformance.twin.bench",
        id="stimulus imports the twin profile",
    ),
]


def _sections(output: str, names: dict[str, str]) -> dict[str, str]:
    """Each broken contract's part of the report (after the "Broken contracts" heading)."""
    text = _one_line(output).split("Broken contracts", 1)[-1]
    starts = sorted((text.find(name), contract) for contract, name in names.items() if name in text)
    return {
        contract: text[at : (starts[i + 1][0] if i + 1 < len(starts) else len(text))]
        for i, (at, contract) in enumerate(starts)
    }


@pytest.fixture(scope="module")
def intruded_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The contract run over a throwaway copy of the packages with every intruder in it."""
    tree = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for intruder in INTRUDERS:
        module, source = intruder.values[:2]
        (tree / module).write_text(source, encoding="utf-8")
    result = _lint_imports(tree)
    assert result.returncode == 1, result.stdout + result.stderr
    return _sections(result.stdout, _contract_names())


@pytest.mark.parametrize(("module", "source", "contract", "reported"), INTRUDERS)
def test_a_broken_contract_is_reported(
    intruded_report: dict[str, str], module: str, source: str, contract: str, reported: str
) -> None:
    assert reported in intruded_report[contract]


def test_every_rule_of_the_architecture_has_its_contract() -> None:
    assert {"core", "sans-io", "counterparts", "both-profiles", "steps", "step-libraries"} <= _contract_ids()


def test_the_tree_keeps_its_contracts() -> None:
    contracts = sorted(_contract_ids())
    result = _lint_imports(ROOT, *contracts)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(contracts)} kept, 0 broken." in _one_line(result.stdout)
