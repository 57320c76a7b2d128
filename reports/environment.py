"""Writes the run's metadata into an Allure results directory.

environment.properties: terminal identity and firmware from the declaration, profile,
rig, terminal twin, seed and bench version, so a report says what was tested and how to
replay it; executor.json: who ran it (CI or a bench operator's machine);
categories.json: terminal defects apart from bench errors (DESIGN.md rule 6), the same
categories allurerc.mjs gives Allure 3. No secret from the declaration is written.
The values are written in English, with the language the report is built in
(``report.language``); a report in another language shows them translated.

    python -m reports.environment RESULTS_DIR --seed N [--ics PATH] [--rig PATH] [--dut NAME] [--lang ja]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
from pathlib import Path

import conformance
from conformance.ics import load_declaration
from reports.i18n import ENGLISH, LANGUAGE_PROPERTY, LANGUAGES, N_

CATEGORIES = Path(__file__).with_name("categories.json")


def environment(
    seed: int,
    ics: Path | None,
    profile: str = "twin",
    *,
    rig: Path | None = None,
    dut: str = "reference",
    language: str = ENGLISH,
) -> dict[str, str]:
    declaration = load_declaration(ics)
    identity = declaration.identity
    return {
        "terminal.vendor": identity.vendor,
        "terminal.model": identity.model,
        "terminal.firmware": identity.firmware_version,
        "terminal.eui64": identity.mac_address.upper(),
        "declaration": str(ics) if ics else N_("reference terminal twin (built in)"),
        "profile": profile,
        "rig": str(rig) if rig else N_("none (the twin profile simulates the rigs)"),
        "terminal.twin": dut if profile == "twin" else N_("none (real terminal)"),
        "seed": str(seed),
        "bench.version": conformance.__version__,
        "python": platform.python_version(),
        LANGUAGE_PROPERTY: language,
    }


def executor() -> dict[str, str]:
    """Allure's executor.json: CI when the CI variable is set, else the bench's host."""
    if os.environ.get("CI"):
        return {"name": "CI (.ci/run)", "type": "ci", "buildName": "make test"}
    return {
        "name": f"bench on {platform.node() or 'this host'}",
        "type": "local",
        "buildName": "make conformance",
    }


def write(
    results: Path,
    seed: int,
    ics: Path | None,
    *,
    profile: str = "twin",
    rig: Path | None = None,
    dut: str = "reference",
    language: str = ENGLISH,
) -> None:
    results.mkdir(parents=True, exist_ok=True)
    values = environment(seed, ics, profile, rig=rig, dut=dut, language=language)
    lines = [f"{key}={value}" for key, value in values.items()]
    (results / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (results / "executor.json").write_text(json.dumps(executor(), indent=1) + "\n", encoding="utf-8")
    shutil.copyfile(CATEGORIES, results / "categories.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--ics", type=Path, default=None)
    parser.add_argument("--profile", default="twin")
    parser.add_argument("--rig", type=Path, default=None)
    parser.add_argument("--dut", default="reference")
    parser.add_argument("--lang", choices=LANGUAGES, default=ENGLISH, help="the report's language")
    args = parser.parse_args()
    write(
        args.results,
        args.seed,
        args.ics,
        profile=args.profile,
        rig=args.rig,
        dut=args.dut,
        language=args.lang,
    )


if __name__ == "__main__":
    main()
