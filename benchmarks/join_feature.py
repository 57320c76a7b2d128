"""How fast the twin joins: wall time against simulated time.

1. One join (power-on to authenticated) on a clean channel and with 30 % frame loss,
   over many seeds: wall milliseconds per join and the simulated seconds it covered.
2. The join feature (features/join) through pytest-bdd, in process: wall time and the
   simulated time of its scenarios, so the ratio shows what a 90-second join and a
   10-minute back-off cost in real time (every twin feature: ``benchmarks.scenarios``).

    python -m benchmarks.join_feature [--seeds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pytest
from pytest_bdd.scenario import scenario_wrapper_template_registry

from benchmarks.figures import HIGHER, LOWER, keep
from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.observe.route_events import TerminalAuthenticated
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class
from fixtures.bench import BENCH

ROOT = Path(__file__).resolve().parents[1]


def one_join(seed: int, loss: float) -> tuple[float, float]:
    """(wall seconds, simulated seconds) from power-on to authenticated."""
    declaration = load_declaration()
    started = time.perf_counter()
    bench = TwinBench(seed=seed, declaration=declaration, dut_factory=terminal_class("reference"))
    bench.route.add_meter(MeterSetup(name="SM-1", pairing_id=declaration.credentials.pairing_id))
    bench.route.set_frame_loss(loss)
    bench.terminal.power_on()
    joined = bench.clock.wait_until(lambda: bench.route.events.first(TerminalAuthenticated) is not None, 600)
    wall = time.perf_counter() - started
    if not joined:
        raise RuntimeError(f"seed {seed}: the reference twin did not join")
    return wall, bench.clock.now()


class SimulatedTime:
    """pytest plugin: keeps the scenarios of one feature folder (all when ``area`` is
    None) and adds up the virtual time each scenario's bench reached."""

    def __init__(self, area: str | None) -> None:
        self.area = area
        self.total = 0.0
        self.scenarios = 0

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        if self.area is None:
            return
        folder = ROOT / "features" / self.area
        keep = [item for item in items if folder in _feature_file(item).parents]
        config.hook.pytest_deselected(items=[item for item in items if item not in keep])
        items[:] = keep

    @pytest.hookimpl
    def pytest_bdd_after_scenario(self, request: pytest.FixtureRequest, feature, scenario) -> None:
        bench = request.node.stash.get(BENCH, None)
        if bench is not None:
            self.total += bench.clock.now()
            self.scenarios += 1


def _feature_file(item: pytest.Item) -> Path:
    template = scenario_wrapper_template_registry.get(getattr(item, "obj", None))
    return Path(template.feature.filename) if template is not None else Path()


def whole_feature(area: str | None) -> tuple[float, SimulatedTime, int]:
    """Run the features of one folder (all when ``area`` is None) in process."""
    plugin = SimulatedTime(area)
    started = time.perf_counter()
    status = pytest.main(
        [
            str(ROOT / "features"),
            "-q",
            "-p",
            "no:cacheprovider",
            "--no-header",
            "-o",
            "addopts=",
            "-W",
            "ignore::pytest.PytestAssertRewriteWarning",
        ],
        plugins=[plugin],
    )
    return time.perf_counter() - started, plugin, int(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    args, _ = parser.parse_known_args()

    print(f"join, power-on to authenticated, reference twin, {args.seeds} seeds")
    for loss in (0.0, 0.3):
        runs = [one_join(seed, loss) for seed in range(1, args.seeds + 1)]
        walls = sorted(w for w, _ in runs)
        sims = [s for _, s in runs]
        print(
            f"  loss {loss:4.0%}: wall median {statistics.median(walls) * 1000:7.2f} ms, "
            f"p90 {walls[int(0.9 * len(walls)) - 1] * 1000:7.2f} ms; "
            f"simulated median {statistics.median(sims):6.2f} s, max {max(sims):6.2f} s; "
            f"simulated/wall {sum(sims) / sum(walls):9.0f}x"
        )
        keep(f"join, loss {loss:.0%}, wall median", statistics.median(walls) * 1000, "ms", better=LOWER)

    wall, simulated, status = whole_feature("join")
    print(
        f"features/join ({simulated.scenarios} scenarios, pytest exit {status}): wall {wall:.2f} s, "
        f"simulated {simulated.total:.0f} s, simulated/wall {simulated.total / wall:.0f}x"
    )
    keep("features/join, wall", wall, "s", better=LOWER)
    keep("simulated/wall, features/join", simulated.total / wall, "x", better=HIGHER)


if __name__ == "__main__":
    main()
