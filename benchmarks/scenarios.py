"""What a scenario costs, and what the detection matrix costs.

1. The conformance run of every twin feature (``pytest features``, the reference twin,
   seed 1), in process: pytest's time for the whole run, each scenario's wall time
   (set-up, steps and teardown; median, p95, the slowest), the fixed part of it (set-up
   and teardown: the bench's construction and release, the report hooks) and the simulated
   time the scenarios covered against their wall time.
2. The detection matrix as ``make matrix`` runs it (``--dut all --seeds N`` on pytest-xdist
   workers), in a child process: wall time, CPU time of all its processes, scenario runs
   and runs per wall second.

    python -m benchmarks.scenarios [--matrix-seeds N] [--workers N] [--no-matrix]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pytest

from benchmarks.figures import HIGHER, LOWER, keep
from fixtures.bench import BENCH

ROOT = Path(__file__).resolve().parents[1]
MATRIX_SEEDS = 20  # what make matrix runs
QUIET = [
    "-q", "-p", "no:cacheprovider", "--no-header", "-o", "addopts=",
    "-W", "ignore::pytest.PytestAssertRewriteWarning",
]  # fmt: skip


class ScenarioCosts:
    """pytest plugin: each scenario's phase durations and the virtual time its bench reached."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, float]] = defaultdict(dict)
        self.simulated: dict[str, float] = {}
        self.session_s = 0.0
        self._started = 0.0

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self) -> None:
        self._started = time.perf_counter()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self) -> None:
        self.session_s = time.perf_counter() - self._started

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.phases[report.nodeid][report.when] = report.duration

    def pytest_bdd_after_scenario(self, request: pytest.FixtureRequest, feature, scenario) -> None:
        bench = request.node.stash.get(BENCH, None)
        if bench is not None:
            self.simulated[request.node.nodeid] = bench.clock.now()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def conformance_run() -> None:
    costs = ScenarioCosts()
    status = pytest.main([str(ROOT / "features"), *QUIET], plugins=[costs])
    walls = {node: sum(p.values()) for node, p in costs.phases.items()}
    fixed = [p.get("setup", 0.0) + p.get("teardown", 0.0) for p in costs.phases.values()]
    simulated = sum(costs.simulated.values())
    slowest = max(walls, key=walls.__getitem__)
    scenarios = len(walls)
    print(
        f"conformance run, all twin features ({scenarios} scenarios, pytest exit {status}): "
        f"pytest time {costs.session_s:.2f} s"
    )
    cost = list(walls.values())
    median, p95 = statistics.median(cost), percentile(cost, 0.95)
    print(
        f"  per scenario: median {median * 1000:.1f} ms, p95 {p95 * 1000:.0f} ms, "
        f"slowest {walls[slowest]:.2f} s ({slowest.split('::')[-1][:70]})"
    )
    print(
        f"  fixed part (set-up and teardown): median {statistics.median(fixed) * 1000:.2f} ms, "
        f"p95 {percentile(fixed, 0.95) * 1000:.2f} ms, {sum(fixed) / sum(cost):.1%} of the scenarios' time"
    )
    print(
        f"  simulated {simulated:,.0f} s in {sum(cost):.2f} s of scenario time: "
        f"simulated/wall {simulated / sum(cost):,.0f}x"
    )
    keep("conformance run, pytest time", costs.session_s, "s", better=LOWER)
    keep("scenario cost, median", median * 1000, "ms", better=LOWER)
    keep("scenario cost, p95", p95 * 1000, "ms", better=LOWER)
    keep("scenario fixed cost, median", statistics.median(fixed) * 1000, "ms", better=LOWER)
    keep("simulated/wall, conformance run", simulated / sum(cost), "x", better=HIGHER)


def matrix(seeds: int, workers: int) -> None:
    with tempfile.TemporaryDirectory(prefix="matrix-") as scratch:
        verdicts = Path(scratch) / "verdicts.json"
        command = [
            sys.executable, "-m", "pytest", str(ROOT / "features"), "--dut", "all", "--seeds", str(seeds),
            "-n", str(workers), "--tb=no", *QUIET, "--verdicts-json", str(verdicts),
        ]  # fmt: skip
        env = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if not verdicts.exists():
            raise RuntimeError(
                f"the matrix wrote no verdicts (exit {done.returncode}):\n{done.stdout[-3000:]}"
            )
        runs = json.loads(verdicts.read_text())
    errors = sum(v["verdict"] == "error" for v in runs)
    where = f"on {workers} xdist workers" if workers else "in one process"
    print(
        f"detection matrix, --dut all --seeds {seeds} {where}: "
        f"{len(runs):,} scenario runs in {wall:.1f} s wall ({len(runs) / wall:.1f} runs/s), "
        f"{cpu:.1f} s CPU of all its processes "
        f"({cpu / len(runs) * 1000:.1f} ms a run){f'; {errors} ERRORS' if errors else ''}"
    )
    if seeds != MATRIX_SEEDS:
        # Every seed runs the same (twin, scenario) pairs, so the runs grow linearly with the
        # seeds; at this run's rate the whole matrix would take this long.
        total, full = len(runs) * MATRIX_SEEDS / seeds, wall * MATRIX_SEEDS / seeds
        print(
            f"  extrapolated to the {MATRIX_SEEDS} seeds of make matrix: {total:,.0f} runs, about "
            f"{full:.0f} s wall at this rate (an upper bound: the workers start once)"
        )
        keep(f"matrix wall time, {MATRIX_SEEDS} seeds, extrapolated", full, "s", better=LOWER)
    keep(f"matrix wall time, {seeds} seeds", wall, "s", better=LOWER)
    keep(f"matrix runs per second, {seeds} seeds", len(runs) / wall, "runs/s", better=HIGHER)
    keep(f"matrix CPU per run, {seeds} seeds", cpu / len(runs) * 1000, "ms", better=LOWER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--matrix-seeds", type=int, default=MATRIX_SEEDS, help=f"matrix seeds (default {MATRIX_SEEDS})"
    )
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="matrix workers (0: one process)"
    )
    parser.add_argument("--no-matrix", action="store_true", help="skip the matrix run")
    args, _ = parser.parse_known_args()
    conformance_run()
    if not args.no_matrix:
        matrix(args.matrix_seeds, args.workers)


if __name__ == "__main__":
    main()
