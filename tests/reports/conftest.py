"""One conformance run per test session, built as `make conformance` builds it
(tests/reports/runs.py), shared by every test of the report: its Allure results, HTML
report, certification summary and evidence bundle, and (for the leak scans only) the
secrets its benches held. The same run is built a second time in Japanese (`make
conformance REPORT_LANG=ja`), and the faulty twin that joins late gives a run with
failures to read in both languages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reports import environment, html
from reports.i18n import ENGLISH, LANGUAGES, fresh_translator
from tests.reports.chromium import Chromium, find_chromium
from tests.reports.runs import ROOT, Run, build_report

ARTIFACTS = ROOT / "reports" / "out" / "screenshots"  # kept after the session (git-ignored)


@pytest.fixture(scope="session")
def run(reference_run: Run) -> Run:
    """The README's conformance run: pytest over the features, then `python -m reports.build`
    (made once per session for every worker, tests/conftest.py)."""
    return reference_run


@pytest.fixture(scope="session")
def run_ja(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The same run built in Japanese, as `make conformance REPORT_LANG=ja` builds it."""
    out = tmp_path_factory.mktemp("conformance-ja") / "out"
    shutil.copytree(run.results, out / "allure-results")
    shutil.copyfile(run.out / "verdicts.json", out / "verdicts.json")
    build_report(out, run.key, "ja")
    return Run(out=out, secrets_file=run.secrets_file, key=run.key, language="ja")


@pytest.fixture(scope="session", params=LANGUAGES)
def report(request: pytest.FixtureRequest) -> Run:
    """The session's run as built in each language the report speaks."""
    return request.getfixturevalue("run" if request.param == ENGLISH else f"run_{request.param}")


@pytest.fixture(scope="session")
def failed(run: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The late-joining twin's run, reported with the session's passing run as its history;
    its HTML report in English (html/) and in Japanese (html-ja/)."""
    out = tmp_path_factory.mktemp("joins-late")
    shutil.copyfile(run.out / "history.jsonl", out / "history.jsonl")
    command = [
        sys.executable, "-m", "pytest", "features", "--dut", "joins-late", "--seed", "3",
        "-k", "within_90_seconds",
        "--alluredir", str(out / "allure-results"), "--verdicts-json", str(out / "verdicts.json"),
        "-p", "no:cacheprovider", "-q",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]  # scenarios failed, nothing broke
    environment.write(out / "allure-results", 3, None, dut="joins-late")
    html.generate(out / "allure-results", out / "html", history=out / "history.jsonl")
    ja = fresh_translator("ja")
    html.generate(out / "allure-results", out / "html-ja", t=ja)
    assert not ja.missed, list(ja.missed)
    return out


@pytest.fixture(scope="session")
def browsers(tmp_path_factory: pytest.TempPathFactory):
    """Headless Chromium, one per language with a new empty profile each (a report's UI may
    remember a language in the browser's storage)."""
    opened: dict[str, Chromium] = {}

    def browser(language: str = ENGLISH) -> Chromium:
        if language not in opened:
            profile = tmp_path_factory.mktemp(f"chromium-profile-{language}")
            opened[language] = Chromium(find_chromium(), profile).__enter__()
        return opened[language]

    yield browser
    for chromium in opened.values():
        chromium.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser(browsers):
    """One headless Chromium for the session's English report."""
    return browsers(ENGLISH)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
