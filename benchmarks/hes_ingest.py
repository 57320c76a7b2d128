"""How fast the HES twin's reading store takes uploads and finds gaps.

1. Ingest: uploads of 48 readings (one terminal-day of 30-minute values, NAT 2-5) and of
   24, one transaction each, into the in-memory store and into a file store (WAL,
   synchronous=FULL: an fsync per commit); readings per second and milliseconds per
   upload. Then the same uploads once more, as a completion would resend them: every
   reading is a duplicate and is kept, not written.
2. ``missing()`` over the 70 days the server keeps (THK ch. 7) for one terminal among
   several: on a full window, on one with scattered gaps, and on an empty one.
3. ``purge()`` of 10 days out of 80, the daily retention job in the large.

    python -m benchmarks.hes_ingest [--uploads N] [--terminals N] [--dir PATH] [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.figures import HIGHER, LOWER, keep
from conformance.twin.hes.reading_store import RETENTION_S, ReadingStore, StoredReading

SLOT_S = 1800  # 30-minute values
DAY = 86_400
BASE = 1_767_225_600  # 2026-01-01 00:00 UTC
METER = "FE0000000000000000000000000000000A"


def uploads(count: int, size: int, terminals: int) -> list[list[StoredReading]]:
    """``count`` uploads of ``size`` consecutive slots, round-robin over the terminals."""
    result = []
    for n in range(count):
        terminal, day = n % terminals, n // terminals
        first = BASE + day * size * SLOT_S
        result.append(
            [
                StoredReading(
                    terminal_id=f"IOT-BENCH-{terminal:04d}",
                    meter_id=METER,
                    capture_time=first + k * SLOT_S,
                    import_wh=(n * size + k) * 250 % 100_000_000,
                    export_wh=k,
                    received_at=float(first + size * SLOT_S),
                )
                for k in range(size)
            ]
        )
    return result


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def ingest_figures(store: ReadingStore, batches: list[list[StoredReading]]) -> tuple[float, float, int]:
    """(wall seconds of all uploads, median seconds of one, new readings)."""
    each, new = [], 0
    for batch in batches:
        started = time.perf_counter()
        new += store.ingest(batch)
        each.append(time.perf_counter() - started)
    return sum(each), statistics.median(each), new


def filled_store(path: str | Path, days: int, gap_share: float, seed: int) -> ReadingStore:
    """A store with ``days`` of 30-minute values for terminal 0 (a share dropped) and two neighbours."""
    rng = random.Random(seed)
    store = ReadingStore(path)
    per_day = DAY // SLOT_S
    for batch in uploads(3 * days, per_day, 3):
        store.ingest(r for r in batch if r.terminal_id != "IOT-BENCH-0000" or rng.random() >= gap_share)
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--terminals", type=int, default=10, help="terminals the uploads rotate over")
    parser.add_argument(
        "--dir", type=Path, default=None, help="directory of the file store (default: a temp dir)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="runs of missing() to take the median of")
    parser.add_argument("--seed", type=int, default=1)
    args, _ = parser.parse_known_args()

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="hes-ingest-") as scratch:
        print(
            f"reading store ingest: {args.uploads} uploads over {args.terminals} terminals, "
            f"one transaction each (file store in {scratch}: WAL, synchronous=FULL)"
        )
        for size in (48, 24):
            batches = uploads(args.uploads, size, args.terminals)
            readings = args.uploads * size
            for kind in ("memory", "file"):
                path = ":memory:" if kind == "memory" else Path(scratch) / f"ingest-{size}.sqlite"
                with ReadingStore(path) as store:
                    wall, median, new = ingest_figures(store, batches)
                    again, again_median, resent_new = ingest_figures(store, batches)
                if new != readings or resent_new != 0:
                    raise RuntimeError(f"{kind} store: {new} new of {readings}, {resent_new} new on resend")
                keep(
                    f"hes ingest, {kind} store, {size} readings/upload",
                    readings / wall,
                    "readings/s",
                    better=HIGHER,
                )
                print(
                    f"  {kind:6} {size:2} readings/upload: {readings / wall:10,.0f} readings/s, "
                    f"{median * 1000:6.3f} ms/upload (median); resent: {readings / again:10,.0f} readings/s, "
                    f"{again_median * 1000:6.3f} ms/upload"
                )

        days = RETENTION_S // DAY
        start, end = BASE, BASE + days * DAY - SLOT_S
        print(
            f"missing() over {days} days of 30-minute values for one terminal (median of {args.repeat} runs)"
        )
        for kind in ("memory", "file"):
            for label, gap_share in (("full", 0.0), ("5 % of slots lost", 0.05)):
                path = ":memory:" if kind == "memory" else Path(scratch) / f"missing-{gap_share}.sqlite"
                with filled_store(path, days, gap_share, args.seed) as store:
                    runs = store.missing("IOT-BENCH-0000", start, end, SLOT_S)
                    times = [
                        timed(lambda s=store: s.missing("IOT-BENCH-0000", start, end, SLOT_S))
                        for _ in range(args.repeat)
                    ]
                    held = store.count("IOT-BENCH-0000")
                keep(
                    f"hes missing(), {kind} store, {label}",
                    statistics.median(times) * 1000,
                    "ms",
                    better=LOWER,
                )
                print(
                    f"  {kind:6} {label:17}: {statistics.median(times) * 1000:7.3f} ms, "
                    f"{held} readings held, {len(runs)} missing runs"
                )
        with ReadingStore() as empty:
            times = [
                timed(lambda: empty.missing("IOT-BENCH-0000", start, end, SLOT_S)) for _ in range(args.repeat)
            ]
        print(f"  memory empty store      : {statistics.median(times) * 1000:7.3f} ms")

        print("purge() of the oldest 10 of 80 days, 3 terminals")
        for kind in ("memory", "file"):
            path = ":memory:" if kind == "memory" else Path(scratch) / "purge.sqlite"
            with filled_store(path, 80, 0.0, args.seed) as store:
                before = store.count()
                started = time.perf_counter()
                deleted = store.purge(BASE + 80 * DAY - RETENTION_S)
                wall = time.perf_counter() - started
            print(f"  {kind:6}: {wall * 1000:7.3f} ms, {deleted} of {before} readings deleted")


if __name__ == "__main__":
    main()
