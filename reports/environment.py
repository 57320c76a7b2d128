"""Writes the run's metadata into an Allure results directory.

environment.properties: terminal identity and firmware from the declaration, profile,
seed and bench version, so a report says what was tested and how to replay it;
categories.json: terminal defects apart from bench errors (DESIGN.md rule 6).
No secret from the declaration is written.

    python -m reports.environment RESULTS_DIR --seed N [--ics PATH]
"""

from __future__ import annotations

import argparse
import platform
import shutil
from pathlib import Path

import conformance
from conformance.ics import load_declaration

CATEGORIES = Path(__file__).with_name("categories.json")


def environment(seed: int, ics: Path | None, profile: str = "twin") -> dict[str, str]:
    declaration = load_declaration(ics)
    identity = declaration.identity
    return {
        "terminal.vendor": identity.vendor,
        "terminal.model": identity.model,
        "terminal.firmware": identity.firmware_version,
        "terminal.eui64": identity.mac_address.upper(),
        "declaration": str(ics) if ics else "reference terminal twin (built in)",
        "profile": profile,
        "seed": str(seed),
        "bench.version": conformance.__version__,
        "python": platform.python_version(),
    }


def write(results: Path, seed: int, ics: Path | None) -> None:
    results.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in environment(seed, ics).items()]
    (results / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copyfile(CATEGORIES, results / "categories.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--ics", type=Path, default=None)
    args = parser.parse_args()
    write(args.results, args.seed, args.ics)


if __name__ == "__main__":
    main()
