"""How long a simulated day of metering costs.

1. A day of specified metering: 48 values read over ECHONET Lite, converted, uploaded
   one by one through the smart meter and the multi-hop network, stored at the HES.
2. The same day with the SM network down for its first 12 hours: the HES then asks the
   terminal for the 24 missing values (completion) and closes the gap.
3. Seven days of outage and their completion (336 values), the feature's longest case.

Each figure is the wall time of the simulated span, over several seeds, with the ratio
of simulated to wall time.

    python -m benchmarks.metering_day [--seeds N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from benchmarks.figures import LOWER, keep
from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup, MeterSpec
from conformance.observe.hes_events import CompletionAnswered, UploadReceived
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class

DAY = 86400.0
METER_ID = bytes.fromhex("FE0011223344AA01")


def metered_bench(seed: int) -> TwinBench:
    declaration = load_declaration()
    bench = TwinBench(seed=seed, declaration=declaration, dut_factory=terminal_class("reference"))
    bench.route.add_meter(
        MeterSetup(name="SM-1", pairing_id=declaration.credentials.pairing_id, session_lifetime_s=86400)
    )
    bench.home.install_meter(MeterSpec(device_id=METER_ID))
    bench.hes.commission(declaration.credentials.authentication_id, METER_ID, 1800)
    bench.terminal.power_on()
    return bench


def one_day(seed: int, outage_s: float) -> tuple[float, int, int, int]:
    """(wall seconds, values stored, uploads, values completed) for one simulated day."""
    started = time.perf_counter()
    bench = metered_bench(seed)
    if outage_s:
        bench.hes.interrupt()
        bench.clock.wait(outage_s)
        bench.hes.restore()
    bench.clock.wait(max(DAY, outage_s + 6 * 3600) - bench.clock.now())
    wall = time.perf_counter() - started
    terminal_id = bench.declaration.credentials.authentication_id
    stored = len(bench.hes.readings(terminal_id))
    uploads = len(bench.hes.events.of(UploadReceived))
    completed = sum(e.new for e in bench.hes.events.of(CompletionAnswered))
    return wall, stored, uploads, completed


def report(label: str, runs: list[tuple[float, int, int, int]], simulated_s: float) -> None:
    """Print the figures of one kind of day, and keep its median."""
    walls = sorted(r[0] for r in runs)
    _, stored, uploads, completed = runs[0]
    print(
        f"  {label}: wall median {statistics.median(walls) * 1000:7.1f} ms, max {walls[-1] * 1000:7.1f} ms "
        f"(seed 1: {stored} values stored, {uploads} uploads, {completed} completed); "
        f"simulated/wall {simulated_s * len(walls) / sum(walls):,.0f}x"
    )
    keep(f"metering, {label}, wall median", statistics.median(walls) * 1000, "ms", better=LOWER)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args, _ = parser.parse_known_args()
    seeds = range(1, args.seeds + 1)
    print(f"metering, reference terminal, specified metering (30-minute values), {args.seeds} seeds")
    report("one day", [one_day(s, 0.0) for s in seeds], DAY)
    report("one day, first 12 h of SM network down", [one_day(s, DAY / 2) for s in seeds], DAY)
    report("7 days of SM network down, then 6 h", [one_day(s, 7 * DAY) for s in seeds], 7 * DAY + 6 * 3600)


if __name__ == "__main__":
    main()
