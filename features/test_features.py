"""Binds every feature file to pytest: each scenario becomes one test.

Steps ask for the bench at run time, so the scenario functions do not name it; this
autouse fixture puts the terminal twin and the seed into every scenario's fixture
closure, which lets ``--dut all`` and ``--seeds N`` parametrize them (fixtures/bench.py).
"""

from pathlib import Path

import pytest
from pytest_bdd import scenarios

# One folder of feature files per requirement area (join/, link_security/, metering/ ...).
for area in sorted(
    p.name for p in Path(__file__).parent.iterdir() if p.is_dir() and any(p.glob("*.feature"))
):
    scenarios(area)


@pytest.fixture(autouse=True)
def _scenario_parameters(dut_name: str, seed: int) -> None:
    """Each scenario runs for one terminal twin and one seed."""
