"""The report in the reader's language (issue 16).

English stays the source of every text (the feature files, the step code, the core's
messages); a report in another language is made when it is built, from that language's
catalogue (``reports/i18n/<language>.yaml``, see ``reports.i18n.catalogue``), and the
glossary of the guidelines' own terms (``reports/i18n/glossary.yaml``) says which words
the translations use. ``reports.i18n.allure_results`` rewrites a run's Allure results
into the language before Allure 3 renders them; the certification summary and the
evidence bundle's README are written in it directly.

The language is ``en`` (the default) or ``ja``: ``--lang`` of ``python -m reports.build``,
else ``REPORT_LANG``, else the locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``, the first
set, as POSIX orders them): a Japanese locale such as ``ja_JP.UTF-8`` gives Japanese.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from reports.i18n.catalogue import ENGLISH, LANGUAGES, Translator, fresh_translator, translator

__all__ = [
    "ENGLISH",
    "LANGUAGES",
    "LANGUAGE_PROPERTY",
    "N_",
    "Translator",
    "fresh_translator",
    "language_from_environment",
    "normalise_language",
    "run_language",
    "translator",
]

# The run's metadata (environment.properties) records the report's language, so that
# what is written from it later (the bundle's README) speaks the same one.
LANGUAGE_PROPERTY = "report.language"


def N_(text: str) -> str:  # gettext's name: "mark for translation, translate later"
    """Marks ``text`` as one the report translates where it shows it; returns it unchanged."""
    return text


def normalise_language(value: str) -> str:
    """``ja``, ``ja_JP.UTF-8``, ``ja-JP`` -> ``ja``; ``C``, ``POSIX``, ``en_US`` -> ``en``.

    Raises ValueError for a language the report does not speak, naming those it does.
    """
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    if code in ("", "c", "posix"):
        return ENGLISH
    if code not in LANGUAGES:
        raise ValueError(f"the report speaks {', '.join(LANGUAGES)}, not {value!r}")
    return code


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """``REPORT_LANG`` if set, else the locale's language if the report speaks it, else English."""
    env = os.environ if environ is None else environ
    chosen = env.get("REPORT_LANG", "").strip()
    if chosen:
        return normalise_language(chosen)
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(variable, "").strip()
        if value:
            try:
                return normalise_language(value)
            except ValueError:
                return ENGLISH  # a locale the report does not speak: its source language
    return ENGLISH


def run_language(out: Path) -> str:
    """The language a run's report was built in, from its metadata (English if unrecorded)."""
    properties = out / "allure-results" / "environment.properties"
    if properties.exists():
        for line in properties.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key == LANGUAGE_PROPERTY and value.strip() in LANGUAGES:
                return value.strip()
    return ENGLISH
