"""The single-file HTML report, opened in headless Chromium as a reader opens it, in each
language the report speaks: every scenario is there with its requirement, its capture, its
sequence chart and its measurements; the Japanese clauses render with a CJK font; a
failed scenario shows its diagnosis; the Japanese report leaves no scenario, step or
message in English (identifiers, requirement IDs, clause quotes, protocol names and frame
details aside). Screenshots are kept in reports/out/screenshots as artifacts of the run."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from conformance.catalogue import load_catalogue
from fixtures.evidence import CAPTURE, DIAGNOSIS, MEASUREMENT_TABLE, SEQUENCE, SEQUENCE_CHART
from reports.html import embedded_files
from reports.i18n import ENGLISH, LANGUAGES, translator

EPICS = ("Specified metering (nationwide)", "Automatic meter reading (Tohoku)")
# English left in a Japanese page: three words or more in a row.
PROSE = re.compile(r"(?<![\w./:-])[A-Za-z][a-z]+(?:[ -][A-Za-z][a-z]+){2,}(?![\w-])")
# What a Japanese page may show in English: Allure's own words its Japanese interface
# lacks, the identity the declaration gives the terminal, and the labels Allure files
# results by (their values are translated where they are the bench's words).
ALLOWED = (
    "Powered by", "Allure Report", "Description", "Resolution", "Report",
    "IoT-route bench project", "Reference terminal twin",
)  # fmt: skip


def _suffix(language: str) -> str:
    return "" if language == ENGLISH else f"-{language}"


def _report_results(html: Path) -> list[dict]:
    files = embedded_files(html.read_text(encoding="utf-8"))
    return [json.loads(body) for name, body in files.items() if name.startswith("data/test-results/")]


def _case(result: dict) -> tuple[str, str]:
    """A scenario's identity in a run's results: its test case and the md5 of its
    parameters, as Allure 3 makes the second half of a history ID."""
    parameters = sorted(result.get("parameters", []), key=lambda p: (p["name"], p["value"]))
    shown = ",".join(f"{p['name']}:{p['value']}" for p in parameters)
    return result["testCaseId"], hashlib.md5(shown.encode()).hexdigest()


def _reported_case(result: dict) -> tuple[str, str]:
    """The same identity of a result as the report embeds it."""
    return result["testCase"]["externalId"], result["historyId"].split(".", 1)[1]


def _english_texts(result: dict) -> list[str]:
    """What an English result says in words: its name, its steps (with and without their
    keyword), its status messages; the phrases of two words or more."""
    texts = [result["name"], (result.get("statusDetails") or {}).get("message", "")]
    pending = list(result.get("steps", []))
    while pending:
        step = pending.pop()
        name = step.get("name", "")
        texts += [name, name.partition(" ")[2], (step.get("statusDetails") or {}).get("message", "")]
        pending += step.get("steps", [])
    return [t.strip() for t in texts if len(t.split()) >= 2]


def _code(item: object) -> list[str]:
    """The lines of every traceback in an embedded result: code stays code (its exception's
    line is translated)."""
    if isinstance(item, dict):
        found = [line.strip() for line in str(item.get("trace") or "").splitlines() if line.strip()]
        return found + [line for value in item.values() for line in _code(value)]
    if isinstance(item, list):
        return [line for value in item for line in _code(value)]
    return []


def _english_left(page: str, result: dict | None = None) -> list[str]:
    """English phrases a Japanese page shows, beyond what it may (``ALLOWED``, the code of
    ``result``'s tracebacks)."""
    for allowed in (*sorted(_code(result), key=len, reverse=True), *ALLOWED):
        page = page.replace(allowed, " ")
    return PROSE.findall(page)


def test_the_report_is_one_file_that_needs_no_network(report) -> None:
    html = report.html.read_text(encoding="utf-8")
    files = embedded_files(html)
    assert len(_report_results(report.html)) == len(report.scenario_results())
    attachments = [name for name in files if name.startswith("data/attachments/")]
    assert any(name.endswith(".pcap") for name in attachments)
    assert any(name.endswith(".svg") for name in attachments)
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*(src|href)=["']?(https?:)?//""", html)
    assert "googletagmanager" not in html


def test_every_scenario_opens_with_its_requirement_and_evidence(run, report, browsers, artifacts) -> None:
    t = translator(report.language)
    browser = browsers(report.language)
    browser.open(report.html.as_uri())
    overview = browser.wait_for_text(*(t(epic) for epic in EPICS))
    browser.screenshot(artifacts / f"report-overview{_suffix(report.language)}.png")
    assert f"{len(report.scenario_results())}" in overview
    english = {_case(r): r for r in run.scenario_results()}
    shown, untranslated = set(), []
    for result in _report_results(report.html):
        stories = [label["value"] for label in result["labels"] if label["name"] == "story"]
        assert stories, f"{result['name']} has no requirement"
        attachments = {a["link"]["name"] for a in result["attachments"] if "link" in a}
        assert {t(CAPTURE), t(SEQUENCE), t(SEQUENCE_CHART)} <= attachments, result["name"]
        measured = t(MEASUREMENT_TABLE) in attachments
        needles = [result["name"], *stories, t(CAPTURE), t(SEQUENCE_CHART), t(SEQUENCE)]
        needles += [f"{p['name']}\n{p['value']}" for p in result.get("parameters", [])]
        if measured:
            needles.append(t(MEASUREMENT_TABLE))
        browser.open(f"{report.html.as_uri()}#/{result['id']}")
        page = browser.wait_for_text(*needles)
        shown.add((result["name"], json.dumps(result.get("parameters", []), sort_keys=True)))
        if report.language != ENGLISH:
            source = english[_reported_case(result)]
            left = [text for text in _english_texts(source) if text in page] + _english_left(page, result)
            untranslated += [f"{result['name']}: {text!r}" for text in left]
    expected = {(t(r["name"]), json.dumps(r.get("parameters", []))) for r in run.scenario_results()}
    assert {name for name, _ in shown} == {name for name, _ in expected}
    assert len(shown) == len(expected)
    assert not untranslated, "English left in the report:\n" + "\n".join(untranslated)


def test_a_scenario_shows_its_clause_in_japanese_and_its_sequence_chart(report, browsers, artifacts) -> None:
    t = translator(report.language)
    browser = browsers(report.language)
    suffix = _suffix(report.language)
    title = t("The terminal is authenticated within 90 seconds of power-on")
    result = next(r for r in _report_results(report.html) if r["name"] == title)
    requirement = load_catalogue().get("THK-7-JOIN")
    browser.open(f"{report.html.as_uri()}#/{result['id']}")
    browser.wait_for_text(result["name"], t(SEQUENCE_CHART), t(requirement.title))
    # The description is rendered in a sandboxed frame; its source holds the quote, as it is.
    descriptions = browser.evaluate("[...document.querySelectorAll('iframe')].map(f => f.srcdoc).join('\\n')")
    assert requirement.quote.split(" | ")[0] in descriptions
    browser.screenshot(artifacts / f"report-scenario{suffix}.png")
    browser.click_text(t(SEQUENCE_CHART))
    # The report shows an SVG attachment as an image: decoded, it has a size.
    width = browser.wait_for(
        "Math.max(0, ...[...document.images].filter(i => i.src.startsWith('blob:') && i.complete)"
        ".map(i => i.naturalWidth))"
    )
    assert width >= 900  # the chart's minimum width: it was drawn, not a broken-image icon
    browser.evaluate("[...document.images].find(i => i.src.startsWith('blob:')).scrollIntoView()")
    browser.screenshot(artifacts / f"report-sequence-chart{suffix}.png")
    # What draws the Japanese: a font with Japanese glyphs (Debian's fonts-noto-cjk).
    fonts = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False)
    assert fonts.stdout.strip(), "no font with Japanese glyphs: install fonts-noto-cjk (make system-deps)"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_failed_scenario_shows_its_diagnosis(failed: Path, language: str, browsers, artifacts) -> None:
    t = translator(language)
    browser = browsers(language)
    html = failed / ("html" if language == ENGLISH else f"html-{language}") / "index.html"
    [result, *_] = [r for r in _report_results(html) if r["status"] == "failed"]
    browser.open(f"{html.as_uri()}#/{result['id']}")
    browser.wait_for_text(result["name"], t(DIAGNOSIS))
    browser.click_text(t(DIAGNOSIS))
    first_line = t("FAIL: the terminal did not do what {clauses} requires.").split("{")[0]
    last = t("The last observations before the verdict (times in seconds):")
    page = browser.wait_for_text(first_line, last)
    browser.evaluate(
        "[...document.querySelectorAll('pre, code')].find(e => e.innerText.includes("
        + json.dumps(first_line)
        + "))?.scrollIntoView()"
    )
    browser.screenshot(artifacts / f"report-failed-diagnosis{_suffix(language)}.png")
    if language != ENGLISH:
        assert "At the step" not in page and "The bench saw" not in page
        assert _english_left(page, result) == [], _english_left(page, result)


def test_the_certification_summary_reads_in_the_reports_language(report, browsers, artifacts) -> None:
    t = translator(report.language)
    browser = browsers(report.language)
    summary = report.out / "traceability.html"
    browser.open(summary.as_uri())
    title = t("Joining the network takes about 90 s")
    page = browser.wait_for_text(t("Traceability matrix"), "THK-7-JOIN", title)
    browser.screenshot(artifacts / f"summary{_suffix(report.language)}.png")
    if report.language != ENGLISH:
        assert f'<html lang="{report.language}"' in summary.read_text(encoding="utf-8")
        assert _english_left(page) == [], _english_left(page)
