"""The evidence bundle's README, in the language the run's report was built in.

``reports.bundle`` writes it as README.txt at the top of every bundle: what each file is,
how to check the bundle, and where the report starts. The language is the one the run's
metadata records (``report.language``, written by ``reports.environment``).
"""

from __future__ import annotations

from pathlib import Path

from reports.i18n import run_language, translator

README = "README.txt"


def bundle_readme(out: Path) -> str:
    """README.txt of the bundle made from the run in ``out``."""
    t = translator(run_language(out))
    files = (
        ("html/index.html", t("the HTML report: open it in a browser, it needs no network")),
        ("traceability.html", t("the certification summary: every requirement with its verdicts and gaps")),
        ("traceability.json", t("the same summary for tools (in English)")),
        ("verdicts.json", t("each scenario's verdict with its requirement IDs (in English)")),
        ("allure-results/", t("the Allure results and attachments as the run wrote them (in English)")),
        ("captures/", t("each scenario's air capture (pcap, IEEE 802.15.4 TAP) under its name")),
        ("conformance.log", t("the output of the run")),
        ("declaration.yaml", t("the terminal's declaration, its secrets replaced by REDACTED")),
        ("rig.yaml", t("the rig file, if the run used one, its secrets replaced by REDACTED")),
        ("MANIFEST.sha256", t("the SHA-256 of every file (sha256sum -c reads it)")),
        ("MANIFEST.sig", t("the Ed25519 signature of the manifest")),
        ("signing-key.pub", t("the public key of the bench that signed it")),
    )
    width = max(len(name) for name, _ in files)
    lines = [
        t("Evidence bundle of an IoT-route conformance run"),
        "",
        t("Start with html/index.html (the report) and traceability.html (the certification summary)."),
        "",
        t("Files:"),
        *(f"  {name:<{width}}  {what}" for name, what in files),
        "",
        t("To check that nothing was changed since the bench signed it (the signature, then every file):"),
        "",
        "  .venv/bin/python -m reports.bundle verify evidence-....tar.gz --public-key bench.pub",
        "",
        t("Requirement IDs, the clauses quoted from the guidelines and the frames are given as they are"),
    ]
    return "\n".join(lines) + "\n"
