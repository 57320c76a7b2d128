"""What the always-on monitors cost the conformance run (conformance/observe/monitors).

1. The twin conformance run (``pytest features``, in separate processes, as a user runs it)
   with ``--monitors off`` and ``--monitors on``, alternating: wall time of each.
2. In process, with the monitors on: the time each monitor spent judging, over all
   scenarios, and the share of the run it is; the share does not depend on what else the
   machine is doing, the wall times of (1) do.

    python -m benchmarks.monitors [--rounds N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

import fixtures.monitors
from benchmarks.scenarios import QUIET
from conformance.observe.monitors import Monitor, Watched

ROOT = Path(__file__).resolve().parents[1]


def run_wall(monitors: str) -> float:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "features",
        "-q",
        "-p",
        "no:cacheprovider",
        "--monitors",
        monitors,
    ]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"the conformance run failed (--monitors {monitors}):\n{completed.stdout[-2000:]}")
    return time.perf_counter() - started


class JudgingTime:
    """pytest plugin: times every monitor's judgement of every scenario."""

    def __init__(self) -> None:
        self.by_monitor: dict[str, float] = defaultdict(float)
        self.scenarios = 0
        self._original = fixtures.monitors.judge_all

    def pytest_configure(self, config: pytest.Config) -> None:
        def timed(watched: Watched, monitors: tuple[Monitor, ...] = fixtures.monitors.MONITORS):
            self.scenarios += 1
            outcomes = []
            for monitor in monitors:
                started = time.perf_counter()
                outcomes.append(monitor.judge(watched))
                self.by_monitor[monitor.id] += time.perf_counter() - started
            return outcomes

        fixtures.monitors.judge_all = timed

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        fixtures.monitors.judge_all = self._original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1, help="runs of each kind (default 1)")
    args, _ = parser.parse_known_args()  # python -m benchmarks passes its own options too
    print("monitors: the conformance run's cost (benchmarks/monitors.py)")
    walls: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(args.rounds):
        for kind in ("off", "on"):
            walls[kind].append(run_wall(kind))
    best = {kind: min(times) for kind, times in walls.items()}
    print(
        f"  pytest features, separate process, best of {args.rounds}: monitors off {best['off']:.1f} s, "
        f"on {best['on']:.1f} s ({100 * (best['on'] / best['off'] - 1):+.0f} %)"
    )
    timing = JudgingTime()
    started = time.perf_counter()
    # In process, after this file imported the bench: pytest's warning that it cannot rewrite
    # the plugins' asserts is noise here, as in benchmarks/scenarios.py.
    status = pytest.main(["features", *QUIET, "--monitors", "on"], plugins=[timing])
    wall = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(f"the in-process conformance run failed (exit {status})")
    judging = sum(timing.by_monitor.values())
    print(
        f"  in process: {timing.scenarios} scenarios in {wall:.1f} s, of which the monitors judged "
        f"{judging:.2f} s ({100 * judging / wall:.1f} %)"
    )
    print("    (the first monitor to read the air pays for decoding the terminal's frames)")
    for monitor_id, spent in sorted(timing.by_monitor.items(), key=lambda item: -item[1]):
        print(
            f"    {monitor_id:<15} {spent:7.2f} s  {1000 * spent / max(timing.scenarios, 1):6.1f} ms/scenario"
        )


if __name__ == "__main__":
    main()
