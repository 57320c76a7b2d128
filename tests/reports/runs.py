"""The README's conformance run as the bench's own tests make it (reference terminal twin,
seed 7, Allure results with captures, then ``python -m reports.build``), and what a test
reads of it. It is made once per test session (``reference_run`` in tests/conftest.py) and
read by the report tests and by tests/features/test_conformance_run.py alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from reports.i18n import ENGLISH
from tests.reports.secret_harvest import SECRETS_FILE

ROOT = Path(__file__).resolve().parents[2]
SEED = 7


@dataclass(frozen=True)
class Run:
    out: Path  # what `make conformance` writes to reports/out
    secrets_file: Path  # outside ``out``: the bundle and the report never see it
    key: Path  # the bundle signing key of this session
    language: str = ENGLISH  # the language the report, summary and README were built in

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


def build_report(out: Path, key: Path, language: str = ENGLISH) -> None:
    command = [
        sys.executable, "-m", "reports.build", "--out", str(out), "--seed", str(SEED), "--key", str(key),
        "--lang", language,
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the report build failed:\n{done.stdout}\n{done.stderr}"
    # A text the catalogue lacks is shown in English and named on stderr: none may be.
    assert "shown in English" not in done.stderr, done.stderr


def run_pytest(args: list[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    command = [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider", "-q"]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def make_reference_run(base: Path) -> Run:
    """The README's conformance run in ``base``: pytest over the features with the secrets
    harvest (which writes outside ``out``), then the report built in English."""
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
    build_report(out, key)
    return reference_run_in(base)


def reference_run_in(base: Path) -> Run:
    """The run ``make_reference_run`` made in ``base``."""
    return Run(out=base / "out", secrets_file=base / "secrets.jsonl", key=base / "signing-key.pem")
