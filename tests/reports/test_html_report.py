"""The single-file HTML report, opened in headless Chromium as a reader opens it: every
scenario is there with its requirement, its capture, its sequence chart and its
measurements; the Japanese clauses render with a CJK font; screenshots are kept in
reports/out/screenshots as artifacts of the run."""

from __future__ import annotations

import json
import re
import subprocess

from conformance.catalogue import load_catalogue
from fixtures.evidence import CAPTURE, MEASUREMENT_TABLE, SEQUENCE, SEQUENCE_CHART
from reports.html import embedded_files

EPICS = ("Specified metering (nationwide)", "Automatic meter reading (Tohoku)")


def _report_results(run) -> list[dict]:
    files = embedded_files(run.html.read_text(encoding="utf-8"))
    return [json.loads(body) for name, body in files.items() if name.startswith("data/test-results/")]


def test_the_report_is_one_file_that_needs_no_network(run) -> None:
    html = run.html.read_text(encoding="utf-8")
    files = embedded_files(html)
    assert len(_report_results(run)) == len(run.scenario_results())
    attachments = [name for name in files if name.startswith("data/attachments/")]
    assert any(name.endswith(".pcap") for name in attachments)
    assert any(name.endswith(".svg") for name in attachments)
    assert not re.search(r"""<(script|link|img|iframe)\b[^>]*(src|href)=["']?(https?:)?//""", html)
    assert "googletagmanager" not in html


def test_every_scenario_opens_with_its_requirement_and_evidence(run, browser, artifacts) -> None:
    browser.open(run.html.as_uri())
    overview = browser.wait_for_text("Passed", *EPICS)
    browser.screenshot(artifacts / "report-overview.png")
    assert f"{len(run.scenario_results())}" in overview
    shown = set()
    for result in _report_results(run):
        stories = [label["value"] for label in result["labels"] if label["name"] == "story"]
        assert stories, f"{result['name']} has no requirement"
        attachments = {a["link"]["name"] for a in result["attachments"] if "link" in a}
        assert {CAPTURE, SEQUENCE, SEQUENCE_CHART} <= attachments, result["name"]
        measured = any(name.startswith("measurement") for name in attachments)
        needles = [result["name"], *stories, CAPTURE, SEQUENCE_CHART, SEQUENCE]
        needles += [f"{p['name']}\n{p['value']}" for p in result.get("parameters", [])]
        if measured:
            needles.append(MEASUREMENT_TABLE)
        browser.open(f"{run.html.as_uri()}#/{result['id']}")
        browser.wait_for_text(*needles)
        shown.add((result["name"], json.dumps(result.get("parameters", []), sort_keys=True)))
    expected = {
        (r["name"], json.dumps([{"name": p["name"], "value": p["value"]} for p in r.get("parameters", [])]))
        for r in run.scenario_results()
    }
    assert {name for name, _ in shown} == {name for name, _ in expected}
    assert len(shown) == len(expected)


def test_a_scenario_shows_its_clause_in_japanese_and_its_sequence_chart(run, browser, artifacts) -> None:
    result = next(r for r in _report_results(run) if "90 seconds" in r["name"])
    requirement = load_catalogue().get("THK-7-JOIN")
    browser.open(f"{run.html.as_uri()}#/{result['id']}")
    browser.wait_for_text(result["name"], SEQUENCE_CHART)
    # The description is rendered in a sandboxed frame; its source holds the quote.
    descriptions = browser.evaluate("[...document.querySelectorAll('iframe')].map(f => f.srcdoc).join('\\n')")
    assert requirement.quote.split(" | ")[0] in descriptions
    browser.screenshot(artifacts / "report-scenario.png")
    browser.click_text(SEQUENCE_CHART)
    # The report shows an SVG attachment as an image: decoded, it has a size.
    width = browser.wait_for(
        "Math.max(0, ...[...document.images].filter(i => i.src.startsWith('blob:') && i.complete)"
        ".map(i => i.naturalWidth))"
    )
    assert width >= 900  # the chart's minimum width: it was drawn, not a broken-image icon
    browser.evaluate("[...document.images].find(i => i.src.startsWith('blob:')).scrollIntoView()")
    browser.screenshot(artifacts / "report-sequence-chart.png")
    # What draws the Japanese: a font with Japanese glyphs (Debian's fonts-noto-cjk).
    fonts = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False)
    assert fonts.stdout.strip(), "no font with Japanese glyphs: install fonts-noto-cjk (make system-deps)"
