"""Everything a conformance run leaves for its readers, built after the pytest run.

    python -m reports.build --out reports/out --seed N [--ics PATH] [--rig PATH] [--dut NAME] [--lang ja]

reads OUT/allure-results and OUT/verdicts.json (written by the pytest run) and writes,
in this order, each step stopping the build loudly if it fails:

1. the run's metadata into the results (``reports.environment``);
2. the single-file HTML report OUT/html/index.html, with the history kept across runs
   in OUT/history.jsonl (``reports.html``);
3. the certification summary OUT/traceability.html and .json (``reports.traceability``);
4. the signed evidence bundle OUT/evidence-*.tar.gz (``reports.bundle``).

The report, the summary and the bundle's README are written in one language (``--lang``:
``en`` or ``ja``; by default ``REPORT_LANG``, else the locale's, see ``reports.i18n``).
The results, the verdicts and the summary's JSON stay as the run wrote them, in English.
A text the catalogue cannot translate is shown in English and named on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.catalogue import load_catalogue
from reports import bundle, environment, html, traceability
from reports.i18n import ENGLISH, LANGUAGES, Translator, fresh_translator, language_from_environment


class BuildError(Exception):
    """A step of the build failed; the message names the step."""


def build(
    out: Path,
    *,
    seed: int,
    ics: Path | None = None,
    rig: Path | None = None,
    dut: str = "reference",
    profile: str = "twin",
    features: Path = traceability.ROOT / "features",
    key: Path | None = None,
    language: str = ENGLISH,
    t: Translator | None = None,
) -> dict[str, Path]:
    """Run the four steps; returns what each wrote. ``t`` (a translator of ``language``)
    collects the texts the report shows untranslated."""
    t = t or fresh_translator(language)
    results = out / "allure-results"
    written: dict[str, Path] = {}
    step = "run metadata"
    try:
        environment.write(results, seed, ics, profile=profile, rig=rig, dut=dut, language=t.language)
        written["results"] = results
        step = "HTML report"
        written["html"] = html.generate(results, out / "html", history=out / "history.jsonl", t=t)
        step = "certification summary"
        matrix = traceability.build(
            load_catalogue(),
            traceability.feature_scenarios(features) + traceability.monitor_scenarios(),
            traceability.load_verdicts(out / "verdicts.json"),
            profile=profile,
            run=traceability.read_properties(results / "environment.properties"),
        )
        written["traceability.json"], written["traceability.html"] = traceability.write(matrix, out, t)
        step = "evidence bundle"
        written["bundle"] = bundle.create(out, ics=ics, rig=rig, key=key)
    except (html.ReportError, OSError, ValueError) as exc:
        raise BuildError(f"{step}: {exc}") from exc
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("reports/out"))
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--ics", type=Path, default=None)
    parser.add_argument("--rig", type=Path, default=None)
    parser.add_argument("--dut", default="reference")
    parser.add_argument("--profile", default="twin")
    parser.add_argument(
        "--key", type=Path, default=None, help="bundle signing key (reports.bundle: outside OUT)"
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=None,
        help="the report's language (default: REPORT_LANG, else the locale's if Japanese, else en)",
    )
    args = parser.parse_args(argv)
    try:
        language = args.lang or language_from_environment()
    except ValueError as exc:
        print(f"report build failed: REPORT_LANG: {exc}", file=sys.stderr)
        return 1
    t = fresh_translator(language)
    try:
        written = build(
            args.out,
            seed=args.seed,
            ics=args.ics,
            rig=args.rig,
            dut=args.dut,
            profile=args.profile,
            key=args.key,
            t=t,
        )
    except BuildError as exc:
        print(f"report build failed: {exc}", file=sys.stderr)
        return 1
    for what, path in written.items():
        print(f"{what:>18}: {path}")
    print(f"{'language':>18}: {t.language}")
    html.warn_untranslated(t)
    return 0


if __name__ == "__main__":
    sys.exit(main())
