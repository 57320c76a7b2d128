"""No secret the run used reaches anything a reader gets (DESIGN.md rule 8): the Allure
results, the HTML report (including every file it embeds, decoded), the certification
summary, the log and every file of the evidence bundle.

Each secret is looked for in every form it could take (``tests.reports.secret_forms``):
raw, hex, base64 at any alignment (a report embeds files as base64), and behind the
escapes and folds a YAML or JSON writer may use."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

from reports.html import embedded_files
from tests.reports.secret_forms import leaks

# What each distinct content revealed, by its SHA-256: the bundle holds the results, the
# summary and the report that the scans before it read already, and the report embeds
# the captures and sequences again. A content is judged once; its verdict is the same.
_scanned: dict[tuple[bytes, tuple[bytes, ...]], list[bytes]] = {}
_unpacked: dict[bytes, dict[str, bytes]] = {}


def _leaks(content: bytes, secrets: list[bytes]) -> list[bytes]:
    """``secret_forms.leaks``, scanned once per distinct content."""
    key = (hashlib.sha256(content).digest(), tuple(secrets))
    if key not in _scanned:
        _scanned[key] = leaks(content, secrets)
    return _scanned[key]


def _embedded_files(html: str) -> dict[str, bytes]:
    """``reports.html.embedded_files``, decoded once per distinct report."""
    digest = hashlib.sha256(html.encode("utf-8")).digest()
    if digest not in _unpacked:
        _unpacked[digest] = embedded_files(html)
    return _unpacked[digest]


def _secrets(run) -> list[bytes]:
    secrets = run.secrets()
    # The run really held secrets: the password, its PSK, and group keys of several meters.
    assert len([s for s in secrets if len(s) == 16]) >= 3, (
        "the harvest saw no keys: the scan would prove nothing"
    )
    return secrets


def test_the_results_the_summary_and_the_log_hold_no_secret(run) -> None:
    secrets = _secrets(run)
    for path in sorted(run.out.rglob("*")):
        if path.is_file() and not path.name.endswith((".tar.gz", ".pem")):
            leaked = _leaks(path.read_bytes(), secrets)
            assert not leaked, f"{path.relative_to(run.out)} reveals a secret"


def test_the_html_report_and_everything_it_embeds_hold_no_secret(run) -> None:
    secrets = _secrets(run)
    html = run.html.read_text(encoding="utf-8")
    assert not _leaks(html.encode(), secrets), "the report's page reveals a secret"
    embedded = _embedded_files(html)
    assert any(name.endswith(".pcap") for name in embedded)
    for name, body in embedded.items():
        assert not _leaks(body, secrets), f"{name}, embedded in the report, reveals a secret"


def test_no_file_of_the_evidence_bundle_holds_a_secret(run) -> None:
    secrets = _secrets(run)
    with tarfile.open(run.bundle) as tar:
        names = []
        for member in tar.getmembers():
            if not member.isfile():
                continue
            body = tar.extractfile(member).read()  # type: ignore[union-attr]
            names.append(Path(member.name).name)
            assert not _leaks(body, secrets), f"{member.name} reveals a secret"
            if member.name.endswith("html/index.html"):
                for name, inner in _embedded_files(body.decode("utf-8")).items():
                    assert not _leaks(inner, secrets), f"{name} in the bundled report reveals a secret"
    assert "declaration.yaml" in names and "index.html" in names
