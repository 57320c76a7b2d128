"""A DoS flood as features/security/dos.feature runs it: its cost in wall time, and how the
reference terminal's detection and metering fare (NAT-3.1-T4).

For each seed: a smart meter granting 24-hour sessions, a metering device and the HES's
commissioning, as the feature's Background; the reference terminal joins; an hour later the
bench floods it from a minute before a :00 or :30 with frames forged by
``conformance/stimulus/floods.py``, sent one by one through ``IotRouteSide.inject`` by
``floods.pace`` (the steps' path, not a shortcut); an hour passes. Printed per seed: the wall
time to build and to absorb the flood (frames per wall second, simulated/wall), the delay to
the event notification at the HES and to the event-log entry against the declared limit,
and the values the HES holds of those due around the flood. As in ``benchmarks/flood.py``, a
second run of the first seed measures the flood's peak memory (tracemalloc).

    python -m benchmarks.dos_flood [--frames N] [--rate FPS] [--kind KIND] [--seeds N] [--no-memory]
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from datetime import datetime

from benchmarks.figures import LOWER, keep
from conformance.ics import load_declaration
from conformance.interfaces import MeterSetup, MeterSpec
from conformance.observe.hes_events import EventReported
from conformance.observe.route_events import TerminalAuthenticated
from conformance.protocols.maintenance import parse_log
from conformance.stimulus import floods
from conformance.stimulus.floods import FrameFlood
from conformance.twin.bench import TwinBench
from conformance.twin.faults import terminal_class

METER = "SM-1"
DEVICE_ID = bytes.fromhex("FE0011223344AA01")
SETTLE_S = 600  # as the steps: a slot's value is judged once this long has passed


def metering_bench(seed: int) -> TwinBench:
    """The feature's Background, powered on and joined."""
    declaration = load_declaration()
    bench = TwinBench(seed=seed, declaration=declaration, dut_factory=terminal_class("reference"))
    pairing_id = declaration.credentials.pairing_id
    bench.route.add_meter(MeterSetup(name=METER, pairing_id=pairing_id, session_lifetime_s=86400))
    bench.home.install_meter(MeterSpec(device_id=DEVICE_ID))
    bench.hes.commission(
        declaration.credentials.authentication_id, DEVICE_ID, declaration.metering.granularity_s
    )
    bench.terminal.power_on()
    if not bench.clock.wait_until(lambda: bench.route.events.first(TerminalAuthenticated) is not None, 600):
        raise RuntimeError(f"seed {seed}: the reference twin did not join")
    return bench


@dataclass(frozen=True, slots=True)
class DosRun:
    build_s: float
    absorb_s: float
    simulated_s: float
    to_hes_s: float | None
    to_log_s: float | None
    kept: int
    due: int


def flood_once(seed: int, kind: FrameFlood, count: int, rate: float) -> DosRun:
    bench = metering_bench(seed)
    bench.clock.wait(3600)
    step = bench.declaration.metering.granularity_s
    offset = int(bench.hes.sm_time().timestamp() - bench.clock.now())  # SM POSIX - virtual
    now = bench.clock.now() + offset
    bench.clock.wait((now // step + 1) * step - 60 - now)
    started = time.perf_counter()
    target = floods.sniff_target(
        bench.route.air, terminal=bench.declaration.identity.eui64, meter=bench.route.meter_address(METER)
    )
    frames = floods.iot_flood(kind, count, target, random.Random(seed))
    floods.check_rate(frames, rate)
    built = time.perf_counter()
    run = floods.pace(bench.clock, frames, functools.partial(bench.route.inject, meter=METER), rate=rate)
    absorbed = time.perf_counter()
    bench.clock.wait(3600)
    reports = [
        e for e in bench.hes.events.of(EventReported, since=run.started) if e.event_kind == "dos-detected"
    ]
    # The event log is stamped by the terminal's clock: its offset from the SM system's, on CLOCK?.
    clock = datetime.fromisoformat(bench.terminal.maintenance.command("CLOCK?")[-1][3:]).timestamp()
    began = run.started + offset + clock - bench.hes.sm_time().timestamp()
    logged = [
        e
        for e in parse_log(bench.terminal.maintenance.command("LOG? event"))
        if e.kind == "dos-detected" and e.time.timestamp() >= began - 1
    ]
    first, last = run.started + offset - 3600, run.ended + offset + 3600 - SETTLE_S
    due = list(range(-(-int(first) // step) * step, int(last) + 1, step))
    held = {r.capture_time for r in bench.hes.readings(bench.declaration.credentials.authentication_id)}
    return DosRun(
        build_s=built - started,
        absorb_s=absorbed - built,
        simulated_s=run.ended - run.started,
        to_hes_s=reports[0].time - run.started if reports else None,
        to_log_s=logged[0].time.timestamp() - began if logged else None,
        kept=sum(1 for slot in due if slot in held),
        due=len(due),
    )


def peak_memory(seed: int, kind: FrameFlood, count: int, rate: float) -> int:
    tracemalloc.start()
    try:
        flood_once(seed, kind, count, rate)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _shown(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0, help="frames per simulated second")
    parser.add_argument("--kind", default=FrameFlood.MIXED.value, choices=[k.value for k in FrameFlood])
    parser.add_argument("--seeds", type=int, default=5, help="run seeds 1..N")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    args, _ = parser.parse_known_args()
    kind = FrameFlood(args.kind)
    limit = load_declaration().security.dos_detection_s

    print(
        f"dos flood: {args.frames:,} {kind} at {args.rate:.0f} frames/s through IotRouteSide.inject, "
        f"reference terminal, seeds 1-{args.seeds}; declared detection time {limit:g} s"
    )
    runs = []
    for seed in range(1, args.seeds + 1):
        run = flood_once(seed, kind, args.frames, args.rate)
        runs.append(run)
        print(
            f"  seed {seed}: built {run.build_s:.2f} s, absorbed {run.absorb_s:.2f} s wall "
            f"({args.frames / run.absorb_s:,.0f} frames/s, "
            f"simulated/wall {run.simulated_s / run.absorb_s:.0f}x); "
            f"reported to the HES after {_shown(run.to_hes_s)}, "
            f"in the event log after {_shown(run.to_log_s)}; "
            f"values kept {run.kept}/{run.due}"
        )
    walls = [r.build_s + r.absorb_s for r in runs]
    delays = [r.to_hes_s for r in runs if r.to_hes_s is not None]
    print(
        f"  wall per flood: median {statistics.median(walls):.2f} s, max {max(walls):.2f} s; "
        f"detection at the HES: {len(delays)}/{len(runs)} reported, "
        f"worst {max(delays, default=float('nan')):.1f} s "
        f"(limit {limit:g} s); values kept {sum(r.kept for r in runs)}/{sum(r.due for r in runs)}"
    )
    keep("dos flood, wall per flood, median", statistics.median(walls), "s", better=LOWER)
    if not args.no_memory:
        peak = peak_memory(1, kind, args.frames, args.rate)
        print(f"  peak memory (tracemalloc, second run of seed 1): {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
