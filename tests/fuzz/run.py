"""Coverage-guided fuzzing of the bench's input boundaries: ``make fuzz``.

    python -m tests.fuzz.run [--seconds 20] [--target NAME ...] [--out build/fuzz] [--jobs 1]

Each target of ``tests/fuzz/targets.py`` runs in a process of its own under atheris
(libFuzzer for Python: the bench's modules are instrumented, and inputs that reach new
code are kept), for ``--seconds``, starting from the corpus of real inputs in
``tests/fuzz/corpus/``. What it finds is written to ``OUT/<target>/``: ``crash-*`` is an
input that raised an exception the target does not allow, ``timeout-*`` one that took
longer than ``--input-timeout``, ``oom-*`` one that went past ``--rss-limit-mb``; the corpus it
grew is in ``OUT/<target>/corpus/``. Reproduce a finding with
``python -m tests.fuzz.run --target NAME --replay OUT/NAME/crash-...``.

The summary prints, per target, the inputs run, inputs per second, the new inputs kept and
the findings; it exits non-zero when there is a finding. Leave it running for an hour
with ``make fuzz FUZZ_SECONDS=3600``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.M)


@dataclass
class Outcome:
    target: str
    runs: int
    per_second: int
    new_inputs: int
    peak_rss_mb: int
    findings: list[Path]
    status: int


def _child(name: str, arguments: list[str]) -> None:
    """Inside the fuzzing process: instrument the bench, then hand over to libFuzzer."""
    import atheris

    with atheris.instrument_imports(include=["conformance", "rigs"]):
        from tests.fuzz.targets import TARGETS

    target = TARGETS[name]
    atheris.Setup([sys.argv[0], *arguments], target)
    atheris.Fuzz()


def _replay(name: str, finding: Path) -> None:
    from tests.fuzz.targets import TARGETS

    TARGETS[name](finding.read_bytes())  # raises what the fuzzer saw, with its traceback
    print(f"{finding}: no exception the target does not allow")


def fuzz(name: str, *, seconds: int, out: Path, rss_limit_mb: int, input_timeout_s: int) -> Outcome:
    from tests.fuzz.targets import TARGETS, seeds

    folder = out / name
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for number, seed in enumerate(seeds(TARGETS[name].layer)):
        (corpus / f"seed-{number:03d}").write_bytes(seed)
    arguments = [
        f"-max_total_time={seconds}",
        f"-rss_limit_mb={rss_limit_mb}",
        f"-timeout={input_timeout_s}",
        "-max_len=8192",
        "-print_final_stats=1",
        f"-artifact_prefix={folder}/",
        str(corpus),
    ]
    command = [sys.executable, "-m", "tests.fuzz.run", "--child", name, "--", *arguments]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=seconds + 600)
    (folder / "fuzz.log").write_text(done.stdout + done.stderr)
    stats = {key: int(value) for key, value in _STAT.findall(done.stderr)}
    findings = sorted(
        p for p in folder.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-", "leak-"))
    )
    return Outcome(
        target=name,
        runs=stats.get("number_of_executed_units", 0),
        per_second=stats.get("average_exec_per_sec", 0),
        new_inputs=stats.get("new_units_added", 0),
        peak_rss_mb=stats.get("peak_rss_mb", 0),
        findings=findings,
        status=done.returncode,
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        _child(argv[1], argv[3:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="fuzzing time per target")
    parser.add_argument("--target", action="append", default=[], help="only these targets (repeatable)")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "fuzz")
    parser.add_argument(
        "--rss-limit-mb", type=int, default=1024, help="memory an input may make the bench use"
    )
    parser.add_argument("--input-timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--replay", type=Path, default=None, help="run one finding again, with its traceback")
    args = parser.parse_args(argv)
    from tests.fuzz.targets import TARGETS

    unknown = [name for name in args.target if name not in TARGETS]
    if unknown:
        parser.error(f"no target {', '.join(unknown)} (known: {', '.join(TARGETS)})")
    if args.replay is not None:
        for name in args.target or parser.error("--replay needs --target"):
            _replay(name, args.replay)
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("make fuzz needs atheris (a dev dependency; its wheels are for Linux x86-64 only)")
        return 2
    names = args.target or list(TARGETS)
    shutil.rmtree(args.out, ignore_errors=True)
    print(f"fuzzing {len(names)} targets for {args.seconds} s each; findings in {args.out}")
    print(f"{'target':<18} {'inputs':>10} {'inputs/s':>9} {'new':>5} {'peak MB':>8}  findings")
    outcomes = []
    for name in names:
        outcome = fuzz(
            name, seconds=args.seconds, out=args.out, rss_limit_mb=args.rss_limit_mb,
            input_timeout_s=args.input_timeout,
        )  # fmt: skip
        outcomes.append(outcome)
        found = ", ".join(p.name for p in outcome.findings) or (
            "none" if outcome.status == 0 else "see fuzz.log"
        )
        print(
            f"{name:<18} {outcome.runs:>10} {outcome.per_second:>9} {outcome.new_inputs:>5} "
            f"{outcome.peak_rss_mb:>8}  {found}",
            flush=True,
        )
    failed = [o for o in outcomes if o.findings or o.status != 0]
    print(f"{sum(o.runs for o in outcomes)} inputs; {len(failed)} targets with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
