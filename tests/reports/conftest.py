"""One conformance run per test session, built as `make conformance` builds it, shared by
every test of the report: its Allure results, HTML report, certification summary and
evidence bundle, and (for the leak scans only) the secrets its benches held."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reports.chromium import Chromium, find_chromium
from tests.reports.secret_harvest import SECRETS_FILE

ROOT = Path(__file__).resolve().parents[2]
SEED = 7
ARTIFACTS = ROOT / "reports" / "out" / "screenshots"  # kept after the session (git-ignored)


@dataclass(frozen=True)
class Run:
    out: Path  # what `make conformance` writes to reports/out
    secrets_file: Path  # outside ``out``: the bundle and the report never see it
    key: Path  # the bundle signing key of this session

    @property
    def results(self) -> Path:
        return self.out / "allure-results"

    @property
    def html(self) -> Path:
        return self.out / "html" / "index.html"

    @property
    def bundle(self) -> Path:
        [archive] = self.out.glob("evidence-*.tar.gz")
        return archive

    def scenario_results(self) -> list[dict]:
        return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.results.glob("*-result.json"))]

    def secrets(self) -> list[bytes]:
        """Every secret the run's benches held, as bytes and as hex in both cases."""
        found: set[bytes] = set()
        for line in self.secrets_file.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            found |= {p.encode() for p in entry["passwords"]}
            for key in entry["keys"]:
                found |= {bytes.fromhex(key), key.encode(), key.upper().encode()}
        return sorted(found)


def run_pytest(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    command = [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "-q"]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The README's conformance run: pytest over the features, then `python -m reports.build`."""
    base = tmp_path_factory.mktemp("conformance")
    out, secrets = base / "out", base / "secrets.jsonl"
    env = {**os.environ, SECRETS_FILE: str(secrets)}
    run_pytest(
        [
            "features", "--profile", "twin", "--seed", str(SEED), "--alluredir", str(out / "allure-results"),
            "--verdicts-json", str(out / "verdicts.json"), "-p", "tests.reports.secret_harvest",
        ],
        env=env,
    )  # fmt: skip
    key = base / "signing-key.pem"
    build = [sys.executable, "-m", "reports.build", "--out", str(out), "--seed", str(SEED), "--key", str(key)]
    done = subprocess.run(build, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the report build failed:\n{done.stdout}\n{done.stderr}"
    return Run(out=out, secrets_file=secrets, key=key)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """One headless Chromium for the session, with a new empty profile."""
    with Chromium(find_chromium(), tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
