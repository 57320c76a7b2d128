"""The HTML report: Allure 3 in single-file mode, from a run's Allure results.

    python -m reports.html RESULTS_DIR --output DIR [--history FILE]

writes DIR/index.html, one file that holds the whole report (scenarios, labels,
attachments, history) and opens in a browser from a disk with no server and no network.
Allure 3 is the npm package ``allure``, pinned in package.json and installed from
package-lock.json into node_modules/ by the Makefile (``npm ci``); its configuration is
allurerc.mjs at the top of the project.

Allure's awesome template always adds a Google Analytics tag. A conformance report is
evidence handed to a lab and read offline, so that tag is removed here and the result is
checked to load nothing from the network; if a later Allure changes the template, the
check fails loudly rather than shipping a report that calls out.

A report in another language (``--lang ja``) is rendered from a translated copy of the
results (``reports.i18n.allure_results``), written beside the output and removed once
Allure is done; Allure's own interface speaks the language too (``reportLanguage`` in
allurerc.mjs, passed as IOTROUTE_REPORT_LANGUAGE, with the categories' names translated
through IOTROUTE_CATEGORIES).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from reports.i18n import LANGUAGES, N_, Translator, fresh_translator, translator
from reports.i18n.allure_results import translate_categories, translate_results

ROOT = Path(__file__).resolve().parents[1]
ALLURE = ROOT / "node_modules" / ".bin" / "allure"
CONFIG = ROOT / "allurerc.mjs"
CATEGORIES = ROOT / "reports" / "categories.json"
TITLE = N_("IoT-route conformance")
GENERATE_TIMEOUT_S = 300

_ANALYTICS = re.compile(
    r'\s*<script async src="https://www\.googletagmanager\.com/[^"]*"></script>\s*'
    r"<script>(?:(?!</script>).)*?gtag\((?:(?!</script>).)*</script>",
    re.DOTALL,
)
# Anything the page would fetch from elsewhere: scripts, styles, images, frames.
_REMOTE = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.I)
# A JSON string literal, written as Friedl's "unrolled loop": the same strings as
# "(?:[^"\\]|\\.)*", which re matched one character per alternation, 5.3 s over the 30 MB
# report of a conformance run; this takes 0.3 s (issue 14).
_STRING = r'"[^"\\]*(?:\\.[^"\\]*)*"'
_EMBEDDED = re.compile(rf"\bd\(({_STRING}),({_STRING})\)")


class ReportError(Exception):
    """The HTML report could not be produced; the message says what to do."""


def report_name(results: Path, t: Translator | None = None) -> str:
    """'IoT-route conformance: vendor model firmware', from the run's environment.properties."""
    t = t or translator()
    properties = results / "environment.properties"
    if not properties.exists():
        return t(TITLE)
    values = dict(
        line.split("=", 1) for line in properties.read_text(encoding="utf-8").splitlines() if "=" in line
    )
    terminal = " ".join(values.get(k, "") for k in ("terminal.vendor", "terminal.model", "terminal.firmware"))
    if not terminal.strip():
        return t(TITLE)
    return t.fill("IoT-route conformance: {terminal}", terminal=terminal.strip())


def generate(
    results: Path, output: Path, *, history: Path | None = None, t: Translator | None = None
) -> Path:
    """Run Allure 3 on ``results``, in ``t``'s language (English by default); returns the
    single-file report ``output/index.html``. Texts without a translation are listed in
    ``t.missed``."""
    t = t or translator()
    if not ALLURE.exists():
        raise ReportError(f"Allure 3 is not installed ({ALLURE} is missing): run `make system-deps` (npm ci)")
    if not any(results.glob("*-result.json")):
        raise ReportError(f"{results} holds no Allure result: did the pytest run write any (--alluredir)?")
    if output.exists():
        if any(output.iterdir()) and not (output / "index.html").exists():
            raise ReportError(f"{output} exists and is not a report: refusing to overwrite it")
        shutil.rmtree(output)
    env = dict(os.environ)
    if history is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
        env["IOTROUTE_HISTORY"] = str(history.resolve())
    env["IOTROUTE_REPORT_LANGUAGE"] = t.language
    source = results
    if not t.english:
        source = output.parent / f".allure-results-{t.language}"  # removed below
        if source.exists():
            shutil.rmtree(source)
        translate_results(results, source, t)
        categories = translate_categories(json.loads(CATEGORIES.read_text(encoding="utf-8")), t)
        (source / "categories.json").write_text(json.dumps(categories, ensure_ascii=False), encoding="utf-8")
        env["IOTROUTE_CATEGORIES"] = str((source / "categories.json").resolve())
    command = [
        str(ALLURE), "generate", str(source.resolve()), "--config", str(CONFIG),
        "--output", str(output.resolve()), "--report-name", report_name(results, t),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=GENERATE_TIMEOUT_S
        )
    finally:
        if source != results:
            shutil.rmtree(source, ignore_errors=True)
    index = output / "index.html"
    if done.returncode != 0 or not index.exists():
        raise ReportError(
            f"allure generate failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    html = index.read_text(encoding="utf-8")
    html = _ANALYTICS.sub("", html)
    remote = _REMOTE.search(html)
    if remote is not None or "googletagmanager" in html:
        found = remote.group(0) if remote else "googletagmanager"
        raise ReportError(f"{index} would load from the network ({found!r}): the report must work offline")
    index.write_text(html, encoding="utf-8")
    return index


def embedded_files(html: str) -> dict[str, bytes]:
    """The files a single-file report carries (test results, attachments, widgets), decoded:
    what a reader of the report can see, for the tests and the leak scans."""
    files = {}
    for name, value in _EMBEDDED.findall(html):
        files[json.loads(name)] = base64.b64decode(json.loads(value))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the Allure results directory of the run")
    parser.add_argument("--output", type=Path, required=True, help="directory of the report (index.html)")
    parser.add_argument("--history", type=Path, default=None, help="history file (JSONL) kept across runs")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="the report's language (default en)")
    args = parser.parse_args(argv)
    t = fresh_translator(args.lang)
    try:
        index = generate(args.results, args.output, history=args.history, t=t)
    except ReportError as exc:
        print(f"HTML report: {exc}", file=sys.stderr)
        return 1
    print(f"HTML report: {index}")
    warn_untranslated(t)
    return 0


def warn_untranslated(t: Translator, limit: int = 10) -> None:
    """Name the texts the catalogue lacks (the report shows them in English)."""
    if t.missed:
        print(
            f"{len(t.missed)} text(s) shown in English, no {t.language} translation in "
            f"reports/i18n/{t.language}.yaml (python -m reports.i18n.sources --missing {t.language}):",
            file=sys.stderr,
        )
        for text in list(t.missed)[:limit]:
            print(f"  {text}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
