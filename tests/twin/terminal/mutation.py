"""A self-measure nobody tunes to: mutation testing of the reference terminal's policy code
(``conformance/twin/terminal/**``) with the twin feature set, monitors on, as the test suite.

    python -m tests.twin.terminal.mutation --sample 60 --seed 1 --minutes 25

(``make mutation``). mutmut (a kept tool, ``pyproject.toml``'s dev extra) generates every
mutant of those modules; a seeded sample of them runs, because the whole set (about 2,000
mutants) takes hours on a 2-core machine. The work happens in a copy of the tracked files
under ``reports/out/mutation/work`` (mutmut writes its ``mutants/`` tree there, and its
configuration in the copy's ``setup.cfg``), so the checkout stays untouched. Each mutant runs
the scenarios that call the mutated function, stopping at the first that fails.

The report (``reports/out/mutation/report.txt`` and ``.json``) gives the score, killed /
(killed + survived - equivalent), the time, and every survivor with its diff; a survivor
is either equivalent (``EQUIVALENT`` below says why) or a gap a better scenario or
monitor should close. A run that reaches ``--minutes`` stops; the mutants it did not reach
are reported as not run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "reports" / "out" / "mutation"
MUTATED = "conformance/twin/terminal/*"
MUTMUT_CONFIG = """\
[mutmut]
source_paths = conformance/
only_mutate = {mutated}
also_copy =
    features/
    steps/
    fixtures/
    rigs/
    reports/
    conftest.py
pytest_add_cli_args_test_selection = features
pytest_add_cli_args = -p no:cacheprovider
"""
# Survivors judged equivalent: the mutant cannot change anything a terminal shows at its
# interfaces. Keyed by mutmut's mutant name; the reason is printed in the report.
EQUIVALENT: dict[str, str] = {}
_RESULT = re.compile(r"^\s*(\S+): (.+)$")


def mutmut(work: Path, *args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """mutmut in ``work``, its output kept; ``timeout`` stops it (its whole process group)."""
    command = [sys.executable, "-m", "mutmut", *args]
    env = {**os.environ, "PYTHONPATH": ""}
    process = subprocess.Popen(
        command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate()
    return subprocess.CompletedProcess(command, process.returncode, output, "")


def prepare(work: Path) -> None:
    """A copy of the tracked files, with mutmut's configuration."""
    if work.exists():
        shutil.rmtree(work)
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (work / "setup.cfg").write_text(MUTMUT_CONFIG.format(mutated=MUTATED))
    pyproject = (work / "pyproject.toml").read_text()
    # mutmut reads [tool.mutmut] from pyproject.toml first; the copy's setup.cfg is the config.
    (work / "pyproject.toml").write_text(re.sub(r"(?ms)^\[tool\.mutmut\].*?(?=^\[|\Z)", "", pyproject))


def results(work: Path) -> dict[str, str]:
    """Every generated mutant's status as mutmut reports it."""
    listed = mutmut(work, "results", "--all", "true").stdout
    found = {}
    for line in listed.splitlines():
        match = _RESULT.match(line)
        if match and "__mutmut_" in match[1]:
            found[match[1]] = match[2].strip()
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=40, help="how many mutants to run (0: all)")
    parser.add_argument("--seed", type=int, default=1, help="which sample")
    parser.add_argument("--minutes", type=float, default=25.0, help="stop the run after this long")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    work = args.out / "work"
    started = time.monotonic()
    prepare(work)
    # A first run with a name that matches nothing generates every mutant and maps the
    # scenarios to the functions they call (mutmut's stats), then runs nothing.
    first = mutmut(work, "run", "--max-children", "1", "no.such.mutant")
    generated = results(work)
    if not generated:
        print(first.stdout[-3000:])
        print("mutmut generated no mutant", file=sys.stderr)
        return 2
    names = sorted(generated)
    sample = names if args.sample <= 0 else sorted(random.Random(args.seed).sample(names, args.sample))
    budget = args.minutes * 60 - (time.monotonic() - started)
    ran = time.monotonic()
    mutmut(work, "run", "--max-children", "1", *sample, timeout=max(budget, 60.0))
    elapsed = time.monotonic() - started
    statuses = {name: status for name, status in results(work).items() if name in sample}
    report = _report(work, sample, statuses, len(names), elapsed, time.monotonic() - ran, args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(report, indent=1))
    text = _text(report)
    (args.out / "report.txt").write_text(text)
    print(text)
    return 0


def _report(
    work: Path,
    sample: list[str],
    statuses: dict[str, str],
    generated: int,
    elapsed: float,
    mutants_s: float,
    args: argparse.Namespace,
) -> dict:
    by_status: dict[str, list[str]] = {}
    for name in sample:
        by_status.setdefault(statuses.get(name, "not checked"), []).append(name)
    survivors = by_status.get("survived", [])
    equivalent = [n for n in survivors if n in EQUIVALENT]
    killed = len(by_status.get("killed", [])) + len(by_status.get("timeout", []))
    judged = killed + len(survivors) - len(equivalent)
    return {
        "mutated": MUTATED,
        "generated": generated,
        "sample": len(sample),
        "seed": args.seed,
        "minutes_allowed": args.minutes,
        "elapsed_s": round(elapsed, 1),
        "mutants_s": round(mutants_s, 1),
        "counts": {status: len(names) for status, names in sorted(by_status.items())},
        "score": round(killed / judged, 3) if judged else None,
        "survivors": [
            {
                "name": name,
                "equivalent": EQUIVALENT.get(name),
                "diff": mutmut(work, "show", name).stdout.strip(),
            }
            for name in survivors
        ],
    }


def _text(report: dict) -> str:
    lines = [
        f"mutation testing of {report['mutated']} with the twin feature set (monitors on)",
        f"generated {report['generated']} mutants; sampled {report['sample']} (seed {report['seed']})",
        f"time: {report['elapsed_s']:.0f} s in all, {report['mutants_s']:.0f} s running the mutants",
        "counts: " + ", ".join(f"{status} {count}" for status, count in report["counts"].items()),
        f"score (killed / non-equivalent mutants run): {report['score']}",
        "",
    ]
    for survivor in report["survivors"]:
        verdict = (
            f"equivalent: {survivor['equivalent']}" if survivor["equivalent"] else "needs a better check"
        )
        lines += [f"survived ({verdict}):", survivor["diff"], ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
