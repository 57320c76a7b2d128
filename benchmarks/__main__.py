"""Run every benchmark, print its figures and their change since the previous run:
``python -m benchmarks [--figures PATH] [--matrix-seeds N] [--no-matrix]`` (``make
benchmarks``). The figures are kept in ``--figures`` (default
``reports/out/benchmarks.json``) for the next run to compare against."""

import argparse
import sys
from pathlib import Path

from benchmarks import (
    dos_flood,
    figures,
    flood,
    hes_ingest,
    join_feature,
    metering_day,
    monitors,
    observation_queries,
    scenarios,
    secured_frames,
)

DEFAULT_FIGURES = Path(__file__).resolve().parents[1] / "reports" / "out" / "benchmarks.json"

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--figures", type=Path, default=DEFAULT_FIGURES, help="where the figures are kept")
    args, _ = parser.parse_known_args()
    context = figures.machine()
    previous = figures.load(args.figures)
    scenarios.main()
    join_feature.main()
    secured_frames.main()
    flood.main()
    dos_flood.main()
    metering_day.main()
    hes_ingest.main()
    monitors.main()
    observation_queries.main()
    now = figures.kept()
    if previous is None:
        print(f"\nfigures (no previous run in {args.figures}):")
        before, then = {}, {}
    else:
        before, then = previous
        print(f"\nfigures against the previous run ({then.get('when')}, load {then.get('load')}):")
        if (then.get("host"), then.get("cpus")) != (context["host"], context["cpus"]):
            print(f"  (that run was on {then.get('host')} with {then.get('cpus')} CPUs: not comparable)")
    print("\n".join(figures.comparison(now, before)))
    print(f"  (load average at the start of this run: {context['load']})")
    figures.save(args.figures, now, context)
    sys.exit(0)
