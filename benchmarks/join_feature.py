"""How fast the twin joins: wall time against simulated time.

1. One join (power-on to authenticated) on a clean channel and with 30 % frame loss,
   over many seeds: wall milliseconds per join and the simulated seconds it covered.
2. Every twin feature (features/) through pytest-bdd, in process: its wall time and the
   simulated time of all its scenarios, so the ratio shows what a 90-second join, a
   10-minute back-off, a 7-day outage and the rest cost in real time.

    python -m benchmarks.join_feature [--seeds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pytest

from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup
from conformance.route_events import TerminalAuthenticated
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
    """pytest plugin: adds up the virtual time each scenario's bench reached."""

    def __init__(self) -> None:
        self.total = 0.0
        self.scenarios = 0

    @pytest.hookimpl
    def pytest_bdd_after_scenario(self, request: pytest.FixtureRequest, feature, scenario) -> None:
        bench = request.node.stash.get(BENCH, None)
        if bench is not None:
            self.total += bench.clock.now()
            self.scenarios += 1


def whole_feature() -> tuple[float, SimulatedTime, int]:
    plugin = SimulatedTime()
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
    args = parser.parse_args()

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

    wall, simulated, status = whole_feature()
    print(
        f"all twin features (features/, {simulated.scenarios} scenarios, pytest exit {status}): "
        f"wall {wall:.2f} s, simulated {simulated.total:.0f} s, simulated/wall {simulated.total / wall:.0f}x"
    )


if __name__ == "__main__":
    main()
